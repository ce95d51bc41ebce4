// The payload of edk2's LZMA GUID-defined section (LzmaCustomDecompressLib):
// an LZMA "alone" stream, 13-byte header (u8 properties lc/lp/pb, u32
// dictionary size, u64 uncompressed size, all ones when unknown) then the
// raw LZMA data. liblzma decodes it; the output is capped because a few
// hundred compressed bytes can claim gigabytes.
#include <lzma.h>

#include <algorithm>
#include <memory>

#include "ovmf/firmware_volume_internal.h"

namespace tdx::ovmf::detail {
namespace {

constexpr std::uint64_t kAloneHeaderSize = 13;
constexpr std::uint64_t kUnknownSize = ~std::uint64_t{0};
constexpr std::size_t kFirstChunk = 1u << 20;

std::string mib(std::uint64_t n) { return n % (1u << 20) == 0 ? std::to_string(n >> 20) + " MiB" : std::to_string(n) + " bytes"; }

struct StreamEnd {
    void operator()(lzma_stream* s) const { lzma_end(s); }
};

}  // namespace

std::vector<std::uint8_t> decode_lzma_alone(Bytes data, std::uint64_t max_output, const std::string& what, std::optional<Limit> bound_by) {
    // Names the limit the cap comes from, so the message says how to raise it.
    const auto over = [&](const std::string& detail) {
        if (bound_by == Limit::FirmwareTotalSize) exceeded(*bound_by, what, detail + " with the sections decompressed before it");
        if (bound_by) exceeded(*bound_by, what, detail);
        fail(what + ": " + detail + " exceeds the limit of " + mib(max_output));
    };
    if (data.size() < kAloneHeaderSize) fail(what + ": " + std::to_string(data.size()) + " bytes, shorter than the 13-byte LZMA header");
    const std::uint64_t declared = load_le64(data, 5, "LZMA uncompressed size");
    if (declared != kUnknownSize && declared > max_output) over("the declared uncompressed size (" + std::to_string(declared) + " bytes)");

    lzma_stream stream = LZMA_STREAM_INIT;
    if (lzma_alone_decoder(&stream, kLzmaDecoderMemory) != LZMA_OK) fail(what + ": cannot start the LZMA decoder");
    std::unique_ptr<lzma_stream, StreamEnd> guard(&stream);

    // One byte past the limit lets an over-long stream show itself.
    const std::uint64_t cap = max_output + 1;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(std::min<std::uint64_t>(cap, declared != kUnknownSize ? declared + 1 : kFirstChunk)));
    stream.next_in = data.data();
    stream.avail_in = data.size();
    for (;;) {
        if (stream.total_out == out.size()) {
            if (out.size() >= cap) over("the decompressed size");
            out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(cap, 2 * std::uint64_t{out.size()})));
        }
        stream.next_out = out.data() + stream.total_out;
        stream.avail_out = out.size() - static_cast<std::size_t>(stream.total_out);
        const lzma_ret r = lzma_code(&stream, LZMA_FINISH);
        if (r == LZMA_STREAM_END) break;
        if (r == LZMA_OK) continue;
        switch (r) {
            case LZMA_MEMLIMIT_ERROR: fail(what + ": the LZMA dictionary needs more than " + mib(kLzmaDecoderMemory) + " of memory");
            case LZMA_FORMAT_ERROR: fail(what + ": not an LZMA stream (bad properties or dictionary size in the header)");
            case LZMA_DATA_ERROR: fail(what + ": corrupt LZMA data after " + std::to_string(stream.total_in) + " input bytes");
            case LZMA_BUF_ERROR: fail(what + ": LZMA data ends early (truncated after " + std::to_string(stream.total_out) + " output bytes)");
            default: fail(what + ": LZMA decoder error " + std::to_string(static_cast<int>(r)));
        }
    }
    if (stream.total_out > max_output) over("the decompressed size");
    out.resize(static_cast<std::size_t>(stream.total_out));
    return out;
}

std::uint32_t crc32(Bytes data) { return lzma_crc32(data.data(), data.size(), 0); }

}  // namespace tdx::ovmf::detail
