// Firmware volumes and the FFS files in them (UEFI PI spec, volume 3,
// sections 3.2.1 and 3.2.3):
//
//   volume header   0 ZeroVector[16]  16 FileSystemGuid  32 u64 FvLength
//                  40 "_FVH"  44 u32 Attributes (0x800 = erase polarity 1)
//                  48 u16 HeaderLength  50 u16 Checksum (u16 sum of the header
//                  is 0)  52 u16 ExtHeaderOffset  54 reserved  55 u8 Revision (2)
//                  56 block map {u32 blocks, u32 length}..., ends with {0, 0}
//   extended header 0 FvName GUID  16 u32 ExtHeaderSize
//   FFS file        0 Name GUID  16 u8 header checksum  17 u8 file checksum
//                  18 u8 Type  19 u8 Attributes  20 u24 Size  23 u8 State
//                  [24 u64 ExtendedSize when Attributes has LARGE_FILE (0x01)]
//
// Files start 8-byte aligned (relative to the volume) after the extended
// header or the header; the first header made only of erase bytes starts the
// free space. State bits are stored inverted when the erase polarity is 1.
#include <algorithm>

#include "ovmf/firmware_volume.h"
#include "ovmf/firmware_volume_internal.h"

namespace tdx::ovmf {
namespace detail {
namespace {

constexpr std::uint64_t kFfsHeaderSize = 24;
constexpr std::uint64_t kFfsLargeHeaderSize = 32;
constexpr std::uint8_t kAttribLargeFile = 0x01;
constexpr std::uint8_t kAttribChecksum = 0x40;
constexpr std::uint8_t kFixedChecksum = 0xaa;  // FFS_FIXED_CHECKSUM: file data not summed
constexpr std::uint8_t kTypePad = 0xf0;
constexpr std::uint64_t kExtHeaderMinSize = 20;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) / a * a; }

Guid read_guid(Bytes data, std::uint64_t offset, const char* what) {
    Bytes b = slice(data, offset, 16, what);
    Guid g;
    std::copy(b.begin(), b.end(), g.bytes.begin());
    return g;
}

std::uint8_t sum8(Bytes data) {
    std::uint8_t s = 0;
    for (std::uint8_t b : data) s = static_cast<std::uint8_t>(s + b);
    return s;
}

bool all_equal(Bytes data, std::uint8_t v) {
    return std::all_of(data.begin(), data.end(), [v](std::uint8_t b) { return b == v; });
}

// The state is the highest bit set (edk2's GetFileState), after undoing the
// inversion of an erase-polarity-1 volume.
FileState decode_state(std::uint8_t raw, bool polarity) {
    std::uint8_t s = polarity ? static_cast<std::uint8_t>(~raw) : raw;
    if (s & 0x80) return FileState::HeaderInvalid;  // reserved bits set: not a state edk2 accepts
    if (s & 0x20) return FileState::HeaderInvalid;
    if (s & 0x10) return FileState::Deleted;
    if (s & 0x08) return FileState::MarkedForUpdate;
    if (s & 0x04) return FileState::Valid;
    if (s & 0x02) return FileState::HeaderOnly;
    if (s & 0x01) return FileState::UnderConstruction;
    return FileState::Empty;
}

// File types 0x02..0x0f hold a section stream; RAW, pad, OEM, debug and
// FFS-internal types hold opaque bytes.
bool has_sections(std::uint8_t type) { return type >= 0x02 && type <= 0x0f; }

}  // namespace

std::optional<FvHeader> read_fv_header(Bytes data, std::string& why) {
    if (data.size() < kFvHeaderMinSize) {
        why = std::to_string(data.size()) + " bytes, shorter than a volume header";
        return std::nullopt;
    }
    if (load_le32(data, 40, "FV signature") != kFvSignature) {
        why = "no \"_FVH\" signature";
        return std::nullopt;
    }
    FvHeader h;
    h.file_system = read_guid(data, 16, "FV file system GUID");
    h.length = load_le64(data, 32, "FV length");
    h.attributes = load_le32(data, 44, "FV attributes");
    h.header_length = load_le16(data, 48, "FV header length");
    const std::uint16_t ext_offset = load_le16(data, 52, "FV extended header offset");
    const std::uint8_t revision = load_u8(data, 55, "FV revision");
    if (h.header_length < kFvHeaderMinSize + 8 || h.header_length % 2 != 0 || h.header_length > data.size()) {
        why = "header length " + std::to_string(h.header_length) + " is not an even size between 64 and the " + std::to_string(data.size()) +
              " bytes available";
        return std::nullopt;
    }
    std::uint16_t sum = 0;
    for (std::uint64_t i = 0; i < h.header_length; i += 2) sum = static_cast<std::uint16_t>(sum + load_le16(data, i, "FV header"));
    if (sum != 0) {
        why = "header checksum does not sum to zero (sum " + hex_u64(sum) + ")";
        return std::nullopt;
    }
    if (revision != 2) {
        why = "revision " + std::to_string(revision) + ", not 2 (EFI_FVH_REVISION)";
        return std::nullopt;
    }
    if (h.length < h.header_length || h.length > data.size()) {
        why = "volume length " + hex_u64(h.length) + " is below its header length or past the " + hex_u64(data.size()) + " bytes available";
        return std::nullopt;
    }
    h.files_offset = align_up(h.header_length, 8);
    if (ext_offset != 0) {
        if (ext_offset < kFvHeaderMinSize || ext_offset > h.length || h.length - ext_offset < kExtHeaderMinSize) {
            why = "extended header offset " + hex_u64(ext_offset) + " lies outside the volume";
            return std::nullopt;
        }
        const std::uint32_t ext_size = load_le32(data, ext_offset + 16u, "FV extended header size");
        if (ext_size < kExtHeaderMinSize || ext_size > h.length - ext_offset) {
            why = "extended header size " + hex_u64(ext_size) + " at " + hex_u64(ext_offset) + " does not fit the volume";
            return std::nullopt;
        }
        h.name = read_guid(data, ext_offset, "FV name");
        h.files_offset = align_up(ext_offset + std::uint64_t{ext_size}, 8);
    }
    return h;
}

std::string FvWalker::describe_volume(std::size_t volume) const {
    const FirmwareVolume& v = inv_.volumes[volume];
    std::string s = "FV " + std::to_string(volume);
    if (v.image_offset) s += " at " + hex_u64(*v.image_offset);
    else if (v.parent_file)
        s += " in file " + inv_.files[*v.parent_file].name.to_string();
    return s;
}

std::string FvWalker::describe_file(std::size_t file) const {
    const FfsFile& f = inv_.files[file];
    std::string s = describe_volume(f.volume) + ", file " + f.name.to_string();
    if (!f.ui_name.empty()) s += " (" + f.ui_name + ")";
    return s;
}

void FvWalker::problem(std::size_t file, const std::string& message) { inv_.problems.push_back(describe_file(file) + ": " + message); }

bool FvWalker::descend_ok(unsigned depth, std::size_t file, const std::string& what) {
    if (depth + 1 <= limit(Limit::FirmwareDepth)) return true;
    problem(file, exceeded_message(Limit::FirmwareDepth, what, "the nesting depth") + "; not opened");
    inv_.files[file].undecoded.push_back(what + ": nesting limit");
    return false;
}

std::size_t FvWalker::walk_volume(Bytes data, const FvHeader& header, Origin origin, std::optional<std::size_t> parent_file, unsigned depth) {
    FirmwareVolume v;
    v.image_offset = origin.image_offset;
    v.parent_file = parent_file;
    v.depth = depth;
    v.length = header.length;
    v.file_system = header.file_system;
    v.name = header.name;
    v.attributes = header.attributes;
    inv_.volumes.push_back(v);
    const std::size_t index = inv_.volumes.size() - 1;
    if (inv_.volumes[index].is_ffs()) walk_files(data.first(static_cast<std::size_t>(header.length)), index, header, origin, depth);
    return index;
}

void FvWalker::walk_files(Bytes data, std::size_t volume, const FvHeader& header, Origin origin, unsigned depth) {
    const bool polarity = header.attributes & 0x800;
    const std::uint8_t erase = polarity ? 0xff : 0x00;
    auto volume_problem = [&](const std::string& m) { inv_.problems.push_back(describe_volume(volume) + ": " + m); };
    std::uint64_t pos = header.files_offset;
    while (pos < data.size()) {
        const std::uint64_t left = data.size() - pos;
        Bytes head = data.subspan(static_cast<std::size_t>(pos), static_cast<std::size_t>(std::min(left, kFfsHeaderSize)));
        if (all_equal(head, erase)) {
            if (!all_equal(data.subspan(static_cast<std::size_t>(pos)), erase))
                volume_problem("free space from +" + hex_u64(pos) + " holds bytes other than " + hex_u64(erase));
            return;
        }
        if (left < kFfsHeaderSize) {
            volume_problem(std::to_string(left) + " bytes at +" + hex_u64(pos) + " are too short for a file header");
            return;
        }
        const Guid name = read_guid(data, pos, "file name");
        const std::uint8_t file_checksum = load_u8(data, pos + 17, "file checksum");
        const std::uint8_t type = load_u8(data, pos + 18, "file type");
        const std::uint8_t attributes = load_u8(data, pos + 19, "file attributes");
        const std::uint8_t raw_state = load_u8(data, pos + 23, "file state");
        const bool large = attributes & kAttribLargeFile;
        const std::uint64_t header_size = large ? kFfsLargeHeaderSize : kFfsHeaderSize;
        std::uint64_t size = load_le32(data, pos + 20, "file size") & 0xffffff;
        if (large) {
            if (left < kFfsLargeHeaderSize) {
                volume_problem("large file " + name.to_string() + " at +" + hex_u64(pos) + " is cut off in its header");
                return;
            }
            size = load_le64(data, pos + 24, "file extended size");
        }
        if (size < header_size || size > left) {
            volume_problem("file " + name.to_string() + " at +" + hex_u64(pos) + " declares size " + hex_u64(size) +
                           ", which does not fit the " + hex_u64(left) + " bytes left in the volume");
            return;
        }
        FfsFile f;
        f.volume = volume;
        f.offset = pos;
        f.image_offset = origin.at(pos).image_offset;
        f.name = name;
        f.type = type;
        f.attributes = attributes;
        f.state = decode_state(raw_state, polarity);
        f.size = size;
        const Bytes whole = data.subspan(static_cast<std::size_t>(pos), static_cast<std::size_t>(size));
        const Bytes body = whole.subspan(static_cast<std::size_t>(header_size));
        pos = align_up(pos + size, 8);
        if (type == kTypePad) {
            ++inv_.volumes[volume].pad_files;
            continue;
        }
        inv_.files.push_back(f);
        const std::size_t index = inv_.files.size() - 1;
        if (!f.usable()) continue;
        // The header checksum covers the header with State and the file
        // checksum taken as zero (edk2 FwVol VerifyHeaderChecksum).
        const std::uint8_t header_sum = static_cast<std::uint8_t>(sum8(whole.first(static_cast<std::size_t>(header_size))) - raw_state -
                                                                  file_checksum);
        if (header_sum != 0) problem(index, "header checksum is wrong (sum " + hex_u64(header_sum) + ")");
        if (attributes & kAttribChecksum) {
            if (static_cast<std::uint8_t>(sum8(body) + file_checksum) != 0) problem(index, "file data checksum is wrong");
        } else if (file_checksum != kFixedChecksum) {
            problem(index, "file checksum is " + hex_u64(file_checksum) + ", not 0xaa for a file without a data checksum");
        }
        if (!has_sections(type)) continue;
        try {
            walk_sections(body, index, origin.at(f.offset + header_size), depth);
        } catch (const Error& e) {
            problem(index, e.what());  // a missed check: keep the other files
        }
    }
}

}  // namespace detail

std::size_t FirmwareInventory::undecoded_sections() const {
    std::size_t n = 0;
    for (const FfsFile& f : files) n += f.undecoded.size();
    return n;
}

FirmwareInventory scan_firmware_volumes(Bytes image) {
    using namespace detail;
    FirmwareInventory inv;
    FvWalker walker(inv);
    std::uint64_t pos = 0;
    while (pos < image.size() && image.size() - pos >= kFvHeaderMinSize) {
        if (load_le32(image, pos + 40, "FV signature") == kFvSignature) {
            Bytes at = image.subspan(static_cast<std::size_t>(pos));
            std::string why;
            if (auto h = read_fv_header(at, why)) {
                try {
                    walker.walk_volume(at, *h, Origin{pos}, std::nullopt, 0);
                } catch (const Error& e) {
                    // Every read is bounds-checked and problems are recorded
                    // where they occur; this only keeps a missed case from
                    // ending the walk of the other volumes.
                    inv.problems.push_back("FV at " + hex_u64(pos) + ": " + e.what());
                }
                pos += align_up(h->length, 8);
                continue;
            }
            // "_FVH" also occurs inside code; only a known file system GUID
            // makes a failed header worth reporting.
            const Guid fs = read_guid(image, pos + 16, "FV file system GUID");
            if (file_system_name(fs) != fs.to_string()) inv.problems.push_back("FV header at " + hex_u64(pos) + ": " + why);
        }
        pos += 8;
    }
    return inv;
}

}  // namespace tdx::ovmf
