// In-process compression of the initramfs with pinned settings.
//
// The compressed bytes are what the kernel's EFI stub measures into RTMR2,
// so each codec runs with every parameter fixed here, with output that does
// not depend on the thread count, and in the form the kernel's initramfs
// unpacker (init/initramfs.c and lib/decompress_*.c) accepts. docs/reproducibility.md gives the reasons:
//  - gzip (builder/rootfs/parallel_gzip on zlib: fixed 128 KiB blocks, each primed
//    with the previous 32 KiB): no file name, MTIME 0, OS byte 3, XFL 2 at
//    level 9 and 4 at level 1, one member;
//  - zstd (libarchive's filter on libzstd): one frame, no checksum, no
//    dictionary, no long-distance mode, nbWorkers 0; levels 1..19 keep the
//    window at 8 MiB or less;
//  - xz (liblzma): one stream, one block, the LZMA2 filter at preset
//    `level`, integrity check CRC32 (the kernel's xz decoder supports only
//    CRC32 or none);
//  - none: the bytes unchanged.
// The bytes depend on the codec library's version, never on the host: the
// build manifest records codec_versions().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {

// Levels: gzip 1..9, zstd 1..19, xz 0..9 (as recipe.yaml accepts them);
// `level` is ignored for None. Throws tdx::Error (Usage) for a level out of
// range, (BadInput) with the library's message when it fails.
std::vector<std::uint8_t> compress(Compression c, int level, Bytes data);

// The same bytes as compress() of everything written, fed piece by piece
// (the pieces' boundaries do not matter), e.g. as write_newc's sink.
// `expected_input` only sizes the output buffer.
class Compressor {
public:
    Compressor(Compression c, int level, std::uint64_t expected_input = 0);
    ~Compressor();
    Compressor(const Compressor&) = delete;
    Compressor& operator=(const Compressor&) = delete;
    void write(Bytes data);
    std::vector<std::uint8_t> finish();  // once; no write() after it

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The inverse, for tests and `tdximage diff`. gzip and zstd are read as
// libarchive reads them (concatenated members or frames are joined); xz must
// be exactly one stream with nothing after it. Output larger than
// `max_output` bytes is refused (a compression bomb); `what` names the input
// in messages.
std::vector<std::uint8_t> decompress(Compression c, Bytes data, std::uint64_t max_output, const std::string& what);
// The same, bounded by the decompressed-size limit (base/limits.h),
// for input from outside.
std::vector<std::uint8_t> decompress(Compression c, Bytes data, const std::string& what);

// "libarchive 3.6.2 zlib/1.2.13 libzstd/1.5.4 liblzma/5.4.1": the libraries
// whose versions decide the compressed bytes, for the build manifest.
std::string codec_versions();

}  // namespace tdx::builder
