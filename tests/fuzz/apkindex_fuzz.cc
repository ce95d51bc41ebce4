// Alpine's APKINDEX: the text format (records of "X:value" lines), and the
// signed APKINDEX.tar.gz around it (gzip members, signature and index tars)
// up to the signature check, which an empty keyring always fails.
#include "builder/apk/apk_index.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tdx;
    fuzz::lower_limits();
    static const builder::ApkKeyring no_keys;
    fuzz::rejecting([&] { (void)builder::parse_apkindex_text(fuzz::text_of(data, size), "APKINDEX"); });
    fuzz::rejecting([&] { (void)builder::read_apkindex(fuzz::bytes_of(data, size), no_keys, "APKINDEX.tar.gz"); });
    return 0;
}
