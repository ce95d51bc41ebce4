// The section-table reader behind kernel diffs: every field in header order,
// names cut at their first NUL, and a table past the end of the file refused
// with the file and field named.
#include <string>
#include <vector>

#include "measure/pe_sections.h"
#include "tests/support/catch.h"

using namespace tdx;

namespace {

// COFF header at 0x40 behind an MZ stub, a 0xf0-byte optional header, then
// `count` section headers (only two are filled).
std::vector<std::uint8_t> image(std::uint16_t count) {
    std::vector<std::uint8_t> img(0x400, 0);
    img[0] = 'M';
    img[1] = 'Z';
    store_le32(img, 0x3c, 0x40);
    store_le32(img, 0x40, 0x00004550);
    store_le16(img, 0x46, count);
    store_le16(img, 0x54, 0xf0);
    const std::uint64_t table = 0x40 + 24 + 0xf0;
    const std::string names[] = {".text", std::string(".a\0b", 4)};
    for (std::uint64_t i = 0; i < 2; ++i) {
        const std::uint64_t h = table + 40 * i;
        std::copy(names[i].begin(), names[i].end(), img.begin() + static_cast<std::ptrdiff_t>(h));
        store_le32(img, h + 8, 0x100 + static_cast<std::uint32_t>(i));
        store_le32(img, h + 12, 0x1000 * static_cast<std::uint32_t>(i + 1));
        store_le32(img, h + 16, 0x200);
        store_le32(img, h + 20, 0x200 * static_cast<std::uint32_t>(i + 1));
        store_le32(img, h + 36, 0x60000020 + static_cast<std::uint32_t>(i));
    }
    return img;
}

}  // namespace

TEST_CASE("read_pe_section_headers reads every field in header order") {
    const std::vector<std::uint8_t> img = image(2);
    const std::vector<PeSectionHeader> s = read_pe_section_headers(Bytes(img.data(), img.size()), "k");
    REQUIRE(s.size() == 2);
    CHECK(s[0].name == ".text");
    CHECK(s[0].virtual_size == 0x100);
    CHECK(s[0].virtual_address == 0x1000);
    CHECK(s[0].size_of_raw_data == 0x200);
    CHECK(s[0].pointer_to_raw_data == 0x200);
    CHECK(s[0].characteristics == 0x60000020);
    CHECK(s[1].name == ".a");  // cut at the NUL, as the loader reads it
    CHECK(s[1].characteristics == 0x60000021);
}

TEST_CASE("read_pe_section_headers refuses a missing signature or a table past the end") {
    std::vector<std::uint8_t> img = image(30);  // 30 * 40 bytes do not fit behind 0x12c
    REQUIRE_THROWS_WITH(read_pe_section_headers(Bytes(img.data(), img.size()), "vmlinuz"),
                        Catch::Contains("vmlinuz") && Catch::Contains("section table"));
    img[0x40] = 'X';
    REQUIRE_THROWS_WITH(read_pe_section_headers(Bytes(img.data(), img.size()), "vmlinuz"),
                        Catch::Contains("vmlinuz: no \"PE\\0\\0\" signature at 0x40"));
}
