#include "tests/support/catch.h"

#include "base/digest.h"

using namespace tdx;

TEST_CASE("SHA-384 of the EV_SEPARATOR preimage matches the reference constant") {
    const std::uint8_t zeros[4] = {0, 0, 0, 0};
    CHECK(to_hex(sha384(Bytes(zeros, 4))) == "394341b7182cd227c5c6b07ef8000cdfd86136c4292b8e576573ad7ed9ae41019f5818b4b971c9effc60e1ad9f1289f0");
}

TEST_CASE("parse_digest384 accepts 96 hex digits and rejects anything else") {
    auto d = parse_digest384(std::string(96, 'A'), "x");
    CHECK(d[0] == 0xaa);
    CHECK_THROWS_WITH(parse_digest384("abc", "mr_td.hex"), TDX_CONTAINS("mr_td.hex: expected 96 hex"));
    CHECK_THROWS_WITH(parse_digest384(std::string(95, 'a') + "g", "f"), TDX_CONTAINS("'g' is not a hex digit"));
}

TEST_CASE("Hasher::update_zeros equals hashing a zero buffer") {
    std::vector<std::uint8_t> z(10000, 0);
    Hasher h;
    h.update_zeros(10000);
    CHECK(h.final384() == sha384(Bytes(z.data(), z.size())));
}
