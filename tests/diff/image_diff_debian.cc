// tdximage diff on two real firmware builds: Debian 12's OVMF.fd and
// Debian 13's OVMF-trixie.fd (edk2 2022.11 and 2025.02) differ in layout and
// modules; the diff must name TDVF sections and modules, not just bytes.
#include <algorithm>

#include "base/file_io.h"
#include "diff/image_diff.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::builder;

TEST_CASE("diff: Debian 12 OVMF.fd against OVMF-trixie.fd") {
    InputFile a(test::debian_inputs_dir() / "OVMF.fd"), b(test::debian_inputs_dir() / "OVMF-trixie.fd");
    REQUIRE(detect_kind(a.bytes()) == FileKind::Firmware);
    REQUIRE(detect_kind(b.bytes()) == FileKind::Firmware);
    const std::vector<Difference> d = diff_contents(a.bytes(), b.bytes(), "OVMF.fd");
    auto count = [&](const std::string& prefix) {
        return std::count_if(d.begin(), d.end(), [&](const Difference& x) { return x.where.rfind(prefix, 0) == 0; });
    };
    CHECK(count("OVMF.fd:TDVF section ") > 0);
    CHECK(count("OVMF.fd:module ") > 0);
    // The BFV holds the code, rebuilt from another edk2: its bytes differ.
    CHECK(std::any_of(d.begin(), d.end(),
                      [](const Difference& x) { return x.where == "OVMF.fd:TDVF section 0 (BFV)" && x.what == "content sha256"; }));
    for (const Difference& x : d) CHECK(x.what.rfind("unreadable", 0) != 0);
    CHECK(diff_contents(a.bytes(), a.bytes(), "OVMF.fd").empty());
}
