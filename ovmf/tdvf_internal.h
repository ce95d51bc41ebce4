// Private to tdx_ovmf: the steps parse_tdvf() is made of (GUID table walk,
// descriptor location and parse, validation) and the finding collector they
// share. Nothing here is part of the public API in ovmf/tdvf.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ovmf/tdvf.h"

namespace tdx::ovmf::detail {

inline constexpr std::uint32_t kTdvfSignature = 0x46564454;  // "TDVF" read as a LE u32
inline constexpr std::uint64_t kPageSize = 4096;
inline constexpr std::uint64_t kDescriptorHeaderSize = 16;
inline constexpr std::uint64_t kSectionEntrySize = 32;
inline constexpr std::uint64_t kGuidEntryTrailer = 18;  // u16 length + 16-byte GUID
inline constexpr std::uint64_t kFooterGuidFromEof = 0x30;
inline constexpr std::uint64_t kTableEndFromEof = 0x20;  // the table ends where the reset-vector area starts
inline constexpr std::uint64_t kLegacyPointerFromEof = 0x20;
inline constexpr std::uint16_t kTdxEntryLength = 22;  // trailer + one u32

// "0x1ff7c0"

// Collects findings. A single broken rule can repeat once per section; for a
// hostile descriptor with tens of thousands of sections that would bury the
// useful lines, so after kMaxPerRule findings of one rule the rest are counted
// and summarised in one line by finish().
class Findings {
public:
    static constexpr std::size_t kMaxPerRule = 32;

    void add(Finding::Severity severity, const std::string& rule, const std::string& message);
    void error(const std::string& rule, const std::string& message) { add(Finding::Severity::Error, rule, message); }
    void warning(const std::string& rule, const std::string& message) { add(Finding::Severity::Warning, rule, message); }
    std::vector<Finding> finish();

private:
    std::vector<Finding> list_;
    struct Count {
        std::size_t seen = 0;
        Finding::Severity worst = Finding::Severity::Warning;
    };
    std::map<std::string, Count> counts_;
};

// Result of walking the OVMF GUIDed table backwards from the footer.
struct GuidTableWalk {
    bool footer_found = false;
    std::uint16_t table_size = 0;         // T, including the 18-byte footer entry
    std::uint64_t table_offset = 0;       // file offset of the first table byte
    std::vector<GuidTableEntry> entries;  // file order (lowest offset first), footer excluded
    // The TDX metadata offset entry QEMU would use: the first one met walking
    // back from the footer (pc_system_ovmf_table_find returns the first match).
    std::optional<std::size_t> tdx_entry;
};
GuidTableWalk walk_guid_table(Bytes file, LintLevel level, Findings& findings);

// Where the descriptor starts, found through the TDX entry or the legacy
// pointer; nullopt (with findings) when it cannot be located.
struct DescriptorLocation {
    std::uint64_t file_offset = 0;
    bool legacy = false;
};
std::optional<DescriptorLocation> locate_descriptor(Bytes file, const GuidTableWalk& table, Findings& findings);

// Reads the header and, when they fit in the file, the section entries.
// Structural problems (bad signature, entries outside the file) are findings;
// nullopt when the bytes are not a TDVF descriptor at all.
std::optional<TdvfDescriptor> read_descriptor(Bytes file, const DescriptorLocation& where, Findings& findings);

// Applies every rule of `level` to the descriptor (GUID table rules are
// applied by walk_guid_table): header and per-section rules in
// tdvf_validate.cc, rules on the set of sections in tdvf_layout.cc.
void validate_tdvf(Bytes file, const TdvfDescriptor& descriptor, LintLevel level, Findings& findings);
void validate_layout(Bytes file, const TdvfDescriptor& descriptor, LintLevel level, Findings& findings);

std::string lint_level_name(LintLevel level);

}  // namespace tdx::ovmf::detail
