// Walks the OVMF GUIDed table that edk2 places just below the reset vector
// (ResetVectorVtf0.asm): the footer GUID sits at EOF-0x30 with the u16 table
// size T (footer entry included) just before it, and each entry is
// [payload][u16 entry length][GUID], read backwards from the footer. This is
// the walk QEMU does in pc_system_parse_ovmf_flash() and
// pc_system_ovmf_table_find(), with every length checked against what is left.
#include <algorithm>
#include <map>

#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf::detail {
namespace {

Guid guid_at(Bytes file, std::uint64_t offset) {
    Guid g;
    Bytes b = slice(file, offset, 16, "GUID");
    std::copy(b.begin(), b.end(), g.bytes.begin());
    return g;
}

std::string entry_label(const Guid& g) {
    std::string name = guid_table_entry_name(g);
    return name.empty() ? g.to_string() : g.to_string() + " (" + name + ")";
}

}  // namespace

GuidTableWalk walk_guid_table(Bytes file, LintLevel level, Findings& findings) {
    GuidTableWalk walk;
    const std::uint64_t size = file.size();

    // QEMU only looks for the table in flash images of at least one page.
    if (size < kPageSize)
        findings.error("image.too_small", "file of " + std::to_string(size) +
                                              " bytes is smaller than one 4 KiB page; QEMU does not look for the "
                                              "OVMF GUID table in it (pc_system_parse_ovmf_flash)");

    if (size < kFooterGuidFromEof + 2) return walk;  // no room for footer GUID + table size
    if (guid_at(file, size - kFooterGuidFromEof) != footer_guid()) return walk;
    walk.footer_found = true;

    const std::uint64_t size_offset = size - kFooterGuidFromEof - 2;
    const std::uint16_t t = load_le16(file, size_offset, "GUID table size");
    walk.table_size = t;
    // QEMU: tot_len = T - 18 must be >= 0 and must fit below the footer entry.
    if (t < kGuidEntryTrailer) {
        findings.error("guid_table.size", "GUID table size " + std::to_string(t) + " at file offset " + hex_u64(size_offset) +
                                              " is smaller than the 18-byte footer entry it includes");
        return walk;
    }
    if (t > size - kTableEndFromEof) {
        findings.error("guid_table.size", "GUID table size " + std::to_string(t) + " at file offset " + hex_u64(size_offset) +
                                              " is larger than the " + std::to_string(size - kTableEndFromEof) + " bytes before EOF-0x20");
        return walk;
    }
    walk.table_offset = size - kTableEndFromEof - t;

    // Walk back from the start of the footer entry (= end of the last entry).
    // A malformed entry ends the walk the way QEMU's lookup gives up there;
    // entries already read stay valid, so whether that breaks loading
    // depends on whether the TDX entry was met before it.
    const auto walk_problem = [&](const std::string& rule, const std::string& message, bool fatal_for_qemu) {
        bool error = level == LintLevel::Gce || (fatal_for_qemu && !walk.tdx_entry);
        findings.add(error ? Finding::Severity::Error : Finding::Severity::Warning, rule, message);
    };
    std::vector<GuidTableEntry> backwards;
    std::uint64_t pos = size_offset;
    while (pos > walk.table_offset) {
        const std::uint64_t left = pos - walk.table_offset;
        if (left < kGuidEntryTrailer) {
            // QEMU stops silently when fewer than 18 bytes are left.
            walk_problem("guid_table.trailing_bytes",
                         std::to_string(left) + " bytes at file offset " + hex_u64(walk.table_offset) +
                             " at the start of the GUID table do not form an entry (table size " + std::to_string(t) + ")",
                         false);
            break;
        }
        const Guid g = guid_at(file, pos - 16);
        const std::uint16_t len = load_le16(file, pos - kGuidEntryTrailer, "GUID table entry length");
        if (len < kGuidEntryTrailer) {
            walk_problem("guid_table.entry_length",
                         "GUID table entry " + entry_label(g) + " ending at file offset " + hex_u64(pos) + ": length " + std::to_string(len) +
                             " is smaller than its 18-byte length+GUID trailer",
                         true);
            break;
        }
        if (len > left) {
            walk_problem("guid_table.entry_length",
                         "GUID table entry " + entry_label(g) + " ending at file offset " + hex_u64(pos) + ": length " + std::to_string(len) +
                             " exceeds the " + std::to_string(left) + " bytes left before the table start",
                         true);
            break;
        }
        GuidTableEntry e;
        e.guid = g;
        e.length = len;
        e.offset = pos - len;
        Bytes payload = slice(file, e.offset, len - kGuidEntryTrailer, "GUID table entry payload");
        e.payload.assign(payload.begin(), payload.end());
        if (!walk.tdx_entry && g == tdx_metadata_offset_guid()) walk.tdx_entry = backwards.size();
        backwards.push_back(std::move(e));
        pos -= len;
    }

    const std::size_t n = backwards.size();
    walk.entries.assign(std::make_move_iterator(backwards.rbegin()), std::make_move_iterator(backwards.rend()));
    if (walk.tdx_entry) walk.tdx_entry = n - 1 - *walk.tdx_entry;

    // GCE's verifier builds a GUID -> entry map and refuses repeats; QEMU just
    // takes the entry nearest the footer.
    std::map<std::string, std::size_t> seen;
    for (const GuidTableEntry& e : walk.entries) ++seen[e.guid.to_string()];
    for (const auto& [text, count] : seen) {
        if (count < 2) continue;
        findings.add(level == LintLevel::Gce ? Finding::Severity::Error : Finding::Severity::Warning, "guid_table.duplicate",
                     "GUID " + entry_label(Guid::parse(text)) + " appears " + std::to_string(count) +
                         " times in the GUID table; QEMU uses the one nearest the footer");
    }
    return walk;
}

}  // namespace tdx::ovmf::detail
