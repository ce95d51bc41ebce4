#include "builder/rootfs/parallel_gzip.h"

#include <sched.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "base/error.h"

namespace tdx::builder {
namespace {

constexpr std::size_t kWindow = 32 * 1024;
// Blocks handed to the threads at once: enough to keep them busy, small
// enough that the input waiting for compression stays a few MiB.
constexpr std::size_t kBatchBlocks = 64;

std::vector<std::uint8_t> deflate_block(Bytes dict, Bytes data, int level, bool last) {
    z_stream z{};
    // Raw deflate (-15): the blocks are concatenated under one gzip header.
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("gzip compression: deflateInit2 failed");
    struct End {
        z_stream* z;
        ~End() { deflateEnd(z); }
    } end{&z};
    if (!dict.empty() && deflateSetDictionary(&z, dict.data(), static_cast<uInt>(dict.size())) != Z_OK)
        fail("gzip compression: deflateSetDictionary failed");
    std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(data.size())) + 16);
    z.next_in = const_cast<Bytef*>(data.data());  // zlib's API is not const-correct; it does not write the input
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int r = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
    if ((last && r != Z_STREAM_END) || (!last && r != Z_OK) || z.avail_in != 0) fail("gzip compression: deflate failed");
    out.resize(out.size() - z.avail_out);
    return out;
}

void put_le32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

unsigned usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    const int n = CPU_COUNT(&set);
    return n > 0 ? static_cast<unsigned>(n) : 1u;
}

struct ParallelGzip::Impl {
    int level = 9;
    unsigned threads = 1;
    std::vector<std::uint8_t> out;
    // The window before the pending input (at most 32 KiB), then the input
    // not compressed yet.
    std::vector<std::uint8_t> buf;
    std::size_t dict = 0;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
    bool finished = false;

    // Compresses `n_blocks` blocks of the pending input (the last one may be
    // short when `last`), in parallel, and appends them in order.
    void compress(std::size_t bytes, bool last) {
        const std::size_t n_blocks = bytes == 0 ? 1 : (bytes + kGzipBlock - 1) / kGzipBlock;
        std::vector<std::vector<std::uint8_t>> parts(n_blocks);
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t i = next++; i < n_blocks; i = next++) {
                const std::size_t start = dict + i * kGzipBlock;
                const std::size_t len = std::min(kGzipBlock, dict + bytes - start);
                const std::size_t wstart = start >= kWindow ? start - kWindow : 0;
                const Bytes window(buf.data() + wstart, start - wstart);
                parts[i] = deflate_block(window, Bytes(buf.data() + start, len), level, last && i + 1 == n_blocks);
            }
        };
        const unsigned n = static_cast<unsigned>(std::min<std::size_t>(threads, n_blocks));
        std::vector<std::thread> pool;
        std::exception_ptr error;
        std::mutex error_mutex;
        for (unsigned t = 1; t < n; ++t)
            pool.emplace_back([&] {
                try {
                    work();
                } catch (...) {
                    std::lock_guard<std::mutex> lock(error_mutex);
                    error = std::current_exception();
                }
            });
        try {
            work();
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            error = std::current_exception();
        }
        for (std::thread& t : pool) t.join();
        if (error) std::rethrow_exception(error);
        for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
        // Keep the last window as the next batch's dictionary.
        const std::size_t end = dict + bytes;
        const std::size_t keep = std::min(kWindow, end);
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(end - keep));
        dict = keep;
    }
};

ParallelGzip::ParallelGzip(int level, unsigned threads) : impl_(std::make_unique<Impl>()) {
    if (level < 1 || level > 9) fail("gzip level " + std::to_string(level) + " is outside 1..9", ErrorKind::Usage);
    impl_->level = level;
    impl_->threads = threads ? threads : usable_cpus();
    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS=Unix, as gzip -n writes it.
    const std::uint8_t xfl = level == 9 ? 2 : level == 1 ? 4 : 0;
    impl_->out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3};
    impl_->buf.reserve(kWindow + kGzipBlock * kBatchBlocks + kGzipBlock);
}

ParallelGzip::~ParallelGzip() = default;

void ParallelGzip::write(Bytes data) {
    if (impl_->finished) fail("gzip compression: write after finish", ErrorKind::Usage);
    impl_->crc = static_cast<std::uint32_t>(crc32_z(impl_->crc, data.data(), data.size()));
    impl_->size += data.size();
    const std::size_t batch = kGzipBlock * kBatchBlocks;
    std::size_t done = 0;
    while (done < data.size()) {
        const std::size_t room = batch + 1 - (impl_->buf.size() - impl_->dict);
        const std::size_t take = std::min(room, data.size() - done);
        impl_->buf.insert(impl_->buf.end(), data.begin() + static_cast<std::ptrdiff_t>(done),
                          data.begin() + static_cast<std::ptrdiff_t>(done + take));
        done += take;
        // A full batch with input after it: none of its blocks is the last.
        if (impl_->buf.size() - impl_->dict > batch) impl_->compress(batch, false);
    }
}

std::vector<std::uint8_t> ParallelGzip::finish() {
    if (impl_->finished) fail("gzip compression: finished twice", ErrorKind::Usage);
    impl_->finished = true;
    impl_->compress(impl_->buf.size() - impl_->dict, true);
    put_le32(impl_->out, impl_->crc);
    put_le32(impl_->out, static_cast<std::uint32_t>(impl_->size));
    return std::move(impl_->out);
}

}  // namespace tdx::builder
