// The TD HOB for Debian 12's real OVMF.fd, against the worked example of the
// measurement reference (section 4.2): 8 descriptors at 2 GiB with
// EfiEndOfHobList 0x8091C0; a ninth above 4 GiB at 4 GiB with 0x8091F0 (the
// value Fraunhofer's tool hard-codes for its 4 GiB example).
#include "base/file_io.h"
#include "measure/td_hob.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;

namespace {

ovmf::TdvfImage load(const InputFile& f) { return ovmf::load_tdvf(f.bytes(), "OVMF.fd"); }

std::uint64_t le64(const std::vector<std::uint8_t>& b, std::size_t off) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | b[off + static_cast<std::size_t>(i)];
    return v;
}

}  // namespace

TEST_CASE("Debian OVMF TD HOB at 2 GiB: the reference's eight ranges") {
    InputFile f(test::debian_inputs_dir() / "OVMF.fd");
    const ovmf::TdvfImage image = load(f);
    const TdHob hob = build_td_hob(image, 2ull << 30, "OVMF.fd");
    const std::vector<TdRamRange> expected{
        {0x0, 0x800000, false},   {0x800000, 0x6000, true},  {0x806000, 0x3000, false}, {0x809000, 0x2000, true},
        {0x80b000, 0x2000, true}, {0x80d000, 0x3000, false}, {0x810000, 0x10000, true}, {0x820000, 0x7F7E0000, false},
    };
    CHECK(hob.ranges == expected);
    CHECK(hob.gpa == 0x809000);
    CHECK(hob.end_of_hob_list == 0x8091C0);
    REQUIRE(hob.measured.size() == 56 + 48 * 8);
    CHECK(le64(hob.measured, 48) == 0x8091C0);
}

TEST_CASE("Debian OVMF TD HOB at 4 GiB: 2 GiB below 4 GiB, the rest above") {
    InputFile f(test::debian_inputs_dir() / "OVMF.fd");
    const TdHob hob = build_td_hob(load(f), 4ull << 30, "OVMF.fd");
    REQUIRE(hob.ranges.size() == 9);
    CHECK(hob.ranges[7] == TdRamRange{0x820000, 0x80000000 - 0x820000, false});
    CHECK(hob.ranges[8] == TdRamRange{0x100000000, 0x80000000, false});
    CHECK(hob.end_of_hob_list == 0x8091F0);
}

TEST_CASE("Debian OVMF TD HOB: sizes on either side of 2.75 GiB") {
    InputFile f(test::debian_inputs_dir() / "OVMF.fd");
    const ovmf::TdvfImage image = load(f);
    const TdHob below = build_td_hob(image, 0xB0000000 - 0x100000, "OVMF.fd");
    REQUIRE(below.ranges.size() == 8);
    CHECK(below.ranges.back().start + below.ranges.back().length == 0xB0000000 - 0x100000);
    const TdHob at = build_td_hob(image, 0xB0000000, "OVMF.fd");
    REQUIRE(at.ranges.size() == 9);
    CHECK(at.ranges[8] == TdRamRange{0x100000000, 0x30000000, false});
    CHECK(below.measured != at.measured);
}
