// Synthetic kernel modules for tests: the smallest ELF64 relocatable that
// kmod's modinfo and our reader accept (an ELF header, .text, .modinfo and
// the section name table, then the section header table), and the three
// compressions distributions ship modules in, produced in-process.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "tests/support/catch.h"

namespace tdx::test {

// Where the fixture puts things, so tests can damage them on purpose.
struct KoLayout {
    static constexpr std::uint64_t kModinfoOffset = 64;
    static constexpr std::uint64_t kShoffField = 0x28, kShnumField = 0x3C, kShstrndxField = 0x3E;
    static constexpr std::uint64_t kSectionCount = 7;  // null, .text, .modinfo, .shstrtab, .symtab, .strtab, __ksymtab_strings
    static constexpr std::uint64_t kModinfoIndex = 2, kSymtabIndex = 4;
};

// Symbols: what the module imports (undefined, in this order) and exports
// (as the "__ksymtab_<name>" symbols EXPORT_SYMBOL leaves).
struct KoSymbols {
    std::vector<std::string> undefined;
    std::vector<std::string> exported;
};

// `modinfo` strings, each written with its NUL, plus `padding` extra NULs
// after the first one (modpost aligns some entries).
inline std::vector<std::uint8_t> make_ko(const std::vector<std::string>& modinfo, std::size_t padding = 0, const KoSymbols& symbols = {}) {
    std::vector<std::uint8_t> info;
    for (std::size_t i = 0; i < modinfo.size(); ++i) {
        info.insert(info.end(), modinfo[i].begin(), modinfo[i].end());
        info.push_back(0);
        if (i == 0) info.insert(info.end(), padding, 0);
    }
    const std::string names("\0.text\0.modinfo\0.shstrtab\0.symtab\0.strtab\0__ksymtab_strings\0", 60);
    const std::vector<std::uint8_t> text(16, 0xc3);
    std::string strtab(1, '\0');
    std::vector<std::uint8_t> symtab(24, 0);  // the null symbol
    const auto symbol = [&](const std::string& name, std::uint8_t info_byte, std::uint16_t shndx) {
        tdx::append_le(symtab, strtab.size(), 4);
        symtab.push_back(info_byte);
        symtab.push_back(0);
        tdx::append_le(symtab, shndx, 2);
        tdx::append_le(symtab, 0, 16);  // st_value, st_size
        strtab += name;
        strtab.push_back('\0');
    };
    std::string ksymtab_strings;  // what kmod reads a module's exports from
    for (const auto& e : symbols.exported) {
        symbol("__ksymtab_" + e, 0x01, 1);  // local object in .text
        ksymtab_strings += e + std::string(1, '\0');
    }
    for (const auto& u : symbols.undefined) symbol(u, 0x10, 0);  // global, SHN_UNDEF

    // Byte by byte: g++ 12's -Warray-bounds misfires on range inserts here.
    std::vector<std::uint8_t> f(64, 0);
    const auto append = [&](const auto& bytes) {
        for (auto b : bytes) f.push_back(static_cast<std::uint8_t>(b));
    };
    const std::uint64_t info_off = f.size();
    append(info);
    const std::uint64_t names_off = f.size();
    append(names);
    const std::uint64_t text_off = f.size();
    append(text);
    while (f.size() % 8) f.push_back(0);
    const std::uint64_t symtab_off = f.size();
    append(symtab);
    const std::uint64_t strtab_off = f.size();
    append(strtab);
    const std::uint64_t ksymtab_strings_off = f.size();
    append(ksymtab_strings);
    while (f.size() % 8) f.push_back(0);
    const std::uint64_t shoff = f.size();

    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    std::copy(std::begin(ident), std::end(ident), f.begin());
    tdx::store_le16(f, 16, 1);   // e_type ET_REL
    tdx::store_le16(f, 18, 62);  // e_machine x86-64
    tdx::store_le32(f, 20, 1);   // e_version
    tdx::store_le64(f, KoLayout::kShoffField, shoff);
    tdx::store_le16(f, 52, 64);  // e_ehsize
    tdx::store_le16(f, 58, 64);  // e_shentsize
    tdx::store_le16(f, KoLayout::kShnumField, static_cast<std::uint16_t>(KoLayout::kSectionCount));
    tdx::store_le16(f, KoLayout::kShstrndxField, 3);

    const auto section = [&](std::uint32_t name, std::uint32_t type, std::uint64_t flags, std::uint64_t off, std::uint64_t size,
                             std::uint32_t link = 0, std::uint64_t entsize = 0, std::uint32_t info_field = 0) {
        tdx::append_le(f, name, 4);
        tdx::append_le(f, type, 4);
        tdx::append_le(f, flags, 8);
        tdx::append_le(f, 0, 8);  // sh_addr
        tdx::append_le(f, off, 8);
        tdx::append_le(f, size, 8);
        tdx::append_le(f, link, 4);
        tdx::append_le(f, info_field, 4);
        tdx::append_le(f, 1, 8);  // sh_addralign
        tdx::append_le(f, entsize, 8);
    };
    section(0, 0, 0, 0, 0);
    section(1, 1, 6, text_off, text.size());     // .text PROGBITS, ALLOC|EXECINSTR
    section(7, 1, 2, info_off, info.size());     // .modinfo PROGBITS, ALLOC
    section(16, 3, 0, names_off, names.size());  // .shstrtab STRTAB
    // .symtab: names in section 5; sh_info is the first global symbol.
    section(26, 2, 0, symtab_off, symtab.size(), 5, 24, static_cast<std::uint32_t>(1 + symbols.exported.size()));
    section(34, 3, 0, strtab_off, strtab.size());                    // .strtab STRTAB
    section(42, 1, 2, ksymtab_strings_off, ksymtab_strings.size());  // __ksymtab_strings PROGBITS, ALLOC
    return f;
}

// A module as modpost would describe it.
// Each module exports "<name>_fn" and, unless `symbols` says otherwise,
// imports "<dep>_fn" from each dependency in depends= order.
inline std::vector<std::uint8_t> make_module(const std::string& name, const std::string& depends,
                                             const std::string& vermagic = "6.1.0-test SMP preempt mod_unload modversions ",
                                             const std::vector<std::string>& extra = {}, std::optional<KoSymbols> symbols = std::nullopt) {
    std::vector<std::string> info{"license=GPL", "alias=fixture:" + name};
    info.insert(info.end(), extra.begin(), extra.end());
    info.push_back("depends=" + depends);
    info.push_back("name=" + name);
    info.push_back("vermagic=" + vermagic);
    if (!symbols) {
        symbols = KoSymbols{{"printk"}, {name + "_fn"}};
        for (std::size_t at = 0; at < depends.size();) {
            std::size_t comma = depends.find(',', at);
            if (comma == std::string::npos) comma = depends.size();
            if (comma > at) symbols->undefined.push_back(depends.substr(at, comma - at) + "_fn");
            at = comma + 1;
        }
    }
    return make_ko(info, 0, *symbols);
}

// xz with a CRC32 check, as the kernel's module build writes it.
inline std::vector<std::uint8_t> xz_compress(const std::vector<std::uint8_t>& in) {
    std::vector<std::uint8_t> out(lzma_stream_buffer_bound(in.size()));
    std::size_t pos = 0;
    REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, nullptr, in.data(), in.size(), out.data(), &pos, out.size()) == LZMA_OK);
    out.resize(pos);
    return out;
}

// gzip or zstd through libarchive's raw writer.
inline std::vector<std::uint8_t> archive_compress(const std::vector<std::uint8_t>& in, bool zstd) {
    struct archive* a = archive_write_new();
    REQUIRE(archive_write_set_format_raw(a) == ARCHIVE_OK);
    REQUIRE((zstd ? archive_write_add_filter_zstd(a) : archive_write_add_filter_gzip(a)) == ARCHIVE_OK);
    archive_write_set_bytes_in_last_block(a, 1);
    std::vector<std::uint8_t> buf(in.size() + 65536);
    std::size_t used = 0;
    REQUIRE(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "module");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, static_cast<la_int64_t>(in.size()));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, in.data(), in.size()) == static_cast<la_ssize_t>(in.size()));
    archive_entry_free(e);
    REQUIRE(archive_write_close(a) == ARCHIVE_OK);
    archive_write_free(a);
    buf.resize(used);
    return buf;
}
inline std::vector<std::uint8_t> gzip_compress(const std::vector<std::uint8_t>& in) { return archive_compress(in, false); }
inline std::vector<std::uint8_t> zstd_compress(const std::vector<std::uint8_t>& in) { return archive_compress(in, true); }

inline std::vector<std::uint8_t> bytes_of(const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); }

}  // namespace tdx::test
