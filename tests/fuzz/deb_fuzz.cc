// Debian binary packages: the ar archive, the control and data tarballs in
// every compression the reader accepts, the control file and each data
// member's type, owner, links and content. The reader takes a path, so the
// input is handed over as an in-memory file.
#include "builder/apt/deb_reader.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tdx;
    fuzz::lower_limits();
    static fuzz::MemoryFile file("fuzz.deb");
    file.assign(data, size);
    const std::filesystem::path deb = file.path();
    fuzz::rejecting([&] { (void)builder::deb_control(deb); });
    fuzz::rejecting([&] {
        builder::deb_for_each_data_entry(deb, [](const builder::DebEntry& e, const builder::DebEntryReader& read) {
            if (e.type == builder::DebEntry::Type::File) (void)read();
            return true;
        });
    });
    fuzz::rejecting([&] { (void)builder::deb_list_files(deb); });
    fuzz::rejecting([&] { (void)builder::deb_extract_file(deb, "/usr/share/ovmf/OVMF.fd"); });
    return 0;
}
