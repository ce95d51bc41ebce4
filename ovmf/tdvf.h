// The TDX metadata of an OVMF/TDVF image: the OVMF GUIDed table at the end of
// the file, the TDX metadata entry in it, and the TDVF descriptor with its
// sections. Layouts follow the TDVF design guide and QEMU's hw/i386/tdvf.c;
// see docs/measurement.md for the byte-level description.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"

namespace tdx::ovmf {

// A GUID as stored on disk (mixed-endian: first three groups little-endian).
struct Guid {
    std::array<std::uint8_t, 16> bytes{};
    static Guid parse(const std::string& text);  // "96b582de-1fb2-45f7-baea-a366c55a082d"
    std::string to_string() const;
    bool operator==(const Guid&) const = default;
};

// Well-known GUIDs.
Guid footer_guid();               // 96b582de-1fb2-45f7-baea-a366c55a082d
Guid tdx_metadata_offset_guid();  // e47a6535-984a-4798-865e-4685a7bf8ec2
Guid tdx_metadata_guid();         // e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae
// A short human name for a known table GUID, or "" when unknown.
std::string guid_table_entry_name(const Guid& g);

struct GuidTableEntry {
    Guid guid;
    std::uint64_t offset = 0;  // file offset of the payload
    std::uint16_t length = 0;  // entry length including the 18-byte trailer
    std::vector<std::uint8_t> payload;
};

enum class SectionType : std::uint32_t {
    Bfv = 0,
    Cfv = 1,
    TdHob = 2,
    TempMem = 3,
    PermMem = 4,
    Payload = 5,
    PayloadParam = 6,
    TdInfo = 7,
    TdParams = 8,
};
std::string section_type_name(std::uint32_t type);  // "BFV", "CFV", "TD_HOB", "TEMP_MEM", ..., "UNKNOWN(9)"

inline constexpr std::uint32_t kAttrMrExtend = 0x1;
inline constexpr std::uint32_t kAttrPageAug = 0x2;

struct TdvfSection {
    std::uint32_t data_offset = 0;
    std::uint32_t raw_data_size = 0;
    std::uint64_t memory_address = 0;
    std::uint64_t memory_data_size = 0;
    std::uint32_t type = 0;
    std::uint32_t attributes = 0;
    bool mr_extend() const { return attributes & kAttrMrExtend; }
    bool page_aug() const { return attributes & kAttrPageAug; }
};

struct TdvfDescriptor {
    std::uint64_t file_offset = 0;  // where "TDVF" starts
    std::uint32_t signature = 0;
    std::uint32_t length = 0;
    std::uint32_t version = 0;
    std::uint32_t section_count = 0;
    std::vector<TdvfSection> sections;   // descriptor order
    bool metadata_guid_present = false;  // the e9eaf9f3-... GUID just before the descriptor
    // Found through the TDVF design guide 1.0 pointer at EOF-0x20 instead of
    // the GUID table (only tried when the table footer is absent).
    bool legacy_pointer = false;
};

// A finding of the validator. Severity Error means QEMU (or the chosen lint
// level) would refuse the image; Warning means it would load but is unusual.
struct Finding {
    enum class Severity { Warning, Error };
    Severity severity = Severity::Error;
    std::string rule;     // stable identifier, e.g. "descriptor.length"
    std::string message;  // names the field and the offending value
};

enum class LintLevel { Qemu, Gce, TdShim };

struct TdvfImage {
    std::uint64_t file_size = 0;
    std::vector<GuidTableEntry> guid_table;  // in file order (lowest offset first), footer not included
    bool guid_table_footer = false;          // footer GUID found at EOF-0x30
    std::uint16_t guid_table_size = 0;       // the u16 at EOF-0x32: table bytes including the 18-byte footer entry
    std::uint64_t guid_table_offset = 0;     // file offset of the table's first byte (valid when the size is sane)
    std::optional<TdvfDescriptor> descriptor;
    std::vector<Finding> findings;  // every rule the image breaks
    bool has_errors() const;
};

// Parses the image and validates it at `level`. Structural problems that make
// the descriptor unreadable (no GUID table, no TDX entry, offsets outside the
// file) are reported as findings, not thrown, so `inspect` can show them all;
// `load_tdvf` below throws instead.
TdvfImage parse_tdvf(Bytes file, LintLevel level = LintLevel::Qemu);

// Parses and validates; throws tdx::Error listing every error finding when the
// image is not a TDVF image QEMU would load. `name` prefixes messages.
TdvfImage load_tdvf(Bytes file, const std::string& name, LintLevel level = LintLevel::Qemu);

}  // namespace tdx::ovmf
