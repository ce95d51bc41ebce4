// Rules on the set of sections rather than on one entry: which types must be
// present and how often, GPA overlap, and GCE's firmware-volume tiling.
//   QEMU: tdx_get_hob_entry() (target/i386/kvm/tdx.c) exits when no section
//         is a TD_HOB and builds the HOB in the first one.
//   GCE:  validateTDXMetadataSections / validateMetadataSectionGpr
//         (ovmf/tdx_data.go): one TD_HOB, a BFV, BFV+CFV sizes == file size,
//         no two sections sharing a GPA.
//   td-shim: validate_sections(): a BFV, a TD_HOB or PERM_MEM, at most one
//         of PAYLOAD, PAYLOAD_PARAM, TD_INFO, TD_PARAMS, PAYLOAD_PARAM only
//         with a PAYLOAD, TD_INFO/TD_PARAMS data inside the BFV.
#include <algorithm>
#include <numeric>

#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf::detail {
namespace {

using Severity = Finding::Severity;

std::string name(std::size_t index, const TdvfSection& s) { return "section " + std::to_string(index) + " (" + section_type_name(s.type) + ")"; }

std::vector<std::size_t> of_type(const TdvfDescriptor& d, SectionType t) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < d.sections.size(); ++i)
        if (d.sections[i].type == static_cast<std::uint32_t>(t)) out.push_back(i);
    return out;
}

std::string list(const std::vector<std::size_t>& indices) {
    std::string s;
    for (std::size_t i : indices) s += (s.empty() ? "" : ", ") + std::to_string(i);
    return s;
}

// Sweep over the sections sorted by GPA: each section is compared with the
// one reaching furthest so far, so every overlapping section is reported
// once, in O(N log N) even for a descriptor with many thousand entries.
void check_overlap(const TdvfDescriptor& d, Severity severity, Findings& findings) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < d.sections.size(); ++i) {
        const TdvfSection& s = d.sections[i];
        if (s.memory_data_size != 0 && s.memory_data_size <= UINT64_MAX - s.memory_address) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return d.sections[a].memory_address < d.sections[b].memory_address; });
    std::optional<std::size_t> reach;
    const auto end_of = [&](std::size_t i) { return d.sections[i].memory_address + d.sections[i].memory_data_size; };
    for (std::size_t i : order) {
        const TdvfSection& s = d.sections[i];
        if (reach && s.memory_address < end_of(*reach)) {
            const TdvfSection& r = d.sections[*reach];
            findings.add(severity, "sections.gpa_overlap",
                         name(i, s) + " GPA [" + hex_u64(s.memory_address) + ", " + hex_u64(end_of(i)) + ") overlaps " + name(*reach, r) +
                             " GPA [" + hex_u64(r.memory_address) + ", " + hex_u64(end_of(*reach)) + ")");
        }
        if (!reach || end_of(i) > end_of(*reach)) reach = i;
    }
}

void check_td_shim(const TdvfDescriptor& d, Findings& findings) {
    for (SectionType t : {SectionType::Payload, SectionType::PayloadParam, SectionType::TdInfo, SectionType::TdParams}) {
        auto idx = of_type(d, t);
        if (idx.size() > 1)
            findings.error("sections.singleton", section_type_name(static_cast<std::uint32_t>(t)) + " appears " + std::to_string(idx.size()) +
                                                     " times (sections " + list(idx) + "); td-shim allows at most one");
    }
    if (of_type(d, SectionType::Payload).empty() && !of_type(d, SectionType::PayloadParam).empty())
        findings.error("sections.payload_param_without_payload",
                       "PAYLOAD_PARAM section " + list(of_type(d, SectionType::PayloadParam)) + " without a PAYLOAD section");

    // td-shim compares with the BFV it saw last; any BFV is accepted here.
    const auto bfvs = of_type(d, SectionType::Bfv);
    for (SectionType t : {SectionType::TdInfo, SectionType::TdParams}) {
        for (std::size_t i : of_type(d, t)) {
            const TdvfSection& s = d.sections[i];
            const std::uint64_t start = s.data_offset, end = start + s.raw_data_size;
            bool inside = std::any_of(bfvs.begin(), bfvs.end(), [&](std::size_t b) {
                const std::uint64_t bs = d.sections[b].data_offset, be = bs + d.sections[b].raw_data_size;
                return start >= bs && start < be && end <= be;
            });
            if (!inside)
                findings.error("section.td_info_outside_bfv", name(i, s) + ": data [DataOffset " + hex_u64(start) + ", +RawDataSize " +
                                                                  hex_u64(s.raw_data_size) + ") is not inside the file data of a BFV section");
        }
    }
}

}  // namespace

void validate_layout(Bytes file, const TdvfDescriptor& d, LintLevel level, Findings& findings) {
    // Nothing to say about the set when the entries could not be read.
    if (d.sections.empty() || d.sections.size() != d.section_count) return;
    const bool gce = level == LintLevel::Gce, shim = level == LintLevel::TdShim;

    const auto hobs = of_type(d, SectionType::TdHob);
    const bool perm_mem = !of_type(d, SectionType::PermMem).empty();
    if (hobs.empty() && !(shim && perm_mem))
        findings.error("sections.td_hob_missing", shim
                                                      ? "no TD_HOB section and no PERM_MEM section"
                                                      : "no TD_HOB section; QEMU exits with \"TDVF metadata doesn't specify TD_HOB location.\"");
    if (hobs.size() > 1)
        findings.add(gce || shim ? Severity::Error : Severity::Warning, "sections.td_hob_multiple",
                     std::to_string(hobs.size()) + " TD_HOB sections (" + list(hobs) + "); QEMU builds the HOB in section " +
                         std::to_string(hobs.front()) + " only");

    if (of_type(d, SectionType::Bfv).empty())
        findings.add(gce || shim ? Severity::Error : Severity::Warning, "sections.bfv_missing",
                     "no BFV section: the TD would start with no firmware code");

    if (gce) {
        std::uint64_t fv_bytes = 0;
        for (const TdvfSection& s : d.sections)
            if (s.type == static_cast<std::uint32_t>(SectionType::Bfv) || s.type == static_cast<std::uint32_t>(SectionType::Cfv))
                fv_bytes += s.raw_data_size;  // at most 2^32 entries of < 2^32: no wrap
        if (fv_bytes != file.size())
            findings.error("sections.fv_size_sum",
                           "BFV and CFV RawDataSize add up to " + hex_u64(fv_bytes) + ", not the file size " + hex_u64(file.size()));
    }

    check_overlap(d, gce ? Severity::Error : Severity::Warning, findings);
    if (shim) check_td_shim(d, findings);
}

}  // namespace tdx::ovmf::detail
