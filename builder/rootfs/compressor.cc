#include "builder/rootfs/compressor.h"

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>
#include <zlib.h>

#include <memory>
#include <sstream>

#include "base/archive_message.h"
#include "base/error.h"
#include "base/limits.h"
#include "builder/rootfs/parallel_gzip.h"

namespace tdx::builder {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;
using EntryPtr = std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)>;

const char* codec_name(Compression c) {
    switch (c) {
        case Compression::None: return "none";
        case Compression::Gzip: return "gzip";
        case Compression::Zstd: return "zstd";
        case Compression::Xz: return "xz";
    }
    return "unknown";
}

void check_level(Compression c, int level) {
    int lo = 0, hi = 0;
    switch (c) {
        case Compression::None: return;
        case Compression::Gzip: lo = 1, hi = 9; break;
        // Up to 19: the "ultra" levels need windows of 32 to 128 MiB, which
        // the kernel would have to allocate while unpacking at early boot.
        case Compression::Zstd: lo = 1, hi = 19; break;
        case Compression::Xz: lo = 0, hi = 9; break;
    }
    if (level < lo || level > hi)
        fail(std::string(codec_name(c)) + " level " + std::to_string(level) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi),
             ErrorKind::Usage);
}

la_ssize_t append_output(struct archive*, void* client, const void* buffer, size_t length) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(client);
    const auto* p = static_cast<const std::uint8_t*>(buffer);
    out->insert(out->end(), p, p + length);
    return static_cast<la_ssize_t>(length);
}

std::string lzma_message(lzma_ret r) {
    switch (r) {
        case LZMA_MEM_ERROR: return "out of memory";
        case LZMA_MEMLIMIT_ERROR: return "memory usage limit reached";
        case LZMA_FORMAT_ERROR: return "not in the .xz format";
        case LZMA_OPTIONS_ERROR: return "unsupported options or preset";
        case LZMA_DATA_ERROR: return "compressed data is corrupt";
        case LZMA_BUF_ERROR: return "compressed data is truncated";
        case LZMA_UNSUPPORTED_CHECK: return "unsupported integrity check";
        case LZMA_PROG_ERROR: return "programming error in the caller";
        default: return "liblzma error " + std::to_string(static_cast<int>(r));
    }
}

struct LzmaStream {
    lzma_stream s = LZMA_STREAM_INIT;
    ~LzmaStream() { lzma_end(&s); }
};

// A bound on decompressed output: the process-wide decompressed-size limit
// (named in the error) or one a caller chose.
struct OutputCap {
    std::uint64_t max;
    bool is_global_limit;
};

void check_limit(std::uint64_t have, const OutputCap& cap, const std::string& what) {
    if (have <= cap.max) return;
    if (cap.is_global_limit) exceeded(Limit::DecompressedSize, what, "the decompressed size");
    fail(what + ": decompresses to more than " + std::to_string(cap.max) + " bytes, the limit (a compression bomb?)");
}

std::vector<std::uint8_t> xz_decompress(Bytes data, const OutputCap& max_output, const std::string& what) {
    LzmaStream z;
    // 1 GiB of decoder memory is far above preset 9's 65 MiB dictionary.
    if (lzma_ret r = lzma_stream_decoder(&z.s, std::uint64_t{1} << 30, 0); r != LZMA_OK) fail(what + ": xz: " + lzma_message(r));
    std::vector<std::uint8_t> out;
    std::uint8_t buf[1 << 16];
    z.s.next_in = data.data();
    z.s.avail_in = data.size();
    for (;;) {
        z.s.next_out = buf;
        z.s.avail_out = sizeof buf;
        const lzma_ret r = lzma_code(&z.s, LZMA_FINISH);
        const std::size_t produced = sizeof buf - z.s.avail_out;
        check_limit(out.size() + produced, max_output, what);
        out.insert(out.end(), buf, buf + produced);
        if (r == LZMA_STREAM_END) break;
        if (r != LZMA_OK) fail(what + ": xz: " + lzma_message(r));
    }
    if (z.s.avail_in != 0) fail(what + ": " + std::to_string(z.s.avail_in) + " bytes after the end of the xz stream");
    return out;
}

std::vector<std::uint8_t> libarchive_decompress(Compression c, Bytes data, const OutputCap& max_output, const std::string& what) {
    const std::string name = codec_name(c);
    ArchivePtr a(archive_read_new(), archive_read_free);
    if (!a) fail(what + ": out of memory");
    archive_read_support_format_raw(a.get());
    archive_read_support_format_empty(a.get());  // the raw reader refuses an empty stream
    if (c == Compression::Gzip) archive_read_support_filter_gzip(a.get());
    else
        archive_read_support_filter_zstd(a.get());
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
        fail(what + ": not " + name + " data: " + archive_message(a.get()));
    // With no matching filter libarchive would hand back the bytes as they are.
    const int want = c == Compression::Gzip ? ARCHIVE_FILTER_GZIP : ARCHIVE_FILTER_ZSTD;
    struct archive_entry* e = nullptr;
    const int r = archive_read_next_header(a.get(), &e);
    if ((r != ARCHIVE_OK && r != ARCHIVE_EOF) || archive_filter_count(a.get()) < 2 || archive_filter_code(a.get(), 0) != want)
        fail(what + ": not " + name + " data" + (r != ARCHIVE_OK && r != ARCHIVE_EOF ? ": " + archive_message(a.get()) : std::string()));
    std::vector<std::uint8_t> out;
    if (r == ARCHIVE_EOF) return out;
    std::uint8_t buf[1 << 16];
    for (;;) {
        const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
        if (n < 0) fail(what + ": " + name + ": " + archive_message(a.get()));
        if (n == 0) break;
        check_limit(out.size() + static_cast<std::size_t>(n), max_output, what);
        out.insert(out.end(), buf, buf + n);
    }
    return out;
}

}  // namespace

struct Compressor::Impl {
    Compression codec = Compression::None;
    std::string name;
    std::vector<std::uint8_t> out;
    ArchivePtr archive{nullptr, archive_write_free};
    LzmaStream xz;
    std::unique_ptr<ParallelGzip> gzip;
    bool finished = false;

    [[noreturn]] void archive_failed(const char* step) { fail(name + " compression (" + step + "): " + archive_message(archive.get())); }

    // libarchive's "raw" format writes the filter's output of one data stream
    // and nothing else: no archive framing, no block padding (bytes per block 0).
    void open_libarchive(int level) {
        struct archive* a = archive_write_new();
        if (!a) fail(name + " compression: out of memory");
        archive.reset(a);
        if (archive_write_set_format_raw(a) != ARCHIVE_OK) archive_failed("raw format");
        const int added = archive_write_add_filter_zstd(a);
        // ARCHIVE_WARN would mean an external program: refuse, it is not pinned.
        if (added != ARCHIVE_OK) archive_failed("filter");
        const std::string lvl = std::to_string(level);
        if (archive_write_set_filter_option(a, name.c_str(), "compression-level", lvl.c_str()) != ARCHIVE_OK) archive_failed("level");
        // Single-threaded. Multi-threaded zstd gives the same bytes for any
        // worker count, but not the single-threaded bytes, and a libzstd
        // built without threads silently falls back to those.
        if (archive_write_set_filter_option(a, "zstd", "threads", "0") != ARCHIVE_OK) archive_failed("threads");
        if (archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK) archive_failed("block size");
        if (archive_write_open2(a, &out, nullptr, append_output, nullptr, nullptr) != ARCHIVE_OK) archive_failed("open");
        EntryPtr e(archive_entry_new(), archive_entry_free);
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_pathname(e.get(), "data");
        if (archive_write_header(a, e.get()) != ARCHIVE_OK) archive_failed("header");
    }

    void open_xz(int level) {
        if (lzma_ret r = lzma_easy_encoder(&xz.s, static_cast<std::uint32_t>(level), LZMA_CHECK_CRC32); r != LZMA_OK)
            fail("xz compression: " + lzma_message(r));
    }

    void code_xz(Bytes in, lzma_action action) {
        xz.s.next_in = in.data();
        xz.s.avail_in = in.size();
        for (;;) {
            const std::size_t used = out.size();
            out.resize(used + (1 << 16));
            xz.s.next_out = out.data() + used;
            xz.s.avail_out = 1 << 16;
            const lzma_ret r = lzma_code(&xz.s, action);
            out.resize(out.size() - xz.s.avail_out);
            if (r == LZMA_STREAM_END) return;
            if (r != LZMA_OK) fail("xz compression: " + lzma_message(r));
            if (action == LZMA_RUN && xz.s.avail_in == 0) return;
        }
    }
};

Compressor::Compressor(Compression c, int level, std::uint64_t expected_input) : impl_(std::make_unique<Impl>()) {
    check_level(c, level);
    impl_->codec = c;
    impl_->name = codec_name(c);
    impl_->out.reserve(static_cast<std::size_t>(c == Compression::None ? expected_input : expected_input / 2));
    // gzip is ours, on every core (builder/rootfs/parallel_gzip.h); zstd goes
    // through libarchive.
    if (c == Compression::Gzip) impl_->gzip = std::make_unique<ParallelGzip>(level);
    if (c == Compression::Zstd) impl_->open_libarchive(level);
    if (c == Compression::Xz) impl_->open_xz(level);
}

Compressor::~Compressor() = default;

void Compressor::write(Bytes data) {
    if (impl_->finished) fail(impl_->name + " compression: write after finish", ErrorKind::Usage);
    switch (impl_->codec) {
        case Compression::None: impl_->out.insert(impl_->out.end(), data.begin(), data.end()); return;
        case Compression::Gzip: impl_->gzip->write(data); return;
        case Compression::Zstd: {
            std::size_t done = 0;
            while (done < data.size()) {
                const la_ssize_t n = archive_write_data(impl_->archive.get(), data.data() + done, data.size() - done);
                if (n <= 0) impl_->archive_failed("write");
                done += static_cast<std::size_t>(n);
            }
            return;
        }
        case Compression::Xz: impl_->code_xz(data, LZMA_RUN); return;
    }
}

std::vector<std::uint8_t> Compressor::finish() {
    if (impl_->finished) fail(impl_->name + " compression: finished twice", ErrorKind::Usage);
    impl_->finished = true;
    if (impl_->archive && archive_write_close(impl_->archive.get()) != ARCHIVE_OK) impl_->archive_failed("close");
    if (impl_->codec == Compression::Xz) impl_->code_xz({}, LZMA_FINISH);
    if (impl_->gzip) return impl_->gzip->finish();
    return std::move(impl_->out);
}

std::vector<std::uint8_t> compress(Compression c, int level, Bytes data) {
    if (c == Compression::None) return std::vector<std::uint8_t>(data.begin(), data.end());
    Compressor z(c, level, data.size());
    z.write(data);
    return z.finish();
}

namespace {

std::vector<std::uint8_t> decompress_capped(Compression c, Bytes data, const OutputCap& max_output, const std::string& what) {
    switch (c) {
        case Compression::None: check_limit(data.size(), max_output, what); return std::vector<std::uint8_t>(data.begin(), data.end());
        case Compression::Gzip:
        case Compression::Zstd: return libarchive_decompress(c, data, max_output, what);
        case Compression::Xz: return xz_decompress(data, max_output, what);
    }
    fail("unknown compression", ErrorKind::Usage);
}

}  // namespace

std::vector<std::uint8_t> decompress(Compression c, Bytes data, std::uint64_t max_output, const std::string& what) {
    return decompress_capped(c, data, OutputCap{max_output, false}, what);
}

std::vector<std::uint8_t> decompress(Compression c, Bytes data, const std::string& what) {
    return decompress_capped(c, data, OutputCap{limit(Limit::DecompressedSize), true}, what);
}

std::string codec_versions() {
    // archive_version_details() lists every library libarchive was built
    // with; only those that produce our bytes matter. libarchive 3.6 rebuilds
    // its static string on every call and loses the previous one (a leak
    // LeakSanitizer reports), so it is asked once per process.
    static const std::string all_details = archive_version_details();
    std::istringstream details(all_details);
    std::string word, zstd = "libzstd/unknown";
    while (details >> word)
        if (word.rfind("libzstd/", 0) == 0) zstd = word;
    // Our gzip calls zlib itself: its version, as loaded.
    const std::string zlib = std::string("zlib/") + zlibVersion();
    return std::string(archive_version_string()) + " " + zlib + " " + zstd + " liblzma/" + lzma_version_string();
}

}  // namespace tdx::builder
