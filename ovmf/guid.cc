// GUIDs in the on-disk (EFI_GUID) byte order, the GUIDs that mark OVMF's
// GUIDed table and the TDX metadata, and short names for the table entries
// edk2 emits. The table entries are the ones edk2's
// OvmfPkg/ResetVector/Ia16/ResetVectorVtf0.asm (.nasm.inc in newer trees)
// places before the table footer.
#include <cstddef>
#include <string>

#include "base/digest.h"
#include "ovmf/tdvf.h"
#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf {
namespace {

// Text groups 1-3 are little-endian integers on disk (EFI_GUID Data1, Data2,
// Data3); groups 4-5 are a byte array kept in text order. kTextIndex[i] is
// the byte of the text (counted in hex pairs, dashes skipped) stored at disk
// offset i.
constexpr std::size_t kTextIndex[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

}  // namespace

Guid Guid::parse(const std::string& text) {
    // 8-4-4-4-12 hex digits.
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-')
        fail("GUID \"" + text + "\" is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    std::uint8_t in_text_order[16]{};
    std::size_t nibbles = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) continue;  // the dashes checked above
        int v = tdx::hex_digit_value(text[i]);
        if (v < 0) fail("GUID \"" + text + "\" has a non-hex digit");
        std::uint8_t& b = in_text_order[nibbles / 2];
        b = static_cast<std::uint8_t>(nibbles % 2 == 0 ? v << 4 : b | v);
        ++nibbles;
    }
    Guid g;
    for (std::size_t i = 0; i < 16; ++i) g.bytes[i] = in_text_order[kTextIndex[i]];
    return g;
}

std::string Guid::to_string() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (std::size_t t = 0; t < 16; ++t) {
        // kTextIndex is its own inverse (a set of swaps), so it maps text
        // position to disk offset as well.
        std::uint8_t b = bytes[kTextIndex[t]];
        if (t == 4 || t == 6 || t == 8 || t == 10) s += '-';
        s += kDigits[b >> 4];
        s += kDigits[b & 0xf];
    }
    return s;
}

Guid footer_guid() { return Guid::parse("96b582de-1fb2-45f7-baea-a366c55a082d"); }
Guid tdx_metadata_offset_guid() { return Guid::parse("e47a6535-984a-4798-865e-4685a7bf8ec2"); }
Guid tdx_metadata_guid() { return Guid::parse("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae"); }

std::string guid_table_entry_name(const Guid& g) {
    struct Known {
        const char* text;
        const char* name;
    };
    // Text forms as commented in edk2's ResetVectorVtf0 sources and
    // IntelTdxMetadata.asm; the byte forms there match Guid::parse.
    static const Known kKnown[] = {
        {"96b582de-1fb2-45f7-baea-a366c55a082d", "table footer"},         {"e47a6535-984a-4798-865e-4685a7bf8ec2", "TDX metadata offset"},
        {"e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae", "TDX metadata"},         {"dc886566-984a-4798-a75e-5585a7bf67cc", "SEV metadata offset"},
        {"7255371f-3a3b-4b04-927b-1da6efa8d454", "SEV hash table block"}, {"4c2eb361-7d9b-4cc3-8081-127c90d3d294", "SEV secret block"},
        {"00f771de-1a7e-4fcb-890e-68c77e2fb44e", "SEV-ES reset block"},   {"784fa70e-3176-4677-8a20-04b68699e374", "IGVM metadata offset"},
    };
    for (const Known& k : kKnown)
        if (Guid::parse(k.text) == g) return k.name;
    return "";
}

std::string section_type_name(std::uint32_t type) {
    // Names of the TDVF design guide / td-shim specification.
    switch (type) {
        case 0: return "BFV";
        case 1: return "CFV";
        case 2: return "TD_HOB";
        case 3: return "TEMP_MEM";
        case 4: return "PERM_MEM";
        case 5: return "PAYLOAD";
        case 6: return "PAYLOAD_PARAM";
        case 7: return "TD_INFO";
        case 8: return "TD_PARAMS";
        default: return "UNKNOWN(" + std::to_string(type) + ")";
    }
}

}  // namespace tdx::ovmf
