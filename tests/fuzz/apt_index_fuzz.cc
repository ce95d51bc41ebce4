// apt's text formats: deb822 stanzas, a Release file (the signed text of an
// InRelease, after the cleartext-signature framing is taken off) and a
// Packages index with its relation fields. Every parser sees the whole input.
#include "builder/apt/apt_release.h"
#include "builder/apt/deb822.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    const std::string_view text = fuzz::text_of(data, size);
    fuzz::rejecting([&] { (void)builder::parse_deb822(text, "fuzz"); });
    fuzz::rejecting([&] { (void)builder::parse_release(text, "Release"); });
    fuzz::rejecting([&] { (void)builder::parse_packages_index(text, "amd64", "Packages"); });
    fuzz::rejecting([&] {
        const std::string signed_text = builder::clearsigned_text(text, "InRelease");
        (void)builder::parse_release(signed_text, "InRelease");
    });
    return 0;
}
