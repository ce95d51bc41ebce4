// Malformed input must never crash or throw out of parse_tdvf: truncated
// images (every short prefix and suffix), a flipped byte anywhere in the
// metadata, and random junk. Each result must carry an error finding
// whenever no descriptor could be read.
#include <random>
#include <vector>

#include "ovmf/tdvf.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/ovmf/tdvf_test_util.h"
#include "tests/support/catch.h"

using namespace tdx;
using namespace tdx::ovmf;
using tdx::test::TdvfBuilder;

namespace {

// Parses at every level and fails the test on an exception, an internal read
// error, or anything reported as read from outside the file.
void parse_everywhere(const std::vector<std::uint8_t>& bytes) {
    for (LintLevel level : test::kAllLevels) {
        TdvfImage img;
        REQUIRE_NOTHROW(img = parse_tdvf(Bytes(bytes.data(), bytes.size()), level));
        INFO("size " << bytes.size() << " level " << test::level_name(level) << "\n" << test::dump(img));
        REQUIRE_FALSE(test::has_rule(img, "image.read_error"));
        CHECK(img.file_size == bytes.size());
        if (!img.descriptor) REQUIRE(img.has_errors());
        if (img.descriptor) {
            // Whatever was read lies inside the file.
            REQUIRE(img.descriptor->file_offset + 16 <= bytes.size());
            if (!img.descriptor->sections.empty())
                REQUIRE(img.descriptor->file_offset + 16 + 32 * img.descriptor->sections.size() <= bytes.size());
        }
        for (const auto& e : img.guid_table) REQUIRE(e.offset + e.length <= bytes.size());
    }
}

}  // namespace

TEST_CASE("truncated images: every prefix and suffix up to 400 bytes, and size - 1") {
    TdvfBuilder b;
    const auto full = b.build();
    for (std::size_t n = 0; n <= 400; ++n) {
        parse_everywhere(std::vector<std::uint8_t>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
        parse_everywhere(std::vector<std::uint8_t>(full.end() - static_cast<std::ptrdiff_t>(n), full.end()));
    }
    const std::vector<std::uint8_t> head(full.begin(), full.end() - 1);
    const std::vector<std::uint8_t> tail(full.begin() + 1, full.end());
    parse_everywhere(head);
    parse_everywhere(tail);

    // Dropping the first byte keeps the table; the descriptor offset (from
    // EOF) still finds "TDVF", but the section data is now out of place.
    TdvfImage img = parse_tdvf(Bytes(tail.data(), tail.size()));
    INFO(test::dump(img));
    REQUIRE(img.descriptor);
    CHECK(test::has_rule(img, "section.data_range"));
    CHECK(test::has_rule(img, "image.too_small") == false);

    // Dropping the last byte loses the footer.
    TdvfImage h = parse_tdvf(Bytes(head.data(), head.size()));
    CHECK(test::has_rule(h, "guid_table.missing"));

    // The smallest inputs.
    TdvfImage empty = parse_tdvf(Bytes());
    CHECK(test::has_rule(empty, "image.too_small"));
    CHECK(test::has_rule(empty, "guid_table.missing"));
    CHECK_FALSE(empty.descriptor);
}

TEST_CASE("every single-byte corruption of the metadata and table is handled") {
    TdvfBuilder b;
    const auto full = b.build();
    const std::uint64_t table = b.table_offset();
    std::vector<std::size_t> positions;
    for (std::size_t i = b.descriptor_offset - 16; i < b.descriptor_offset + b.default_length(); ++i) positions.push_back(i);
    for (std::size_t i = table; i < full.size(); ++i) positions.push_back(i);
    for (std::size_t pos : positions) {
        for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x80}, std::uint8_t{0x01}}) {
            auto bytes = full;
            bytes[pos] = v;
            INFO("byte " << pos << " = " << int(v));
            parse_everywhere(bytes);
        }
    }
}

TEST_CASE("random corruption and random junk") {
    std::mt19937 rng(20240611);
    TdvfBuilder b;
    const auto full = b.build();
    const std::uint64_t table = b.table_offset();
    for (int iter = 0; iter < 2000; ++iter) {
        auto bytes = full;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < flips; ++k) {
            std::size_t pos = rng() % 2 ? table + rng() % (full.size() - table) : b.descriptor_offset - 16 + rng() % (16 + b.default_length());
            bytes[pos] = static_cast<std::uint8_t>(rng());
        }
        parse_everywhere(bytes);
    }
    for (int iter = 0; iter < 300; ++iter) {
        std::vector<std::uint8_t> junk(rng() % 600);
        for (auto& x : junk) x = static_cast<std::uint8_t>(rng());
        // Give some of them a footer so the table walk runs on junk.
        if (junk.size() >= 0x32 && iter % 2 == 0) {
            const Guid f = footer_guid();
            std::copy(f.bytes.begin(), f.bytes.end(), junk.end() - 0x30);
        }
        parse_everywhere(junk);
    }
}

TEST_CASE("a hostile descriptor with many sections stays bounded") {
    // 0x3000 bytes of descriptor space: N entries of all-0xff bytes, each
    // breaking several rules; findings per rule are capped.
    TdvfBuilder b;
    b.file_size = 0x10000;
    b.descriptor_offset = 0x100;
    b.sections.assign(1000, TdvfSection{0xffffffff, 0xffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffff, 0xffffffff});
    auto bytes = b.build();
    TdvfImage img = parse_tdvf(Bytes(bytes.data(), bytes.size()));
    REQUIRE(img.descriptor);
    CHECK(img.descriptor->sections.size() == 1000);
    auto types = test::with_rule(img, "section.type");
    REQUIRE(types.size() == 33);  // 32 listed + one summary line
    CHECK_THAT(types.back().message, TDX_CONTAINS("968 more findings of this rule not listed (1000 in all)"));
    CHECK(types.back().severity == Finding::Severity::Error);
    CHECK(img.findings.size() < 600);
}
