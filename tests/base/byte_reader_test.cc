// The little-endian helpers every binary writer in the tests and the tools
// uses; found by the UBSan run: widths past 8 bytes must zero-extend, not
// shift by 64.
#include "tests/support/catch.h"

#include "base/byte_reader.h"

TEST_CASE("append_le writes little-endian and zero-extends past 8 bytes", "[byte_reader]") {
    std::vector<std::uint8_t> out;
    tdx::append_le(out, 0x0102030405060708ull, 8);
    CHECK(out == std::vector<std::uint8_t>{8, 7, 6, 5, 4, 3, 2, 1});
    out.clear();
    tdx::append_le(out, 0xffffffffffffffffull, 12);
    CHECK(out == std::vector<std::uint8_t>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0});
    out.clear();
    tdx::append_le(out, 0x1234, 2);
    CHECK(out == std::vector<std::uint8_t>{0x34, 0x12});
    const std::vector<std::uint8_t> data = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(tdx::load_le32(tdx::Bytes(data), 1, "x") == 0x05040302u);
    CHECK_THROWS(tdx::load_le64(tdx::Bytes(data), 2, "x"));
}
