// Private to tdx_ovmf: the walker that scan_firmware_volumes() drives. The FV
// and FFS file layer is in firmware_volume.cc, sections in ffs_section.cc,
// the LZMA and CRC32 GUID-defined payloads in lzma_section.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ovmf/firmware_volume.h"

namespace tdx::ovmf::detail {

inline constexpr std::uint64_t kFvHeaderMinSize = 56;      // fixed fields before the block map
inline constexpr std::uint32_t kFvSignature = 0x4856465f;  // "_FVH" read as a LE u32

// Where a buffer being walked sits: its file offset in the image when its
// bytes are the image's own, none inside decompressed data.
struct Origin {
    std::optional<std::uint64_t> image_offset;
    Origin at(std::uint64_t delta) const { return image_offset ? Origin{*image_offset + delta} : Origin{}; }
};

// The checked fields of an EFI_FIRMWARE_VOLUME_HEADER (+ extended header).
struct FvHeader {
    Guid file_system;
    std::uint64_t length = 0;
    std::uint32_t attributes = 0;
    std::uint16_t header_length = 0;
    std::optional<Guid> name;
    std::uint64_t files_offset = 0;  // first FFS file, from the volume start
};

// Reads the volume header at the start of `data`; nullopt with `why` set
// when it is not a valid one (signature, checksum, revision, lengths).
std::optional<FvHeader> read_fv_header(Bytes data, std::string& why);

// Decodes an LZMA "alone" stream (13-byte header: properties, dictionary
// size, u64 uncompressed size) into at most `max_output` bytes; throws
// tdx::Error naming `what` on corrupt data or when the output would be larger.
// `bound_by` names the limit (base/limits.h) max_output comes from.
std::vector<std::uint8_t> decode_lzma_alone(Bytes data, std::uint64_t max_output, const std::string& what,
                                            std::optional<Limit> bound_by = std::nullopt);
inline constexpr std::uint64_t kLzmaDecoderMemory = 128ull << 20;

// "PE32", "USER_INTERFACE", "FIRMWARE_VOLUME_IMAGE", ..., "UNKNOWN(0x1a)".
std::string ffs_section_type_name(std::uint8_t type);

std::uint32_t crc32(Bytes data);  // IEEE 802.3 CRC-32, as edk2's CRC32 GUIDed sections use

// UTF-16LE up to the first NUL, as UTF-8; unpaired surrogates become U+FFFD.
std::string utf16le_to_utf8(Bytes data);

class FvWalker {
public:
    explicit FvWalker(FirmwareInventory& inventory) : inv_(inventory) {}

    // Walks the volume whose header starts `data` (already validated);
    // returns its index in inventory.volumes.
    std::size_t walk_volume(Bytes data, const FvHeader& header, Origin origin, std::optional<std::size_t> parent_file, unsigned depth);

    // Walks a section stream of file `file` (ffs_section.cc).
    void walk_sections(Bytes stream, std::size_t file, Origin origin, unsigned depth);

private:
    void walk_files(Bytes data, std::size_t volume, const FvHeader& header, Origin origin, unsigned depth);
    void walk_section(Bytes section, std::uint64_t header_size, std::uint8_t type, std::size_t file, Origin origin, unsigned depth);
    void walk_guid_defined(Bytes section, std::uint64_t header_size, std::size_t file, Origin origin, unsigned depth);
    void walk_nested_volume(Bytes data, std::size_t file, Origin origin, unsigned depth);
    bool descend_ok(unsigned depth, std::size_t file, const std::string& what);
    void problem(std::size_t file, const std::string& message);
    std::string describe_file(std::size_t file) const;
    std::string describe_volume(std::size_t volume) const;

    FirmwareInventory& inv_;
    std::uint64_t decoded_total_ = 0;
};

}  // namespace tdx::ovmf::detail
