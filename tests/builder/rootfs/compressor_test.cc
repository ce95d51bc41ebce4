#include "tests/support/catch.h"

#include <unistd.h>

#include "base/error.h"
#include "builder/rootfs/compressor.h"
#include "tests/support/error_of.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using tdx::builder::codec_versions;
using tdx::builder::compress;
using tdx::builder::Compression;
using tdx::builder::Compressor;
using tdx::builder::decompress;
using tdx::test::error_of;
using tdx::test::TempDir;

namespace {

// Compressible but not trivial: words drawn by a fixed LCG, so every run
// and every machine compresses the same bytes.
std::vector<std::uint8_t> sample(std::size_t size) {
    static const char* const kWords[] = {"initramfs ", "kernel ", "tdx ", "measure ", "rtmr ", "\n", "0x", "busybox ", "/usr/bin/", "ovmf "};
    std::vector<std::uint8_t> out;
    out.reserve(size + 16);
    std::uint32_t x = 12345;
    while (out.size() < size) {
        x = x * 1103515245u + 12345u;
        const char* w = kWords[(x >> 16) % 10];
        out.insert(out.end(), w, w + std::char_traits<char>::length(w));
        if ((x >> 8) % 7 == 0) out.push_back(static_cast<std::uint8_t>(x >> 24));
    }
    out.resize(size);
    return out;
}

tdx::test::RunResult shell(const std::string& cmd) { return tdx::test::run({"/bin/sh", "-c", cmd}); }

std::vector<std::uint8_t> file_bytes(const std::filesystem::path& p) {
    const std::string s = tdx::test::read_text(p);
    return {s.begin(), s.end()};
}

}  // namespace

TEST_CASE("compress: none is the identity", "[compress]") {
    const auto data = sample(1000);
    CHECK(compress(Compression::None, 0, data) == data);
    CHECK(decompress(Compression::None, data, 1000, "x") == data);
    CHECK_THAT(error_of([&] { decompress(Compression::None, data, 999, "initrd"); }), TDX_CONTAINS("initrd: decompresses to more than 999"));
}

TEST_CASE("compress: levels outside the recipe's ranges are refused", "[compress]") {
    const auto data = sample(10);
    CHECK_THAT(error_of([&] { compress(Compression::Gzip, 0, data); }), TDX_CONTAINS("gzip level 0 is outside 1..9"));
    CHECK_THAT(error_of([&] { compress(Compression::Zstd, 20, data); }), TDX_CONTAINS("zstd level 20 is outside 1..19"));
    CHECK_THAT(error_of([&] { compress(Compression::Xz, 10, data); }), TDX_CONTAINS("xz level 10 is outside 0..9"));
    try {
        compress(Compression::Gzip, 10, data);
        FAIL("no error");
    } catch (const tdx::Error& e) {
        CHECK(e.kind() == tdx::ErrorKind::Usage);
    }
}

TEST_CASE("compress: gzip header is pinned and gzip -d reads it", "[compress]") {
    const auto data = sample(1 << 19);
    const auto gz = compress(Compression::Gzip, 9, data);
    REQUIRE(gz.size() > 18);
    // RFC 1952: magic, CM 8 (deflate), FLG 0 (no name/comment/extra), MTIME 0,
    // XFL 2 (maximum compression), OS 3 (Unix).
    CHECK(std::vector<std::uint8_t>(gz.begin(), gz.begin() + 10) == std::vector<std::uint8_t>{0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0x03});
    CHECK(compress(Compression::Gzip, 1, data)[8] == 0x04);
    CHECK(compress(Compression::Gzip, 6, data)[8] == 0x00);
    // The trailer's ISIZE is the input length.
    const std::size_t n = gz.size();
    CHECK((gz[n - 4] | gz[n - 3] << 8 | gz[n - 2] << 16 | static_cast<std::uint32_t>(gz[n - 1]) << 24) == data.size());
    CHECK(compress(Compression::Gzip, 9, data) == gz);
    CHECK(decompress(Compression::Gzip, gz, data.size(), "x") == data);
    if (!tdx::test::require_tool("gzip")) return;
    TempDir tmp;
    tdx::test::write_bytes(tmp / "a.gz", gz);
    const auto r = shell("gzip -dc < '" + (tmp / "a.gz").string() + "' > '" + (tmp / "a").string() + "'");
    REQUIRE(r.exit_code == 0);
    CHECK(file_bytes(tmp / "a") == data);
}

TEST_CASE("compress: zstd is one frame the kernel can unpack, equal to the zstd tool's", "[compress]") {
    const auto data = sample(1 << 18);
    const auto z = compress(Compression::Zstd, 19, data);
    REQUIRE(z.size() > 6);
    CHECK(std::vector<std::uint8_t>(z.begin(), z.begin() + 4) == std::vector<std::uint8_t>{0x28, 0xb5, 0x2f, 0xfd});
    // Frame header descriptor: no dictionary id, no checksum, not single
    // segment, so a window descriptor follows.
    const std::uint8_t fhd = z[4];
    CHECK((fhd & 0x03) == 0);  // dictionary id flag
    CHECK((fhd & 0x04) == 0);  // content checksum flag
    CHECK((fhd >> 6) == 0);    // no content size: streamed, as the zstd tool from a pipe
    REQUIRE((fhd & 0x20) == 0);
    const unsigned exponent = z[5] >> 3, mantissa = z[5] & 7;
    const std::uint64_t base = std::uint64_t{1} << (10 + exponent);
    const std::uint64_t window = base + base / 8 * mantissa;
    CHECK(window <= 8u << 20);  // level 19: windowLog 23
    CHECK(compress(Compression::Zstd, 19, data) == z);
    CHECK(decompress(Compression::Zstd, z, data.size(), "x") == data);
    if (!tdx::test::require_tool("/usr/bin/zstd")) return;
    TempDir tmp;
    tdx::test::write_bytes(tmp / "in", data);
    tdx::test::write_bytes(tmp / "a.zst", z);
    REQUIRE(shell("/usr/bin/zstd -q -dc < '" + (tmp / "a.zst").string() + "' > '" + (tmp / "out").string() + "'").exit_code == 0);
    CHECK(file_bytes(tmp / "out") == data);
    // The zstd tool, single-threaded and without checksum, reading a pipe (no
    // size known up front) drives the same library to the same bytes; this
    // holds while both use the same libzstd.
    for (int level : {3, 19}) {
        INFO("level " << level);
        const std::string cmd = "/usr/bin/zstd -q -" + std::to_string(level) + " --single-thread --no-check -c < '" + (tmp / "in").string() +
                                "' > '" + (tmp / "cli.zst").string() + "'";
        REQUIRE(shell(cmd).exit_code == 0);
        CHECK(file_bytes(tmp / "cli.zst") == compress(Compression::Zstd, level, data));
    }
}

TEST_CASE("compress: xz has a CRC32 check and equals the xz tool's output", "[compress]") {
    const auto data = sample(1 << 18);
    const auto x = compress(Compression::Xz, 6, data);
    REQUIRE(x.size() > 12);
    // Stream header: magic FD 37 7A 58 5A 00, then stream flags 00 01 (CRC32).
    CHECK(std::vector<std::uint8_t>(x.begin(), x.begin() + 8) == std::vector<std::uint8_t>{0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01});
    CHECK(compress(Compression::Xz, 6, data) == x);
    CHECK(decompress(Compression::Xz, x, data.size(), "x") == data);
    if (!tdx::test::require_tool("/usr/bin/xz")) return;
    TempDir tmp;
    tdx::test::write_bytes(tmp / "in", data);
    tdx::test::write_bytes(tmp / "a.xz", x);
    REQUIRE(shell("/usr/bin/xz -dc < '" + (tmp / "a.xz").string() + "' > '" + (tmp / "out").string() + "'").exit_code == 0);
    CHECK(file_bytes(tmp / "out") == data);
    const auto list = shell("/usr/bin/xz -lv '" + (tmp / "a.xz").string() + "'");
    REQUIRE(list.exit_code == 0);
    CHECK_THAT(list.out, TDX_CONTAINS("Check:             CRC32"));
    // What the kernel's documentation asks for: xz --check=crc32, single-threaded.
    for (int level : {0, 6, 9}) {
        INFO("level " << level);
        const std::string cmd = "/usr/bin/xz -q --check=crc32 -T1 -" + std::to_string(level) + " -c < '" + (tmp / "in").string() + "' > '" +
                                (tmp / "cli.xz").string() + "'";
        REQUIRE(shell(cmd).exit_code == 0);
        CHECK(file_bytes(tmp / "cli.xz") == compress(Compression::Xz, level, data));
    }
}

TEST_CASE("compress: streaming gives the same bytes whatever the pieces", "[compress]") {
    const auto data = sample(300000);
    for (auto [c, level] :
         {std::pair{Compression::None, 0}, std::pair{Compression::Gzip, 6}, std::pair{Compression::Zstd, 3}, std::pair{Compression::Xz, 1}}) {
        INFO("codec " << static_cast<int>(c));
        const auto whole = compress(c, level, data);
        Compressor z(c, level);
        std::size_t at = 0, step = 1;
        while (at < data.size()) {
            const std::size_t n = std::min(step, data.size() - at);
            z.write(tdx::Bytes(data.data() + at, n));
            at += n;
            step = step * 7 + 3;  // 1, 10, 73, ... up to pieces larger than libarchive's buffers
        }
        CHECK(z.finish() == whole);
    }
    Compressor z(Compression::Gzip, 9);
    z.finish();
    CHECK_THAT(error_of([&] { z.write(data); }), TDX_CONTAINS("write after finish"));
}

TEST_CASE("decompress: bombs, garbage and trailing bytes", "[compress]") {
    const std::vector<std::uint8_t> zeros(4 << 20, 0);
    for (auto [c, level] : {std::pair{Compression::Gzip, 9}, std::pair{Compression::Zstd, 19}, std::pair{Compression::Xz, 6}}) {
        const auto packed = compress(c, level, zeros);
        CHECK(packed.size() < zeros.size() / 100);
        CHECK_THAT(error_of([&] { decompress(c, packed, 1 << 20, "initramfs.cpio.x"); }),
                   TDX_CONTAINS("initramfs.cpio.x: decompresses to more than 1048576 bytes, the limit"));
        CHECK(decompress(c, packed, zeros.size(), "x").size() == zeros.size());
        // Empty input round-trips too.
        CHECK(decompress(c, compress(c, level, {}), 0, "empty").empty());
    }
    const std::vector<std::uint8_t> junk{'n', 'o', 't', ' ', 'c', 'o', 'm', 'p', 'r', 'e', 's', 's', 'e', 'd'};
    CHECK_THAT(error_of([&] { decompress(Compression::Gzip, junk, 100, "f.gz"); }), TDX_CONTAINS("f.gz: not gzip data"));
    CHECK_THAT(error_of([&] { decompress(Compression::Zstd, junk, 100, "f.zst"); }), TDX_CONTAINS("f.zst: not zstd data"));
    CHECK_THAT(error_of([&] { decompress(Compression::Xz, junk, 100, "f.xz"); }), TDX_CONTAINS("f.xz: xz: not in the .xz format"));
    auto xz = compress(Compression::Xz, 1, sample(100));
    xz.push_back(0x42);
    CHECK_THAT(error_of([&] { decompress(Compression::Xz, xz, 1000, "f.xz"); }), TDX_CONTAINS("f.xz: 1 bytes after the end"));
    auto truncated = compress(Compression::Xz, 1, sample(1000));
    truncated.resize(truncated.size() / 2);
    CHECK_THAT(error_of([&] { decompress(Compression::Xz, truncated, 10000, "f.xz"); }), TDX_CONTAINS("f.xz: xz:"));
    auto gz = compress(Compression::Gzip, 9, sample(100000));
    gz.resize(gz.size() / 2);
    CHECK_THAT(error_of([&] { decompress(Compression::Gzip, gz, 1 << 20, "f.gz"); }), TDX_CONTAINS("f.gz"));
}

TEST_CASE("compress: codec versions for the manifest", "[compress]") {
    const std::string v = codec_versions();
    CHECK(v.rfind("libarchive 3.", 0) == 0);
    CHECK_THAT(v, TDX_CONTAINS(" zlib/1."));
    CHECK_THAT(v, TDX_CONTAINS(" libzstd/1."));
    CHECK_THAT(v, TDX_CONTAINS(" liblzma/5."));
    CHECK(v.find("unknown") == std::string::npos);
}
