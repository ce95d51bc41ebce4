// FFS file sections (UEFI PI spec, volume 3, section 3.2.4): a stream of
// 4-byte aligned sections, each
//
//   0 u24 Size (0xffffff: the u32 at 4 holds it and the header is 8 bytes)
//   3 u8  Type
//
// Leaf sections give the module's name (USER_INTERFACE, UTF-16) and version;
// encapsulation sections (COMPRESSION, GUID_DEFINED) hold another section
// stream, FIRMWARE_VOLUME_IMAGE a whole volume. GUID_DEFINED adds
// SectionDefinitionGuid, u16 DataOffset (from the section start) and u16
// Attributes (0x01 processing required, 0x02 authentication status valid);
// edk2's CRC32 section puts a u32 CRC after them. COMPRESSION adds u32
// UncompressedLength and u8 CompressionType (0 none, 1 EFI standard).
//
// Decoded: LZMA (edk2's default for OVMF's FVMAIN_COMPACT), CRC32, sections
// that need no processing and uncompressed COMPRESSION sections. Listed as
// not decoded: EFI/Tiano compression, LZMA with the x86 filter, Brotli and
// unknown GUIDs; OVMF builds use none of them for their volumes.
#include <algorithm>

#include "ovmf/firmware_volume.h"
#include "ovmf/firmware_volume_internal.h"

namespace tdx::ovmf::detail {
namespace {

constexpr std::uint64_t kGuidDefinedFields = 20;  // GUID, DataOffset, Attributes
constexpr std::uint16_t kProcessingRequired = 0x01;
constexpr std::uint16_t kAuthStatusValid = 0x02;

std::uint64_t align4(std::uint64_t v) { return (v + 3) & ~std::uint64_t{3}; }

std::string guided_name(const Guid& g) {
    static const struct {
        const char* text;
        const char* name;
    } kKnown[] = {
        {"ee4e5898-3914-4259-9d6e-dc7bd79403cf", "LZMA"},   {"d42ae6bd-1352-4bfb-909a-ca72a6eae889", "LZMA_F86"},
        {"3d532050-5cda-4fd0-879e-0f7f630d5afb", "Brotli"}, {"a31280ad-481e-41b6-95e8-127f4c984779", "Tiano"},
        {"fc1bcdb0-7d31-49aa-936a-a4600d9dd083", "CRC32"},
    };
    for (const auto& k : kKnown)
        if (Guid::parse(k.text) == g) return k.name;
    return "";
}

}  // namespace

void FvWalker::walk_sections(Bytes stream, std::size_t file, Origin origin, unsigned depth) {
    std::uint64_t pos = 0;
    for (;;) {
        pos = align4(pos);
        if (pos >= stream.size()) return;
        const std::uint64_t left = stream.size() - pos;
        if (left < 4) {
            problem(file, std::to_string(left) + " stray bytes after the last section");
            return;
        }
        std::uint64_t size = load_le32(stream, pos, "section header") & 0xffffff;
        const std::uint8_t type = load_u8(stream, pos + 3, "section type");
        std::uint64_t header_size = 4;
        if (size == 0xffffff) {
            if (left < 8) {
                problem(file, "section at +" + hex_u64(pos) + " is cut off in its extended header");
                return;
            }
            size = load_le32(stream, pos + 4, "section extended size");
            header_size = 8;
        }
        if (size < header_size || size > left) {
            problem(file, "section at +" + hex_u64(pos) + " (type " + hex_u64(type) + ") declares size " + hex_u64(size) +
                              ", which does not fit the " + hex_u64(left) + " bytes left");
            return;
        }
        walk_section(stream.subspan(static_cast<std::size_t>(pos), static_cast<std::size_t>(size)), header_size, type, file, origin.at(pos),
                     depth);
        pos += size;
    }
}

void FvWalker::walk_section(Bytes section, std::uint64_t header_size, std::uint8_t type, std::size_t file, Origin origin, unsigned depth) {
    const Bytes data = section.subspan(static_cast<std::size_t>(header_size));
    const std::string kind = ffs_section_type_name(type);
    switch (type) {
        case 0x01: {  // COMPRESSION
            ByteReader r(data, "COMPRESSION section");
            (void)r.le32("uncompressed length");
            const std::uint8_t method = r.u8("compression type");
            if (method == 0) {
                inv_.files[file].sections.push_back("COMPRESSION(none)");
                if (descend_ok(depth, file, "COMPRESSION section")) walk_sections(data.subspan(5), file, origin.at(header_size + 5), depth + 1);
            } else {
                const std::string m = method == 1 ? "EFI standard (Tiano)" : "unknown type " + std::to_string(method);
                inv_.files[file].sections.push_back("COMPRESSION(" + m + ")");
                inv_.files[file].undecoded.push_back("COMPRESSION " + m + ": not decoded");
            }
            return;
        }
        case 0x02: walk_guid_defined(section, header_size, file, origin, depth); return;
        case 0x14: {  // VERSION: u16 build number, then the UTF-16 string
            inv_.files[file].sections.push_back(kind);
            if (data.size() >= 2 && inv_.files[file].version.empty()) inv_.files[file].version = utf16le_to_utf8(data.subspan(2));
            return;
        }
        case 0x15:  // USER_INTERFACE
            inv_.files[file].sections.push_back(kind);
            if (inv_.files[file].ui_name.empty()) inv_.files[file].ui_name = utf16le_to_utf8(data);
            return;
        case 0x17:  // FIRMWARE_VOLUME_IMAGE
            inv_.files[file].sections.push_back(kind);
            walk_nested_volume(data, file, origin.at(header_size), depth);
            return;
        default: inv_.files[file].sections.push_back(kind); return;
    }
}

void FvWalker::walk_guid_defined(Bytes section, std::uint64_t header_size, std::size_t file, Origin origin, unsigned depth) {
    ByteReader r(section.subspan(static_cast<std::size_t>(header_size)), "GUID_DEFINED section");
    Guid guid;
    Bytes g = r.bytes(16, "section definition GUID");
    std::copy(g.begin(), g.end(), guid.bytes.begin());
    const std::uint16_t data_offset = r.le16("data offset");
    const std::uint16_t attributes = r.le16("attributes");
    const std::string known = guided_name(guid);
    const std::string label = known.empty() ? guid.to_string() : known;
    inv_.files[file].sections.push_back("GUID_DEFINED(" + label + ")");
    if (data_offset < header_size + kGuidDefinedFields || data_offset > section.size()) {
        problem(file, "GUID_DEFINED " + label + " section: data offset " + hex_u64(data_offset) + " lies outside the section (header " +
                          hex_u64(header_size + kGuidDefinedFields) + ", size " + hex_u64(section.size()) + ")");
        return;
    }
    const Bytes payload = section.subspan(data_offset);
    if (known == "LZMA") {
        if (!descend_ok(depth, file, "LZMA section")) return;
        const std::uint64_t max_section = limit(Limit::FirmwareSectionSize), max_total = limit(Limit::FirmwareTotalSize);
        const std::uint64_t total_left = max_total - std::min(decoded_total_, max_total);
        std::vector<std::uint8_t> decoded;
        try {
            const bool section_binds = max_section <= total_left;
            decoded = decode_lzma_alone(payload, section_binds ? max_section : total_left, "LZMA section",
                                        section_binds ? Limit::FirmwareSectionSize : Limit::FirmwareTotalSize);
        } catch (const Error& e) {
            problem(file, e.what());
            inv_.files[file].undecoded.push_back("GUID_DEFINED LZMA: decoding failed");
            return;
        }
        decoded_total_ += decoded.size();
        walk_sections(decoded, file, Origin{}, depth + 1);
        return;
    }
    if (known == "CRC32") {
        // The CRC follows the GUID-defined fields; it covers the data.
        ByteReader c(section.subspan(static_cast<std::size_t>(header_size + kGuidDefinedFields)), "CRC32 section");
        const std::uint32_t stored = c.le32("CRC32");
        if ((attributes & kAuthStatusValid) && crc32(payload) != stored)
            problem(file, "CRC32 section: stored CRC " + hex_u64(stored) + " but the data has " + hex_u64(crc32(payload)));
        if (descend_ok(depth, file, "CRC32 section")) walk_sections(payload, file, origin.at(data_offset), depth + 1);
        return;
    }
    if (!(attributes & kProcessingRequired)) {
        // The data is a section stream as it is (PI spec: processing not required).
        if (descend_ok(depth, file, "GUID_DEFINED section")) walk_sections(payload, file, origin.at(data_offset), depth + 1);
        return;
    }
    inv_.files[file].undecoded.push_back("GUID_DEFINED " + guid.to_string() + (known.empty() ? "" : " (" + known + ")") + ": not decoded");
}

void FvWalker::walk_nested_volume(Bytes data, std::size_t file, Origin origin, unsigned depth) {
    std::string why;
    const std::optional<FvHeader> h = read_fv_header(data, why);
    if (!h) {
        problem(file, "FIRMWARE_VOLUME_IMAGE section: " + why);
        return;
    }
    if (!descend_ok(depth, file, "firmware volume")) return;
    const std::size_t v = walk_volume(data, *h, origin, file, depth + 1);
    inv_.files[file].volumes.push_back(v);
}

std::string utf16le_to_utf8(Bytes data) {
    std::string out;
    auto put = [&out](std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    };
    const std::size_t units = data.size() / 2;
    for (std::size_t i = 0; i < units; ++i) {
        const std::uint32_t u = load_le16(data, 2 * i, "UTF-16 text");
        if (u == 0) break;
        if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
            const std::uint32_t low = load_le16(data, 2 * (i + 1), "UTF-16 text");
            if (low >= 0xdc00 && low <= 0xdfff) {
                put(0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00));
                ++i;
                continue;
            }
        }
        put(u >= 0xd800 && u <= 0xdfff ? 0xfffd : u);
    }
    return out;
}

}  // namespace tdx::ovmf::detail
