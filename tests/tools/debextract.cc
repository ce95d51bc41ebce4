// Test helper: extracts one file from a .deb with the project's own reader.
// Usage: tdximage_test_debextract PACKAGE.deb /path/in/package OUTPUT
#include <iostream>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/apt/deb_reader.h"

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: " << argv[0] << " PACKAGE.deb /path/in/package OUTPUT\n";
        return 2;
    }
    try {
        auto bytes = tdx::builder::deb_extract_file(argv[1], argv[2]);
        tdx::write_file_atomically(argv[3], std::string(bytes.begin(), bytes.end()));
    } catch (const tdx::Error& e) {
        std::cerr << "debextract: error: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
