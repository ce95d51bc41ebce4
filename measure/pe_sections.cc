#include "measure/pe_sections.h"

namespace tdx {

PeSectionHeader decode_pe_section_header(Bytes header, const std::string& what) {
    ByteReader r(header, what);
    PeSectionHeader s;
    for (std::uint8_t c : r.bytes(8, "Name")) {
        if (c == 0) break;
        s.name.push_back(static_cast<char>(c));
    }
    s.virtual_size = r.le32("VirtualSize");
    s.virtual_address = r.le32("VirtualAddress");
    s.size_of_raw_data = r.le32("SizeOfRawData");
    s.pointer_to_raw_data = r.le32("PointerToRawData");
    r.skip(12, "relocation and line-number fields");
    s.characteristics = r.le32("Characteristics");
    return s;
}

std::vector<PeSectionHeader> read_pe_section_headers(Bytes image, const std::string& name) {
    return with_context(name, [&] {
        const bool has_mz = image.size() >= 2 && image[0] == 'M' && image[1] == 'Z';
        const std::uint64_t pe = has_mz ? load_le32(image, 0x3c, "DOS e_lfanew") : 0;
        if (load_le32(image, pe, "PE signature") != 0x00004550) fail("no \"PE\\0\\0\" signature at " + hex_u64(pe));
        const std::uint64_t file_header = checked_add(pe, 4, "COFF file header");
        const std::uint16_t count = load_le16(image, file_header + 2, "NumberOfSections");
        const std::uint16_t optional_size = load_le16(image, file_header + 16, "SizeOfOptionalHeader");
        const std::uint64_t table = checked_add(file_header + 20, optional_size, "section table");
        const Bytes entries = slice(image, table, 40ull * count, "section table");
        std::vector<PeSectionHeader> out;
        out.reserve(count);
        for (std::uint16_t i = 0; i < count; ++i)
            out.push_back(decode_pe_section_header(entries.subspan(40u * i, 40), "section " + std::to_string(i)));
        return out;
    });
}

}  // namespace tdx
