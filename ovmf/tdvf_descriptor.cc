// Locates the TDVF descriptor (through the TDX metadata offset entry of the
// GUID table, or the legacy pointer) and reads its header and section entries.
// Mirrors QEMU's tdvf_get_metadata() (hw/i386/tdvf.c) for the location rules;
// the arithmetic is done in 64 bits so no value from the file can wrap it.
#include <algorithm>

#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf::detail {
namespace {

bool metadata_guid_before(Bytes file, std::uint64_t descriptor_offset) {
    if (descriptor_offset < 16) return false;
    Bytes b = slice(file, descriptor_offset - 16, 16, "TDX metadata GUID");
    const Guid want = tdx_metadata_guid();
    return std::equal(b.begin(), b.end(), want.bytes.begin());
}

std::optional<DescriptorLocation> legacy_location(Bytes file) {
    const std::uint64_t size = file.size();
    if (size < kLegacyPointerFromEof) return std::nullopt;
    const std::uint64_t p = load_le32(file, size - kLegacyPointerFromEof, "legacy TDVF pointer");
    // In current OVMF these bytes are AP-entry code, so the pointer is only
    // believed when a whole descriptor header with the signature is there.
    if (p > size || size - p < kDescriptorHeaderSize) return std::nullopt;
    if (load_le32(file, p, "TDVF signature") != kTdvfSignature) return std::nullopt;
    return DescriptorLocation{p, true};
}

}  // namespace

std::optional<DescriptorLocation> locate_descriptor(Bytes file, const GuidTableWalk& table, Findings& findings) {
    const std::uint64_t size = file.size();
    if (!table.footer_found) {
        // Upstream QEMU has no fallback; the TDVF design guide 1.0 put a file
        // offset at EOF-0x20, and some tools (mosaik) still read it when the
        // GUID table is absent.
        if (auto legacy = legacy_location(file)) {
            findings.warning("tdx_metadata.legacy_pointer",
                             "no OVMF GUID table footer; descriptor found through the legacy TDVF pointer at EOF-0x20 "
                             "(file offset " +
                                 hex_u64(legacy->file_offset) +
                                 "), which upstream QEMU does not read (it needs the TDX metadata offset GUID entry)");
            return legacy;
        }
        if (size < kFooterGuidFromEof + 2)
            findings.error("guid_table.missing", "file of " + std::to_string(size) +
                                                     " bytes is too small to hold the OVMF GUID table footer; "
                                                     "not a TDVF image");
        else
            findings.error("guid_table.missing", "no OVMF GUID table footer " + footer_guid().to_string() + " at EOF-0x30 (file offset " +
                                                     hex_u64(size - kFooterGuidFromEof) +
                                                     ") and no \"TDVF\" descriptor at the legacy pointer at EOF-0x20; "
                                                     "not a TDVF image");
        return std::nullopt;
    }
    if (!table.tdx_entry) {
        // QEMU: "Cannot find TDX_METADATA_OFFSET_GUID".
        findings.error("tdx_metadata.missing", "cannot find the TDX metadata offset GUID " + tdx_metadata_offset_guid().to_string() +
                                                   " among the " + std::to_string(table.entries.size()) +
                                                   " GUID table entries; not a TDX (TDVF) image");
        return std::nullopt;
    }
    const GuidTableEntry& e = table.entries[*table.tdx_entry];
    if (e.length != kTdxEntryLength)
        findings.error("tdx_metadata.entry_length", "TDX metadata offset entry at file offset " + hex_u64(e.offset) + ": length " +
                                                        std::to_string(e.length) + " is not 22 (one u32 offset + 18-byte trailer)");
    if (e.payload.size() < 4) return std::nullopt;  // nothing QEMU could sensibly read as the offset
    // QEMU reads the first u32 of the payload, whatever the entry length.
    const std::uint64_t from_eof = load_le32(Bytes(e.payload.data(), e.payload.size()), 0, "TDX metadata offset");
    // QEMU: offset = size - value, then offset + 16 must not pass EOF.
    if (from_eof > size || from_eof < kDescriptorHeaderSize) {
        findings.error("tdx_metadata.offset",
                       "TDX metadata offset " + hex_u64(from_eof) + " (from EOF) puts the 16-byte descriptor header " +
                           (from_eof > size ? std::string("before the start of the ") : std::string("across the end of the ")) +
                           std::to_string(size) + "-byte file");
        return std::nullopt;
    }
    return DescriptorLocation{size - from_eof, false};
}

std::optional<TdvfDescriptor> read_descriptor(Bytes file, const DescriptorLocation& where, Findings& findings) {
    const std::uint64_t size = file.size();
    const std::uint64_t at = where.file_offset;
    ByteReader header(slice(file, at, kDescriptorHeaderSize, "TDVF descriptor header"), "TDVF descriptor header");
    TdvfDescriptor d;
    d.file_offset = at;
    d.legacy_pointer = where.legacy;
    d.signature = header.le32("Signature");
    if (d.signature != kTdvfSignature) {
        // QEMU: "Invalid TDVF signature in metadata!" - these bytes are not a
        // descriptor, so nothing after the signature means anything.
        findings.error("descriptor.signature",
                       "descriptor at file offset " + hex_u64(at) + ": Signature " + hex_u64(d.signature) + " is not \"TDVF\" (0x46564454)");
        return std::nullopt;
    }
    d.length = header.le32("Length");
    d.version = header.le32("Version");
    d.section_count = header.le32("NumberOfSectionEntries");
    d.metadata_guid_present = metadata_guid_before(file, at);

    // Entries are read only when all N fit in the file; validation reports
    // why they were not (descriptor.outside_file / sections_outside_file).
    const std::uint64_t entries_size = kSectionEntrySize * std::uint64_t{d.section_count};  // < 2^37
    if (size - at - kDescriptorHeaderSize < entries_size) return d;
    ByteReader r(slice(file, at + kDescriptorHeaderSize, entries_size, "TDVF section entries"), "TDVF section entries");
    d.sections.reserve(d.section_count);
    for (std::uint32_t i = 0; i < d.section_count; ++i) {
        TdvfSection s;
        s.data_offset = r.le32("DataOffset");
        s.raw_data_size = r.le32("RawDataSize");
        s.memory_address = r.le64("MemoryAddress");
        s.memory_data_size = r.le64("MemoryDataSize");
        s.type = r.le32("Type");
        s.attributes = r.le32("Attributes");
        d.sections.push_back(s);
    }
    return d;
}

}  // namespace tdx::ovmf::detail
