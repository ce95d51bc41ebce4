// Rules on the descriptor header and on each section entry, per lint level.
//   Qemu:   what upstream QEMU checks before it hands the sections to KVM
//           (tdvf_get_metadata / tdvf_parse_and_check_section_entry in
//           hw/i386/tdvf.c, plus what tdx_finalize_vm in
//           target/i386/kvm/tdx.c relies on).
//   Gce:    Qemu plus google/gce-tcb-verifier's extra checks (ovmf/tdx_data.go).
//   TdShim: td-shim's validate_sections() (td-shim-interface/src/metadata.rs),
//           which allows the section types 4-8 and fixes the attributes.
// Rules on the set of sections (counts, overlap, tiling) are in tdvf_layout.cc.
#include <optional>

#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf::detail {

namespace {

using Severity = Finding::Severity;

constexpr std::uint32_t kBfv = 0, kCfv = 1, kTdHob = 2, kTempMem = 3, kPermMem = 4, kPayload = 5, kPayloadParam = 6, kTdInfo = 7, kTdParams = 8;

std::string label(std::size_t index, const TdvfSection& s) {
    return "section " + std::to_string(index) + " (" + section_type_name(s.type) + "): ";
}

void validate_header(Bytes file, const TdvfDescriptor& d, LintLevel level, Findings& findings) {
    const std::uint64_t size = file.size();
    const std::string at = "descriptor at file offset " + hex_u64(d.file_offset) + ": ";
    const std::uint64_t expected_length = kDescriptorHeaderSize + kSectionEntrySize * std::uint64_t{d.section_count};

    // QEMU computes offset + Length in 32 bits (so a huge Length can wrap
    // past its check); here it is exact.
    const bool length_outside = d.length > size - d.file_offset;
    if (length_outside)
        findings.error("descriptor.outside_file", at + "Length " + hex_u64(d.length) + " runs past the end of the " + std::to_string(size) +
                                                      "-byte file (ends at " + hex_u64(d.file_offset + d.length) + ")");
    if (d.version != 1) findings.error("descriptor.version", at + "Version " + std::to_string(d.version) + " is not 1");

    // QEMU refuses fewer than 2 entries; td-shim needs at least one.
    const std::uint32_t min_sections = level == LintLevel::TdShim ? 1 : 2;
    if (d.section_count < min_sections)
        findings.error("descriptor.section_count", at + "NumberOfSectionEntries " + std::to_string(d.section_count) +
                                                       " is below the minimum of " + std::to_string(min_sections));

    if (d.length != expected_length)
        findings.error("descriptor.length", at + "Length " + hex_u64(d.length) + " does not match 16 + 32 * " + std::to_string(d.section_count) +
                                                " = " + hex_u64(expected_length));

    if (d.sections.size() != d.section_count && !length_outside)
        findings.error("descriptor.sections_outside_file", at + "NumberOfSectionEntries " + std::to_string(d.section_count) + " needs " +
                                                               hex_u64(expected_length) + " bytes, past the end of the " + std::to_string(size) +
                                                               "-byte file; the section entries were not read");

    if (level == LintLevel::Gce && !d.metadata_guid_present)
        findings.error("descriptor.metadata_guid",
                       at + "the 16 bytes before it are not the TDX metadata GUID " + tdx_metadata_guid().to_string());
}

// Rules every level shares or words differently: sizes, alignment, ranges.
void validate_common(Bytes file, std::size_t i, const TdvfSection& s, LintLevel level, Findings& findings) {
    const std::uint64_t size = file.size();
    const std::string l = label(i, s);
    const bool shim = level == LintLevel::TdShim;
    // td-shim's TD_INFO and TD_PARAMS describe bytes inside the BFV and have
    // no memory range of their own (validated in validate_td_shim).
    const bool no_memory = shim && (s.type == kTdInfo || s.type == kTdParams);

    if (shim ? s.type > kTdParams : s.type > kTempMem) {
        std::string why = shim                  ? "is not a td-shim section type (0-8)"
                          : s.type <= kTdParams ? "is a td-shim section type; QEMU supports only 0-3"
                                                : "is unknown; QEMU supports only 0-3";
        findings.error("section.type", l + "Type " + std::to_string(s.type) + " " + why);
    }

    if (!no_memory) {
        // QEMU: "Broken metadata RawDataSize ... MemoryDataSize ...".
        if (s.memory_data_size < s.raw_data_size)
            findings.error("section.memory_size",
                           l + "MemoryDataSize " + hex_u64(s.memory_data_size) + " is smaller than RawDataSize " + hex_u64(s.raw_data_size));
        if (s.memory_address % kPageSize != 0)
            findings.error("section.address_alignment", l + "MemoryAddress " + hex_u64(s.memory_address) + " is not 4 KiB aligned");
        // QEMU refuses it; td-shim does not check, but TDX adds whole pages,
        // so the tail would be dropped.
        if (s.memory_data_size % kPageSize != 0)
            findings.add(shim ? Severity::Warning : Severity::Error, "section.size_alignment",
                         l + "MemoryDataSize " + hex_u64(s.memory_data_size) + " is not 4 KiB aligned");
        if (s.memory_data_size > UINT64_MAX - s.memory_address)
            findings.error("section.memory_range", l + "MemoryAddress " + hex_u64(s.memory_address) + " + MemoryDataSize " +
                                                       hex_u64(s.memory_data_size) + " wraps past 2^64");
    }

    // Which types must carry file data, which must not.
    const bool needs_data = s.type == kBfv || s.type == kCfv || (shim && (s.type == kTdInfo || s.type == kTdParams));
    const bool no_data = s.type == kTdHob || s.type == kTempMem || (shim && s.type == kPermMem);
    if (needs_data && s.raw_data_size == 0)
        findings.error("section.raw_size_zero", l + "RawDataSize is 0 but this section type is copied from the file");
    if (no_data && s.raw_data_size != 0)
        findings.error("section.raw_size_nonzero",
                       l + "RawDataSize " + hex_u64(s.raw_data_size) + " is not 0 for a section that takes no file data");

    // QEMU points BFV/CFV at flash + DataOffset and KVM copies from there,
    // so the raw data must be in the file (QEMU itself does not check).
    if (!no_data && s.raw_data_size != 0) {
        const std::uint64_t end = std::uint64_t{s.data_offset} + s.raw_data_size;  // < 2^33
        if (end > size) {
            findings.error("section.data_range", l + "data [DataOffset " + hex_u64(s.data_offset) + ", +RawDataSize " +
                                                     hex_u64(s.raw_data_size) + ") ends at " + hex_u64(end) + ", past the end of the " +
                                                     std::to_string(size) + "-byte file");
        } else if ((s.type == kBfv || s.type == kCfv) && s.memory_data_size > s.raw_data_size && s.memory_data_size > size - s.data_offset) {
            // KVM_TDX_INIT_MEM_REGION copies MemoryDataSize / 4096 pages from
            // flash + DataOffset, not RawDataSize bytes.
            findings.error("section.copy_range", l + "QEMU copies MemoryDataSize " + hex_u64(s.memory_data_size) + " bytes from DataOffset " +
                                                     hex_u64(s.data_offset) + ", past the end of the " + std::to_string(size) + "-byte file");
        }
    }

    if (s.mr_extend() && s.memory_data_size > s.raw_data_size) {
        if (s.type == kTdHob || s.type == kTempMem)
            findings.warning("section.mr_extend_beyond_raw", l + "MR_EXTEND on a section without file data: QEMU measures its " +
                                                                 (s.type == kTdHob ? std::string("generated HOB") : std::string("zeroed")) +
                                                                 " pages (MemoryDataSize " + hex_u64(s.memory_data_size) + ")");
        else if (s.type == kBfv || s.type == kCfv)
            findings.warning("section.mr_extend_beyond_raw", l + "MR_EXTEND with MemoryDataSize " + hex_u64(s.memory_data_size) +
                                                                 " > RawDataSize " + hex_u64(s.raw_data_size) + ": QEMU measures the " +
                                                                 hex_u64(s.memory_data_size - s.raw_data_size) +
                                                                 " file bytes that follow the section's raw data");
        else
            findings.warning("section.mr_extend_beyond_raw", l + "MR_EXTEND with MemoryDataSize " + hex_u64(s.memory_data_size) +
                                                                 " > RawDataSize " + hex_u64(s.raw_data_size) + ": what fills the other " +
                                                                 hex_u64(s.memory_data_size - s.raw_data_size) +
                                                                 " measured bytes depends on the VMM");
    }
    if (s.page_aug() && s.type <= kTempMem)
        findings.warning("section.page_aug", l + "Attributes " + hex_u64(s.attributes) +
                                                 " has PAGE_AUG on a type 0-3 section: QEMU ignores it and adds the "
                                                 "pages (measured), tools that honour it leave them out of MRTD");
}

void validate_qemu_gce(std::size_t i, const TdvfSection& s, LintLevel level, Findings& findings) {
    const std::string l = label(i, s);
    if ((s.attributes & ~(kAttrMrExtend | kAttrPageAug)) != 0)
        findings.warning("section.attributes_reserved", l + "Attributes " + hex_u64(s.attributes) +
                                                            " has bits other than MR_EXTEND and PAGE_AUG set; "
                                                            "QEMU ignores them");
    if (level == LintLevel::Gce && (s.type == kBfv || s.type == kCfv) && s.memory_data_size != s.raw_data_size)
        findings.error("section.memory_size_ne_raw",
                       l + "MemoryDataSize " + hex_u64(s.memory_data_size) + " differs from RawDataSize " + hex_u64(s.raw_data_size));
}

void validate_td_shim(std::size_t i, const TdvfSection& s, Findings& findings) {
    const std::string l = label(i, s);
    // Exact attribute values td-shim's validate_sections() demands.
    std::optional<std::uint32_t> exact;
    switch (s.type) {
        case kBfv: exact = kAttrMrExtend; break;
        case kPermMem: exact = kAttrPageAug; break;
        case kCfv:
        case kTdHob:
        case kTempMem:
        case kPayloadParam:
        case kTdInfo:
        case kTdParams: exact = 0; break;
        default: break;
    }
    if (exact && s.attributes != *exact)
        findings.error("section.attributes",
                       l + "Attributes " + hex_u64(s.attributes) + " must be exactly " + hex_u64(*exact) + " for this section type in td-shim");
    if (s.type == kPayload && (s.attributes & ~kAttrMrExtend) != 0)
        findings.error("section.attributes", l + "Attributes " + hex_u64(s.attributes) + " may only have MR_EXTEND (0x1) for a PAYLOAD");

    // td-shim: a section without raw data has DataOffset 0, and TD_HOB,
    // TEMP_MEM and PERM_MEM never have one.
    const bool never_data = s.type == kTdHob || s.type == kTempMem || s.type == kPermMem;
    if (s.data_offset != 0 && (never_data || s.raw_data_size == 0))
        findings.error("section.data_offset_nonzero", l + "DataOffset " + hex_u64(s.data_offset) + " is not 0 for a section without file data");

    if ((s.type == kTdInfo || s.type == kTdParams) && (s.memory_address != 0 || s.memory_data_size != 0))
        findings.error("section.td_info_memory", l + "MemoryAddress " + hex_u64(s.memory_address) + " and MemoryDataSize " +
                                                     hex_u64(s.memory_data_size) + " must both be 0");
}

}  // namespace

void validate_tdvf(Bytes file, const TdvfDescriptor& d, LintLevel level, Findings& findings) {
    validate_header(file, d, level, findings);
    for (std::size_t i = 0; i < d.sections.size(); ++i) {
        const TdvfSection& s = d.sections[i];
        validate_common(file, i, s, level, findings);
        if (level == LintLevel::TdShim) validate_td_shim(i, s, findings);
        else
            validate_qemu_gce(i, s, level, findings);
    }
    validate_layout(file, d, level, findings);
}

}  // namespace tdx::ovmf::detail
