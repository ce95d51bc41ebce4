// One Alpine .apk (v2): the signature, control and data gzip members, .PKGINFO,
// the identity and datahash checks and the data tar with its path, link and
// type rules. No keyring: signatures are split out but not verified, so the
// data tar of a package without datahash is reached whatever its bytes.
#include "builder/apk/apk_package.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tdx;
    fuzz::lower_limits();
    fuzz::rejecting([&] { (void)builder::read_apk(fuzz::bytes_of(data, size), "fuzz.apk"); });
    return 0;
}
