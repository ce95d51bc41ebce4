// gzip on every core with bytes that do not depend on the core count.
//
// The deflate stream is cut at fixed 128 KiB boundaries of the input. Each
// block is compressed on its own, primed with the 32 KiB of input before it
// (so it compresses almost as well as one stream), and ends byte-aligned with
// a sync flush (an empty stored block); the last ends the stream. Blocks are
// independent, so any number of threads may compress them, and the output
// depends only on the input, the level and the zlib version — the scheme
// pigz uses. The member header carries no name and mtime 0, OS 3 (Unix).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/byte_reader.h"

namespace tdx::builder {

inline constexpr std::size_t kGzipBlock = 128 * 1024;

class ParallelGzip {
public:
    // `threads` 0: as many as this process may run on (its CPU affinity).
    ParallelGzip(int level, unsigned threads = 0);
    ~ParallelGzip();
    ParallelGzip(const ParallelGzip&) = delete;
    ParallelGzip& operator=(const ParallelGzip&) = delete;
    void write(Bytes data);
    std::vector<std::uint8_t> finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// CPUs this process may run on (sched_getaffinity), at least 1.
unsigned usable_cpus();

}  // namespace tdx::builder
