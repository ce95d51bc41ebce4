// Parallel gzip: the bytes depend on the input and level only, never on the
// thread count or on how the input is fed; gzip(1) and libarchive read it back.
#include "tests/support/catch.h"

#include <cstdio>
#include <random>

#include "builder/rootfs/compressor.h"
#include "builder/rootfs/parallel_gzip.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using tdx::Bytes;

namespace {

// Compressible but not trivial: words from a small vocabulary with random
// bytes mixed in, so blocks and their dictionaries matter.
std::vector<std::uint8_t> sample(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    const char* words[] = {"initramfs ", "kernel ", "tdx_guest ", "measure ", "\x01\x02\x03", "rtmr ", "OVMF "};
    std::vector<std::uint8_t> out;
    while (out.size() < n) {
        if (rng() % 7 == 0) out.push_back(static_cast<std::uint8_t>(rng()));
        const char* w = words[rng() % 7];
        out.insert(out.end(), w, w + std::char_traits<char>::length(w));
    }
    out.resize(n);
    return out;
}

std::vector<std::uint8_t> gz(const std::vector<std::uint8_t>& data, unsigned threads, std::size_t piece, int level = 9) {
    ParallelGzip z(level, threads);
    for (std::size_t at = 0; at < data.size(); at += piece) z.write(Bytes(data.data() + at, std::min(piece, data.size() - at)));
    return z.finish();
}

}  // namespace

TEST_CASE("parallel gzip: the same bytes for any thread count and any write pieces", "[compress]") {
    // Over two batches (64 blocks of 128 KiB each) plus a short last block.
    const std::vector<std::uint8_t> data = sample(2 * 64 * kGzipBlock + 12345, 7);
    const std::vector<std::uint8_t> one = gz(data, 1, data.size());
    CHECK(gz(data, 2, data.size()) == one);
    CHECK(gz(data, 5, 4096) == one);
    CHECK(gz(data, 3, 1000003) == one);
    CHECK(gz(data, 2, kGzipBlock) == one);
    // The header gzip -n writes at level 9; the trailer's size.
    REQUIRE(one.size() > 18);
    CHECK(std::vector<std::uint8_t>(one.begin(), one.begin() + 10) == std::vector<std::uint8_t>{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
    const std::size_t isize = one[one.size() - 4] | (one[one.size() - 3] << 8) | (one[one.size() - 2] << 16) |
                              (static_cast<std::size_t>(one[one.size() - 1]) << 24);
    CHECK(isize == data.size());
    // Round trip through libarchive's reader (which checks the CRC).
    CHECK(decompress(Compression::Gzip, Bytes(one), data.size(), "x.gz") == data);
    // And through gzip(1), an independent inflater.
    if (!tdx::test::require_tool("gzip")) return;
    tdx::test::TempDir d;
    tdx::test::write_bytes(d / "x.gz", one);
    REQUIRE(std::system(("gzip -dc '" + (d / "x.gz").string() + "' > '" + (d / "x").string() + "'").c_str()) == 0);
    const std::string back = tdx::test::read_text(d / "x");
    CHECK(std::vector<std::uint8_t>(back.begin(), back.end()) == data);
}

TEST_CASE("parallel gzip: empty input, tiny input, every level", "[compress]") {
    for (int level = 1; level <= 9; ++level) {
        INFO(level);
        for (std::size_t n : {std::size_t{0}, std::size_t{1}, kGzipBlock - 1, kGzipBlock, kGzipBlock + 1}) {
            const std::vector<std::uint8_t> data = sample(n, 3);
            const std::vector<std::uint8_t> z = gz(data, 2, 777, level);
            CHECK(decompress(Compression::Gzip, Bytes(z), n + 1, "t.gz") == data);
            CHECK(gz(data, 1, n ? n : 1, level) == z);
        }
    }
    CHECK_THROWS(ParallelGzip(0));
    CHECK_THROWS(ParallelGzip(10));
}
