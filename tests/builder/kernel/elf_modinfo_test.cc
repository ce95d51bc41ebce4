#include "tests/support/catch.h"

#include "builder/kernel/elf_modinfo.h"
#include "tests/builder/kernel/ko_fixture.h"
#include "tests/support/error_of.h"

using namespace tdx::builder;
using namespace tdx::test;

namespace {
const std::vector<std::string> kInfo{"license=GPL",          "alias=virtio:d*v*", "alias=acpi*:INTC0001:*",
                                     "depends=tsm,configfs", "name=tdx_guest",    "vermagic=6.12.1 SMP preempt mod_unload "};

std::string modinfo_error(const std::vector<std::uint8_t>& ko) {
    return error_of([&] { read_modinfo(ko, "x/tdx-guest.ko"); });
}
}  // namespace

TEST_CASE("modinfo strings come back in file order, padding dropped, keys repeated", "[modinfo]") {
    const auto ko = make_ko(kInfo, 5);
    const auto info = read_modinfo(ko, "tdx-guest.ko");
    CHECK(info == kInfo);
    CHECK(modinfo_values(info, "alias") == std::vector<std::string>{"virtio:d*v*", "acpi*:INTC0001:*"});
    CHECK(modinfo_values(info, "depends") == std::vector<std::string>{"tsm,configfs"});
    CHECK(modinfo_values(info, "vermagic") == std::vector<std::string>{"6.12.1 SMP preempt mod_unload "});
    CHECK(modinfo_values(info, "name") == std::vector<std::string>{"tdx_guest"});
    // A key is matched whole: "depends" is no prefix match for "dep".
    CHECK(modinfo_values(info, "dep").empty());
    CHECK(modinfo_values({"depends=", "novalue"}, "depends") == std::vector<std::string>{""});
    CHECK(modinfo_values({"novalue"}, "novalue").empty());
}

TEST_CASE("a module signature after the ELF data does not matter", "[modinfo]") {
    auto ko = make_ko(kInfo);
    const std::string sig = std::string(40, '\x55') + "~Module signature appended~\n";
    ko.insert(ko.end(), sig.begin(), sig.end());
    CHECK(read_modinfo(ko, "m.ko") == kInfo);
}

TEST_CASE("extended section numbering: the count in section 0", "[modinfo]") {
    auto ko = make_ko(kInfo);
    const std::uint64_t shoff = tdx::load_le64(ko, KoLayout::kShoffField, "shoff");
    tdx::store_le16(ko, KoLayout::kShnumField, 0);
    tdx::store_le64(ko, shoff + 32, KoLayout::kSectionCount);  // section 0 sh_size
    tdx::store_le16(ko, KoLayout::kShstrndxField, 0xffff);
    tdx::store_le32(ko, shoff + 40, 3);  // section 0 sh_link
    CHECK(read_modinfo(ko, "m.ko") == kInfo);
}

TEST_CASE("the last modinfo string may lack its NUL", "[modinfo]") {
    auto ko = make_ko({"license=GPL", "name=x"});
    // Shrink .modinfo's size by one so its data ends at "name=x" without the NUL.
    const std::uint64_t shoff = tdx::load_le64(ko, KoLayout::kShoffField, "shoff");
    const std::uint64_t size_at = shoff + KoLayout::kModinfoIndex * 64 + 32;
    tdx::store_le64(ko, size_at, tdx::load_le64(ko, size_at, "size") - 1);
    CHECK(read_modinfo(ko, "m.ko") == std::vector<std::string>{"license=GPL", "name=x"});
}

TEST_CASE("bad modules are errors naming the module and the problem", "[modinfo]") {
    const auto good = make_ko(kInfo);
    const std::uint64_t shoff = tdx::load_le64(good, KoLayout::kShoffField, "shoff");

    CHECK(modinfo_error(bytes_of("#!/bin/sh\necho not a module\n")) == "x/tdx-guest.ko: not an ELF file (no \\x7fELF magic)");
    CHECK(modinfo_error({0x7f, 'E', 'L', 'F', 2, 1}) == "x/tdx-guest.ko: truncated ELF header (6 bytes)");

    auto v = good;
    v[4] = 1;
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: not a 64-bit ELF file (EI_CLASS 1)");
    v = good;
    v[5] = 2;
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: not a little-endian ELF file (EI_DATA 2)");
    v = good;
    tdx::store_le16(v, 16, 2);
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: not a relocatable object (e_type 2), so not a kernel module");
    v = good;
    tdx::store_le64(v, KoLayout::kShoffField, 0);
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: no section header table");

    // The section header table cut off.
    v.assign(good.begin(), good.end() - 10);
    CHECK(modinfo_error(v).find("x/tdx-guest.ko: section header table: range") == 0);

    // .modinfo pointing past the end of the file.
    v = good;
    tdx::store_le64(v, shoff + KoLayout::kModinfoIndex * 64 + 24, good.size());
    CHECK(modinfo_error(v).find("x/tdx-guest.ko: .modinfo section: range") == 0);

    // No section called .modinfo: rename it in the name table.
    v = good;
    const std::uint64_t names_at = tdx::load_le64(good, shoff + 3 * 64 + 24, "names");
    v[names_at + 8] = 'X';  // ".modinfo" -> ".modXnfo"
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: no .modinfo section");

    // A section name offset outside the name table.
    v = good;
    tdx::store_le32(v, shoff + 1 * 64, 1000);
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: section name offset 1000 lies outside the section name table");

    v = good;
    tdx::store_le16(v, KoLayout::kShstrndxField, 9);
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: section name table index 9 is not below the section count 7");

    v = good;
    tdx::store_le32(v, shoff + KoLayout::kModinfoIndex * 64 + 4, 8);  // SHT_NOBITS
    CHECK(modinfo_error(v) == "x/tdx-guest.ko: .modinfo section has no data");
}

TEST_CASE("every truncation of a module is a clean error", "[modinfo]") {
    const auto good = make_ko(kInfo);
    // The section header table is last, so no proper prefix is a valid module.
    for (std::size_t n = 0; n < good.size(); ++n) {
        const std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
        INFO("prefix of " << n << " bytes");
        CHECK(modinfo_error(cut).rfind("x/tdx-guest.ko: ", 0) == 0);
    }
}

TEST_CASE("module symbols: imports in symbol table order, exports by __ksymtab_", "[modinfo]") {
    const auto ko = make_ko(kInfo, 0, {{"tsm_report_register", "printk", "configfs_register_subsystem"}, {"tdx_mcall_get_report0"}});
    const auto s = read_module_symbols(ko, "tdx-guest.ko");
    CHECK(s.undefined == std::vector<std::string>{"tsm_report_register", "printk", "configfs_register_subsystem"});
    CHECK(s.exported == std::vector<std::string>{"tdx_mcall_get_report0"});
    // The same export from __ksymtab_strings alone.
    auto only_strings = ko;
    const std::uint64_t at = tdx::load_le64(ko, KoLayout::kShoffField, "shoff") + KoLayout::kSymtabIndex * 64;
    const std::uint64_t strtab_at = tdx::load_le64(ko, at + 64 + 24, "strtab");
    only_strings[strtab_at + 1 + 2] = 'X';  // "__ksymtab_tdx..." -> "__Xsymtab_tdx..."
    CHECK(read_module_symbols(only_strings, "m.ko").exported == std::vector<std::string>{"tdx_mcall_get_report0"});

    const std::uint64_t shoff = tdx::load_le64(ko, KoLayout::kShoffField, "shoff");
    auto v = ko;
    tdx::store_le32(v, shoff + KoLayout::kSymtabIndex * 64 + 4, 1);  // no longer SHT_SYMTAB
    CHECK(error_of([&] { read_module_symbols(v, "m.ko"); }) == "m.ko: no symbol table");
    v = ko;
    tdx::store_le32(v, shoff + KoLayout::kSymtabIndex * 64 + 40, 77);  // sh_link
    CHECK(error_of([&] { read_module_symbols(v, "m.ko"); }) == "m.ko: symbol table links to section 77, which does not exist");
    v = ko;
    tdx::store_le64(v, shoff + KoLayout::kSymtabIndex * 64 + 32, 1 << 20);  // sh_size
    CHECK(error_of([&] { read_module_symbols(v, "m.ko"); }).rfind("m.ko: symbol table: range", 0) == 0);
}
