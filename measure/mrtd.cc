#include "measure/mrtd.h"

#include <array>
#include <cstring>
#include <sstream>

#include "base/limits.h"

namespace tdx {
namespace {

constexpr std::uint64_t kPageSize = 4096;
constexpr std::uint64_t kChunkSize = 256;
constexpr std::size_t kRecordHeader = 128;
constexpr std::size_t kChunksPerPage = kPageSize / kChunkSize;
// One fully extended page in the hash stream: PAGE.ADD record, then 16 x
// (MR.EXTEND header + 256 data bytes) = 128 + 16 * 384 = 6272 bytes.
constexpr std::size_t kPageStream = kRecordHeader + kChunksPerPage * (kRecordHeader + kChunkSize);

// The TDX module hashes a 128-byte buffer per operation: the ASCII operation
// name, zero padding to byte 16, the GPA as a little-endian u64 at 16, zeros.
void write_record(std::uint8_t* out, const char* op, std::uint64_t gpa) {
    std::memset(out, 0, kRecordHeader);
    std::memcpy(out, op, std::strlen(op));
    for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<std::uint8_t>(gpa >> (8 * i));
}

}  // namespace

std::string to_string(MrtdOrder order) { return order == MrtdOrder::PerPage ? "per-page" : "two-pass"; }

MrtdResult compute_mrtd(Bytes firmware, const ovmf::TdvfImage& image, const std::string& name, const MrtdOptions& options) {
    if (!image.descriptor) fail(name + ": no TDVF descriptor; cannot compute MRTD");
    MrtdResult result;
    Hasher per_page, two_pass;
    std::array<std::uint8_t, kPageStream> page{};

    // A descriptor can claim a terabyte in a few bytes; hashing 2^28 page
    // records would take minutes (the tdvf fuzzer's finding). OVMF adds a
    // few MiB.
    std::uint64_t total = 0;
    for (const ovmf::TdvfSection& s : image.descriptor->sections) {
        if (options.skip_page_aug && s.page_aug()) continue;
        const std::uint64_t bytes = s.memory_data_size / kPageSize * kPageSize;
        total = bytes > UINT64_MAX - total ? UINT64_MAX : total + bytes;
        check_limit(Limit::FirmwareMemory, total, name, "the memory the TDVF sections add to the TD (" + hex_u64(total) + " bytes so far)");
    }

    std::size_t index = 0;
    for (const ovmf::TdvfSection& s : image.descriptor->sections) {
        const std::string where = name + ": TDVF section " + std::to_string(index++) + " (" + ovmf::section_type_name(s.type) + ")";
        const std::uint64_t pages = s.memory_data_size / kPageSize;
        const bool add = !(options.skip_page_aug && s.page_aug());
        const bool extend = s.mr_extend();
        // A skipped PAGE_AUG section adds and extends nothing: its pages are
        // not walked at all (the firmware-memory limit does not count them,
        // and a near-2^64 size would otherwise loop 2^52 times).
        if (!add && !extend) continue;

        if (extend && s.memory_data_size > s.raw_data_size) {
            // QEMU hands KVM the mapped firmware starting at DataOffset for the
            // whole MemoryDataSize, so the bytes after the section in the file
            // are what gets extended. Follow it, but say so.
            result.warnings.push_back(where + ": MemoryDataSize " + hex_u64(s.memory_data_size) + " exceeds RawDataSize " +
                                      hex_u64(s.raw_data_size) + "; extending the file bytes that follow the section, as QEMU does");
        }
        Bytes data;
        if (extend) data = slice(firmware, s.data_offset, pages * kPageSize, where + ": extended data");

        // two-pass: every PAGE.ADD of the section first.
        if (add) {
            for (std::uint64_t p = 0; p < pages; ++p) {
                write_record(page.data(), "MEM.PAGE.ADD", s.memory_address + p * kPageSize);
                two_pass.update(Bytes(page.data(), kRecordHeader));
            }
            result.pages_added += pages;
        }
        for (std::uint64_t p = 0; p < pages; ++p) {
            const std::uint64_t gpa = s.memory_address + p * kPageSize;
            std::size_t len = 0;
            if (add) {
                write_record(page.data(), "MEM.PAGE.ADD", gpa);
                len = kRecordHeader;
            }
            const std::size_t extend_start = len;
            if (extend) {
                for (std::size_t c = 0; c < kChunksPerPage; ++c) {
                    write_record(page.data() + len, "MR.EXTEND", gpa + c * kChunkSize);
                    len += kRecordHeader;
                    std::memcpy(page.data() + len, data.data() + p * kPageSize + c * kChunkSize, kChunkSize);
                    len += kChunkSize;
                }
                result.chunks_extended += kChunksPerPage;
                two_pass.update(Bytes(page.data() + extend_start, len - extend_start));
            }
            if (len > 0) per_page.update(Bytes(page.data(), len));
        }
    }
    result.per_page = per_page.final384();
    result.two_pass = two_pass.final384();
    return result;
}

}  // namespace tdx
