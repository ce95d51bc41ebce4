#include "measure/acpi_loader.h"

#include <cstring>

#include "base/error.h"
#include "tests/support/catch.h"

using namespace tdx;

namespace {

// Builds loader scripts command by command, with the packed layout of QEMU's
// BiosLinkerLoaderEntry.
struct ScriptBuilder {
    std::vector<std::uint8_t> bytes;
    std::uint8_t* add(std::uint32_t type) {
        bytes.resize(bytes.size() + kAcpiLoaderCommandSize, 0);
        std::uint8_t* c = bytes.data() + bytes.size() - kAcpiLoaderCommandSize;
        put32(c, type);
        return c;
    }
    static void put32(std::uint8_t* p, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    static void name(std::uint8_t* p, const std::string& n) { std::memcpy(p, n.data(), n.size()); }
    void allocate(const std::string& file, std::uint32_t align, std::uint8_t zone) {
        auto* c = add(1);
        name(c + 4, file);
        put32(c + 60, align);
        c[64] = zone;
    }
    void pointer(const std::string& dst, const std::string& src, std::uint32_t off, std::uint8_t size) {
        auto* c = add(2);
        name(c + 4, dst);
        name(c + 60, src);
        put32(c + 116, off);
        c[120] = size;
    }
    void checksum(const std::string& file, std::uint32_t off, std::uint32_t start, std::uint32_t len) {
        auto* c = add(3);
        name(c + 4, file);
        put32(c + 60, off);
        put32(c + 64, start);
        put32(c + 68, len);
    }
    void pad_to(std::size_t n) { bytes.resize(n, 0); }
    Bytes view() const { return Bytes(bytes.data(), bytes.size()); }
};

}  // namespace

TEST_CASE("the loader script yields the ALLOCATE order, padding skipped") {
    ScriptBuilder s;
    s.allocate("etc/acpi/rsdp", 16, 2);
    s.allocate("etc/tpm/log", 64, 1);
    s.allocate("etc/acpi/tables", 64, 1);
    s.checksum("etc/acpi/tables", 0x49, 0x40, 0x1000);
    s.pointer("etc/acpi/rsdp", "etc/acpi/tables", 16, 4);
    s.allocate("etc/acpi/tables", 64, 1);  // a repeated ALLOCATE is listed once
    s.pad_to(4096);
    AcpiLoaderScript script = parse_acpi_loader(s.view(), "table-loader");
    CHECK(script.allocated_files == std::vector<std::string>{"etc/acpi/rsdp", "etc/tpm/log", "etc/acpi/tables"});
    REQUIRE(script.commands.size() == 6);
    CHECK(script.commands[0].alignment == 16);
    CHECK(script.commands[0].zone == 2);
    CHECK(script.commands[3].type == AcpiLoaderCommand::Type::AddChecksum);
    CHECK(script.commands[3].offset == 0x49);
    CHECK(script.commands[3].length == 0x1000);
    CHECK(script.commands[4].source_file == "etc/acpi/tables");
    CHECK(script.commands[4].offset == 16);
    CHECK(script.commands[4].size == 4);
}

TEST_CASE("unknown loader commands are skipped as OVMF skips them") {
    ScriptBuilder s;
    s.allocate("etc/acpi/rsdp", 16, 2);
    s.add(0x77);
    CHECK(parse_acpi_loader(s.view(), "x").commands.size() == 1);
}

TEST_CASE("malformed loader scripts are rejected with the offset and the problem") {
    SECTION("size not a multiple of 128") {
        std::vector<std::uint8_t> b(130, 0);
        CHECK_THROWS_WITH(parse_acpi_loader(Bytes(b.data(), b.size()), "loader"), TDX_CONTAINS("multiple of the 128-byte"));
    }
    SECTION("pointer into a file never allocated") {
        ScriptBuilder s;
        s.allocate("etc/acpi/rsdp", 16, 2);
        s.pointer("etc/acpi/rsdp", "etc/acpi/tables", 16, 4);
        CHECK_THROWS_WITH(parse_acpi_loader(s.view(), "loader"),
                          TDX_CONTAINS("offset 0x80") && TDX_CONTAINS("\"etc/acpi/tables\" was not allocated"));
    }
    SECTION("unterminated name") {
        ScriptBuilder s;
        auto* c = s.add(1);
        std::memset(c + 4, 'a', 56);
        CHECK_THROWS_WITH(parse_acpi_loader(s.view(), "loader"), TDX_CONTAINS("not NUL-terminated"));
    }
    SECTION("empty name") {
        ScriptBuilder s;
        s.add(1);
        CHECK_THROWS_WITH(parse_acpi_loader(s.view(), "loader"), TDX_CONTAINS("empty file name"));
    }
}

TEST_CASE("a script of many commands costs time linear in its length, not commands x files") {
    // 100000 ALLOCATEs of distinct files, then 100000 pointers into the last
    // one: checking each pointer against a list of the allocated files would
    // take 10^10 comparisons (an 80000-command script took 18 s that way), so
    // a quadratic check would run into ctest's timeout. No timing is asserted:
    // sanitizers and loaded machines make any bound either flaky or useless.
    ScriptBuilder s;
    constexpr int kFiles = 100000;
    for (int i = 0; i < kFiles; ++i) s.allocate("etc/f" + std::to_string(i), 64, 1);
    for (int i = 0; i < kFiles; ++i) s.pointer("etc/f0", "etc/f" + std::to_string(kFiles - 1), 0, 4);
    const AcpiLoaderScript script = parse_acpi_loader(s.view(), "loader");
    CHECK(script.allocated_files.size() == kFiles);
    CHECK(script.commands.size() == 2 * kFiles);
}
