#include "cli/warnings.h"

#include <iostream>

namespace tdx::cli {

void print_warnings(const std::vector<std::string>& warnings) {
    for (const std::string& w : warnings) std::cerr << "tdximage: warning: " << w << "\n";
}

}  // namespace tdx::cli
