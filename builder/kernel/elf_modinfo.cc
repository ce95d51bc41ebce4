#include "builder/kernel/elf_modinfo.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "base/error.h"

namespace tdx::builder {
namespace {

// ELF64 header and section header fields (System V gABI, "ELF Header" and
// "Sections"); offsets are from the start of each structure.
constexpr std::uint64_t kElfHeaderSize = 64;
constexpr std::uint64_t kShoff = 0x28, kShentsize = 0x3A, kShnum = 0x3C, kShstrndx = 0x3E;
constexpr std::uint64_t kShName = 0, kShType = 4, kShOffset = 24, kShSize = 32, kShLink = 40;
constexpr std::uint64_t kSectionHeaderSize = 64;
constexpr std::uint16_t kEtRel = 1;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint16_t kShnXindex = 0xffff;

struct Section {
    std::uint32_t name = 0;
    std::uint32_t type = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t link = 0;
};

Section read_section(Bytes table, std::uint64_t index, std::uint64_t entsize) {
    const std::uint64_t base = checked_mul(index, entsize, "section header offset");
    Section s;
    s.name = load_le32(table, base + kShName, "section header sh_name");
    s.type = load_le32(table, base + kShType, "section header sh_type");
    s.offset = load_le64(table, base + kShOffset, "section header sh_offset");
    s.size = load_le64(table, base + kShSize, "section header sh_size");
    s.link = load_le32(table, base + kShLink, "section header sh_link");
    return s;
}

// The NUL-terminated string at `offset` of a string table section.
std::string table_string(Bytes strtab, std::uint32_t offset) {
    if (offset >= strtab.size()) fail("section name offset " + std::to_string(offset) + " lies outside the section name table");
    std::string out;
    for (std::size_t i = offset; i < strtab.size(); ++i) {
        if (strtab[i] == 0) return out;
        out.push_back(static_cast<char>(strtab[i]));
    }
    fail("section name at offset " + std::to_string(offset) + " is not NUL-terminated");
}

struct Elf {
    Bytes data;
    Bytes table;  // section header table
    std::uint64_t count = 0;
    std::uint16_t entsize = 0;
    Bytes names;  // section name table
    Section section(std::uint64_t i) const { return read_section(table, i, entsize); }
    std::string name_of(const Section& s) const { return table_string(names, s.name); }
};

Elf open_elf(Bytes ko) {
    if (ko.size() < 4 || ko[0] != 0x7f || ko[1] != 'E' || ko[2] != 'L' || ko[3] != 'F') fail("not an ELF file (no \\x7fELF magic)");
    if (ko.size() < kElfHeaderSize) fail("truncated ELF header (" + std::to_string(ko.size()) + " bytes)");
    if (ko[4] != 2) fail("not a 64-bit ELF file (EI_CLASS " + std::to_string(ko[4]) + ")");
    if (ko[5] != 1) fail("not a little-endian ELF file (EI_DATA " + std::to_string(ko[5]) + ")");
    const std::uint16_t type = load_le16(ko, 16, "e_type");
    if (type != kEtRel) fail("not a relocatable object (e_type " + std::to_string(type) + "), so not a kernel module");

    Elf elf;
    elf.data = ko;
    const std::uint64_t shoff = load_le64(ko, kShoff, "e_shoff");
    elf.entsize = load_le16(ko, kShentsize, "e_shentsize");
    elf.count = load_le16(ko, kShnum, "e_shnum");
    std::uint64_t strndx = load_le16(ko, kShstrndx, "e_shstrndx");
    if (shoff == 0) fail("no section header table");
    if (elf.entsize < kSectionHeaderSize) fail("section header size " + std::to_string(elf.entsize) + " is below 64");
    // More than 0xff00 sections: the real count and name table index live in
    // section 0 (gABI "extended section numbering").
    if (elf.count == 0 || strndx == kShnXindex) {
        const Section zero = read_section(slice(ko, shoff, elf.entsize, "section header 0"), 0, elf.entsize);
        if (elf.count == 0) elf.count = zero.size;
        if (strndx == kShnXindex) strndx = zero.link;
    }
    elf.table = slice(ko, shoff, checked_mul(elf.count, elf.entsize, "section header table size"), "section header table");
    if (strndx >= elf.count)
        fail("section name table index " + std::to_string(strndx) + " is not below the section count " + std::to_string(elf.count));
    const Section names = elf.section(strndx);
    if (names.type == kShtNobits) fail("section name table has no data");
    elf.names = slice(ko, names.offset, names.size, "section name table");
    return elf;
}

std::vector<std::string> modinfo_strings(Bytes ko) {
    const Elf elf = open_elf(ko);
    for (std::uint64_t i = 0; i < elf.count; ++i) {
        const Section s = elf.section(i);
        if (elf.name_of(s) != ".modinfo") continue;
        if (s.type == kShtNobits) fail(".modinfo section has no data");
        const Bytes data = slice(ko, s.offset, s.size, ".modinfo section");
        std::vector<std::string> out;
        std::string current;
        for (std::uint8_t b : data) {
            if (b != 0) {
                current.push_back(static_cast<char>(b));
            } else if (!current.empty()) {
                out.push_back(std::move(current));
                current.clear();
            }
        }
        if (!current.empty()) out.push_back(std::move(current));  // a last string without its NUL
        return out;
    }
    fail("no .modinfo section");
}

// Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value
// u64, st_size u64.
constexpr std::uint64_t kSymSize = 24;
constexpr std::uint32_t kShtSymtab = 2;

void add_export(ModuleSymbols& out, std::string name) {
    if (!name.empty() && std::find(out.exported.begin(), out.exported.end(), name) == out.exported.end())
        out.exported.push_back(std::move(name));
}

// Exports show up three ways, depending on the kernel's version and
// options: "__ksymtab_<name>" symbols, "__crc_<name>" symbols (modversions,
// which kmod reads first) and the NUL-separated __ksymtab_strings section
// (kmod's fallback). All three are taken.
ModuleSymbols symbols(Bytes ko) {
    const Elf elf = open_elf(ko);
    ModuleSymbols out;
    bool have_symtab = false;
    for (std::uint64_t i = 0; i < elf.count; ++i) {
        const Section s = elf.section(i);
        if (s.type == kShtNobits) continue;
        if (s.type != kShtSymtab) {
            if (elf.name_of(s) != "__ksymtab_strings") continue;
            std::string current;
            for (std::uint8_t b : slice(ko, s.offset, s.size, "__ksymtab_strings section")) {
                if (b != 0) current.push_back(static_cast<char>(b));
                else
                    add_export(out, std::exchange(current, {}));
            }
            add_export(out, current);
            continue;
        }
        if (have_symtab) fail("more than one symbol table");
        have_symtab = true;
        if (s.link >= elf.count) fail("symbol table links to section " + std::to_string(s.link) + ", which does not exist");
        const Section str = elf.section(s.link);
        if (str.type == kShtNobits) fail("symbol string table has no data");
        const Bytes strtab = slice(ko, str.offset, str.size, "symbol string table");
        const Bytes syms = slice(ko, s.offset, s.size, "symbol table");
        for (std::uint64_t at = 0; at + kSymSize <= syms.size(); at += kSymSize) {
            const std::uint32_t name_at = load_le32(syms, at, "st_name");
            if (name_at == 0) continue;
            const std::string name = table_string(strtab, name_at);
            if (load_le16(syms, at + 6, "st_shndx") == 0) out.undefined.push_back(name);
            else if (name.rfind("__ksymtab_", 0) == 0)
                add_export(out, name.substr(10));
            else if (name.rfind("__crc_", 0) == 0)
                add_export(out, name.substr(6));
        }
    }
    if (!have_symtab) fail("no symbol table");
    return out;
}

}  // namespace

std::vector<std::string> read_modinfo(Bytes ko, const std::string& name) {
    return with_context(name, [&] { return modinfo_strings(ko); });
}

ModuleSymbols read_module_symbols(Bytes ko, const std::string& name) {
    return with_context(name, [&] { return symbols(ko); });
}

std::vector<std::string> modinfo_values(const std::vector<std::string>& modinfo, std::string_view key) {
    std::vector<std::string> out;
    for (const std::string& entry : modinfo) {
        if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 && entry[key.size()] == '=')
            out.push_back(entry.substr(key.size() + 1));
    }
    return out;
}

}  // namespace tdx::builder
