#include "measure/td_hob.h"

#include "base/error.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/catch.h"

using namespace tdx;

namespace {

ovmf::TdvfImage image_with(std::vector<ovmf::TdvfSection> sections) {
    test::TdvfBuilder b;
    b.sections = std::move(sections);
    auto bytes = b.build();
    return ovmf::parse_tdvf(Bytes(bytes.data(), bytes.size()));
}

constexpr std::uint32_t kTdHob = 2, kTempMem = 3;

}  // namespace

TEST_CASE("q35 RAM split at 2.75 GiB") {
    CHECK(q35_ram_ranges(512ull << 20) == std::vector<TdRamRange>{{0, 512ull << 20, false}});
    CHECK(q35_ram_ranges(0xB0000000 - 4096) == std::vector<TdRamRange>{{0, 0xB0000000 - 4096, false}});
    CHECK(q35_ram_ranges(0xB0000000) == std::vector<TdRamRange>{{0, 0x80000000, false}, {0x100000000, 0x30000000, false}});
    CHECK(q35_ram_ranges(16ull << 30) == std::vector<TdRamRange>{{0, 0x80000000, false}, {0x100000000, (16ull << 30) - 0x80000000, false}});
}

TEST_CASE("TD HOB bytes: PHIT, one descriptor per range, end pointer past the end HOB") {
    auto image = image_with({
        {0x1000, 0x3000, 0xffffd000, 0x3000, 0, ovmf::kAttrMrExtend},
        {0x0000, 0x1000, 0xffffc000, 0x1000, 1, 0},
        {0, 0, 0x1000, 0x1000, kTdHob, 0},
        {0, 0, 0x2000, 0x1000, kTempMem, 0},  // adjacent to the HOB: not merged
    });
    const TdHob hob = build_td_hob(image, 1ull << 30, "fw");
    CHECK(hob.ranges ==
          std::vector<TdRamRange>{{0, 0x1000, false}, {0x1000, 0x1000, true}, {0x2000, 0x1000, true}, {0x3000, (1ull << 30) - 0x3000, false}});
    const std::vector<std::uint8_t>& m = hob.measured;
    REQUIRE(m.size() == 56 + 4 * 48);
    CHECK(hob.end_of_hob_list == 0x1000 + 56 + 4 * 48 + 8);
    // PHIT header: type 1, length 56, version 9, boot mode 0.
    CHECK(std::vector<std::uint8_t>(m.begin(), m.begin() + 16) == std::vector<std::uint8_t>{1, 0, 56, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0});
    // Second descriptor: type 3, length 48, SYSTEM_MEMORY (0), attributes 7, start 0x1000, length 0x1000.
    const std::size_t d = 56 + 48;
    CHECK(m[d] == 3);
    CHECK(m[d + 2] == 48);
    CHECK(m[d + 24] == 0);
    CHECK(m[d + 28] == 7);
    CHECK(m[d + 33] == 0x10);
    CHECK(m[d + 41] == 0x10);
    // First descriptor is unaccepted (7).
    CHECK(m[56 + 24] == 7);
}

TEST_CASE("TD HOB errors: no TD_HOB section, a section outside RAM, a HOB that does not fit") {
    SECTION("no TD_HOB") {
        auto image = image_with({{0x1000, 0x3000, 0xffffd000, 0x3000, 0, ovmf::kAttrMrExtend},
                                 {0x0000, 0x1000, 0xffffc000, 0x1000, 1, 0},
                                 {0, 0, 0x2000, 0x1000, kTempMem, 0}});
        CHECK_THROWS_WITH(build_td_hob(image, 1ull << 30, "fw.fd"), TDX_CONTAINS("fw.fd") && TDX_CONTAINS("no TD_HOB"));
    }
    SECTION("TEMP_MEM beyond RAM") {
        auto image = image_with({{0x1000, 0x3000, 0xffffd000, 0x3000, 0, ovmf::kAttrMrExtend},
                                 {0x0000, 0x1000, 0xffffc000, 0x1000, 1, 0},
                                 {0, 0, 0x1000, 0x1000, kTdHob, 0},
                                 {0, 0, 0x7ffff000, 0x2000, kTempMem, 0}});
        CHECK_THROWS_WITH(build_td_hob(image, 2ull << 30, "fw.fd"), TDX_CONTAINS("not inside one RAM range"));
    }
    SECTION("HOB section too small") {
        auto image = image_with({{0x1000, 0x3000, 0xffffd000, 0x3000, 0, ovmf::kAttrMrExtend},
                                 {0x0000, 0x1000, 0xffffc000, 0x1000, 1, 0},
                                 {0, 0, 0x1000, 0x40, kTdHob, 0}});
        CHECK_THROWS_WITH(build_td_hob(image, 1ull << 30, "fw.fd"), TDX_CONTAINS("does not fit the TD_HOB section"));
    }
}
