// fw_cfg over qtest without QEMU: the directory format, the DMA descriptor,
// DMA and port reads, and the chipset programming, against a small model of
// a q35 machine that speaks the qtest protocol.
#include "tests/support/catch.h"

#include <array>
#include <map>
#include <sstream>

#include "base/digest.h"
#include "base/error.h"
#include "qemu/acpi_dump.h"
#include "qemu/fw_cfg_reader.h"

using namespace tdx::builder;

namespace {

std::vector<std::uint8_t> be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
}

void append(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& more) { out.insert(out.end(), more.begin(), more.end()); }

std::vector<std::uint8_t> dir_entry(std::uint32_t size, std::uint16_t select, const std::string& name) {
    std::vector<std::uint8_t> e = be32(size);
    e.push_back(static_cast<std::uint8_t>(select >> 8));
    e.push_back(static_cast<std::uint8_t>(select));
    e.push_back(0);
    e.push_back(0);
    std::vector<std::uint8_t> n(56, 0);
    std::copy(name.begin(), name.end(), n.begin());
    append(e, n);
    return e;
}

std::uint64_t number(const std::string& s) { return std::stoull(s, nullptr, 0); }

// A q35 machine as qtest shows it: PCI config space of the MCH and the LPC
// bridge through 0xcf8/0xcfc, guest RAM, and a fw_cfg device with ports and
// DMA. Selecting etc/table-loader "builds" the ACPI blobs: it records the
// PCIEXBAR value at that moment and grows etc/acpi/tables, like QEMU's
// lazy build that resizes the file.
class FakeQ35 : public LineChannel {
public:
    explicit FakeQ35(bool dma, std::uint32_t host_bridge = 0x29c08086) : dma_(dma), ram_(4 << 20) {
        set32(mch(), 0, host_bridge);
        set32(lpc(), 0, 0x29188086);
        set32(lpc(), 0x40, 1);  // PMBASE: bit 0 reads as 1 (I/O space)
        items_[0x00] = {'Q', 'E', 'M', 'U'};
        items_[0x01] = {static_cast<std::uint8_t>(dma ? 3 : 1), 0, 0, 0};
    }

    void add_file(const std::string& name, std::vector<std::uint8_t> bytes) {
        std::uint16_t sel = static_cast<std::uint16_t>(0x20 + names_.size());
        names_.push_back(name);
        items_[sel] = std::move(bytes);
        rebuild_dir();
    }

    void send_line(const std::string& line) override {
        commands.push_back(line);
        std::istringstream in(line);
        std::string verb, a, b, c;
        in >> verb >> a >> b >> c;
        reply_ = "OK";
        if (verb == "outb" || verb == "outw" || verb == "outl")
            out(verb[3], static_cast<std::uint16_t>(number(a)), static_cast<std::uint32_t>(number(b)));
        else if (verb == "inb" || verb == "inw" || verb == "inl")
            reply_ = "OK " + tdx::hex_u64(in_port(verb[2], static_cast<std::uint16_t>(number(a))));
        else if (verb == "read") {
            std::uint64_t at = number(a), n = number(b);
            reply_ = "OK 0x" + tdx::to_hex(tdx::Bytes(ram_.data() + at, n));
        } else if (verb == "write") {
            std::uint64_t at = number(a), n = number(b);
            for (std::uint64_t i = 0; i < n; ++i) ram_[at + i] = static_cast<std::uint8_t>(std::stoul(c.substr(2 + 2 * i, 2), nullptr, 16));
        } else
            reply_ = "FAIL Unknown command '" + verb + "'";
    }
    std::string read_line() override { return reply_; }

    std::uint32_t reg32(unsigned dev, unsigned reg) const {
        const auto& s = config_.at(dev);
        return s[reg] | s[reg + 1] << 8 | s[reg + 2] << 16 | static_cast<std::uint32_t>(s[reg + 3]) << 24;
    }
    static constexpr unsigned mch() { return 0; }
    static constexpr unsigned lpc() { return 0x1f << 3; }

    std::vector<std::string> commands;
    std::optional<std::uint32_t> pciexbar_at_build;
    bool fail_dma = false;

private:
    void set32(unsigned dev, unsigned reg, std::uint32_t v) {
        auto& s = config_[dev];
        for (unsigned i = 0; i < 4; ++i) s[reg + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    void rebuild_dir() {
        std::vector<std::uint8_t> d = be32(static_cast<std::uint32_t>(names_.size()));
        for (std::size_t i = 0; i < names_.size(); ++i) {
            std::uint16_t sel = static_cast<std::uint16_t>(0x20 + i);
            append(d, dir_entry(static_cast<std::uint32_t>(items_[sel].size()), sel, names_[i]));
        }
        items_[0x19] = d;
    }
    void select(std::uint16_t sel) {
        selected_ = sel;
        offset_ = 0;
        if (sel >= 0x20 && names_.at(sel - 0x20U) == "etc/table-loader" && !pciexbar_at_build) {
            pciexbar_at_build = reg32(mch(), 0x60);
            for (std::size_t i = 0; i < names_.size(); ++i)
                if (names_[i] == "etc/acpi/tables") items_[static_cast<std::uint16_t>(0x20 + i)].resize(200, 0xaa);
            rebuild_dir();
        }
    }
    std::uint8_t next_byte() {
        const auto& item = items_[selected_];
        return offset_ < item.size() ? item[offset_++] : 0;
    }
    void out(char width, std::uint16_t port, std::uint32_t v) {
        if (port == 0xcf8 && width == 'l') cf8_ = v;
        else if (port >= 0xcfc && port < 0xd00) {
            unsigned dev = (cf8_ >> 8) & 0xff, reg = (cf8_ & 0xfc) + (port - 0xcfcU);
            unsigned n = width == 'b' ? 1 : width == 'w' ? 2 : 4;
            for (unsigned i = 0; i < n; ++i) config_[dev][reg + i] = static_cast<std::uint8_t>(v >> (8 * i));
            if (dev == lpc() && reg == 0x40) config_[dev][0x40] |= 1;
        } else if (port == 0x510 && width == 'w')
            select(static_cast<std::uint16_t>(v));
        else if (port == 0x514 && width == 'l')
            dma_high_ = __builtin_bswap32(v);
        else if (port == 0x518 && width == 'l')
            dma(std::uint64_t{dma_high_} << 32 | __builtin_bswap32(v));
    }
    std::uint32_t in_port(char width, std::uint16_t port) {
        if (port >= 0xcfc && port < 0xd00) {
            unsigned dev = (cf8_ >> 8) & 0xff, reg = (cf8_ & 0xfc) + (port - 0xcfcU);
            if (!config_.count(dev)) return width == 'b' ? 0xff : 0xffffffff;
            std::uint32_t v = reg32(dev, reg & 0xfc) >> (8 * (reg & 3));
            return width == 'b' ? (v & 0xff) : width == 'w' ? (v & 0xffff) : v;
        }
        if (port == 0x511 && width == 'b') return next_byte();
        return 0;
    }
    void dma(std::uint64_t at) {
        if (!dma_) return;
        auto rd = [&](std::uint64_t o, int n) {
            std::uint64_t v = 0;
            for (int i = 0; i < n; ++i) v = v << 8 | ram_[at + o + static_cast<std::uint64_t>(i)];
            return v;
        };
        std::uint32_t control = static_cast<std::uint32_t>(rd(0, 4));
        std::uint32_t length = static_cast<std::uint32_t>(rd(4, 4));
        std::uint64_t address = rd(8, 8);
        if (control & 8) select(static_cast<std::uint16_t>(control >> 16));
        if (control & 2)
            for (std::uint32_t i = 0; i < length; ++i) ram_[address + i] = next_byte();
        std::uint32_t result = fail_dma ? 1 : 0;
        for (int i = 0; i < 4; ++i) ram_[at + static_cast<std::uint64_t>(i)] = static_cast<std::uint8_t>(result >> (24 - 8 * i));
    }

    bool dma_;
    std::vector<std::uint8_t> ram_;
    std::map<unsigned, std::array<std::uint8_t, 256>> config_;
    std::map<std::uint16_t, std::vector<std::uint8_t>> items_;
    std::vector<std::string> names_;
    std::uint16_t selected_ = 0;
    std::size_t offset_ = 0;
    std::uint32_t cf8_ = 0, dma_high_ = 0;
    std::string reply_;
};

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 9));
    return v;
}

// A loader script: ALLOCATE rsdp (FSEG), ALLOCATE tables (high), one pointer,
// zero-padded to 4096 bytes as QEMU pads it.
std::vector<std::uint8_t> loader_script() {
    std::vector<std::uint8_t> s(4096, 0);
    auto put_name = [&](std::size_t at, const std::string& n) { std::copy(n.begin(), n.end(), s.begin() + static_cast<long>(at)); };
    s[0] = 1;
    put_name(4, "etc/acpi/rsdp");
    s[60] = 16;
    s[64] = 2;
    s[128] = 1;
    put_name(128 + 4, "etc/acpi/tables");
    s[128 + 60] = 64;
    s[128 + 64] = 1;
    s[256] = 2;
    put_name(256 + 4, "etc/acpi/rsdp");
    put_name(256 + 60, "etc/acpi/tables");
    s[256 + 116] = 16;
    s[256 + 120] = 4;
    return s;
}

}  // namespace

TEST_CASE("fw_cfg directory: big-endian count and 64-byte entries") {
    std::vector<std::uint8_t> d = be32(2);
    append(d, dir_entry(0x20000, 0x25, "etc/acpi/tables"));
    append(d, dir_entry(20, 0x0123, "etc/acpi/rsdp"));
    auto files = parse_fw_cfg_directory(tdx::Bytes(d.data(), d.size()));
    REQUIRE(files.size() == 2);
    CHECK(files[0].name == "etc/acpi/tables");
    CHECK(files[0].size == 0x20000);
    CHECK(files[0].select == 0x25);
    CHECK(files[1].name == "etc/acpi/rsdp");
    CHECK(files[1].select == 0x123);

    SECTION("truncated") {
        d.resize(d.size() - 1);
        CHECK_THROWS_WITH(parse_fw_cfg_directory(tdx::Bytes(d.data(), d.size())), TDX_CONTAINS("entry 1"));
    }
    SECTION("name without NUL") {
        std::fill(d.begin() + 4 + 8, d.begin() + 4 + 64, std::uint8_t{'x'});
        CHECK_THROWS_WITH(parse_fw_cfg_directory(tdx::Bytes(d.data(), d.size())), TDX_CONTAINS("entry 0: name is not NUL-terminated"));
    }
    SECTION("empty name") {
        std::fill(d.begin() + 4 + 8, d.begin() + 4 + 64, std::uint8_t{0});
        CHECK_THROWS_WITH(parse_fw_cfg_directory(tdx::Bytes(d.data(), d.size())), TDX_CONTAINS("empty name"));
    }
    SECTION("absurd count") {
        std::vector<std::uint8_t> big = be32(0x100000);
        CHECK_THROWS_WITH(parse_fw_cfg_directory(tdx::Bytes(big.data(), big.size())), TDX_CONTAINS("more than QEMU ever offers"));
    }
    SECTION("no count at all") { CHECK_THROWS(parse_fw_cfg_directory(tdx::Bytes(d.data(), 3))); }
}

TEST_CASE("fw_cfg DMA descriptor: big-endian control, length, address, select in the top half of control") {
    CHECK(fw_cfg_dma_read_control(std::uint16_t{0x25}) == 0x0025000a);
    CHECK(fw_cfg_dma_read_control(std::nullopt) == 0x02);
    auto d = fw_cfg_dma_descriptor(0x0025000a, 0x20000, 0x101000);
    CHECK(d == std::array<std::uint8_t, 16>{0x00, 0x25, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x10, 0x00});
    auto hi = fw_cfg_dma_descriptor(0, 0, 0x0123456789abcdefULL);
    CHECK(hi[8] == 0x01);
    CHECK(hi[15] == 0xef);
}

TEST_CASE("FwCfgReader reads files through DMA (in 1 MiB chunks) and through the data port when DMA is absent") {
    const auto small = pattern(4096, 3), big = pattern((1u << 20) + 12345, 9);
    for (bool dma : {true, false}) {
        INFO("dma " << dma);
        FakeQ35 m(dma);
        m.add_file("etc/table-loader", small);
        if (dma) m.add_file("etc/big", big);
        QtestClient q(m);
        FwCfgReader r(q, kScratchAddress);
        CHECK(r.dma() == dma);
        CHECK(r.read_file("etc/table-loader") == small);
        if (dma) CHECK(r.read_file("etc/big") == big);
        CHECK_THROWS_WITH(r.read_file("etc/nope"), TDX_CONTAINS("fw_cfg has no file 'etc/nope'"));
        bool used_dma = std::any_of(m.commands.begin(), m.commands.end(), [](const std::string& c) { return c.rfind("outl 0x518 ", 0) == 0; });
        CHECK(used_dma == dma);
        if (dma) {
            // The address register gets the byte-swapped descriptor address.
            CHECK(std::find(m.commands.begin(), m.commands.end(), "outl 0x518 0x1000") != m.commands.end());
        }
    }
}

TEST_CASE("FwCfgReader reports a DMA transfer that sets the error bit and a device without the QEMU signature") {
    FakeQ35 m(true);
    m.add_file("etc/x", pattern(100, 1));
    QtestClient q(m);
    FwCfgReader r(q, kScratchAddress);
    m.fail_dma = true;
    CHECK_THROWS_WITH(r.read_file("etc/x"), TDX_CONTAINS("fw_cfg DMA read"));

    class Silent : public LineChannel {
    public:
        void send_line(const std::string& l) override { last = l; }
        std::string read_line() override { return last.rfind("in", 0) == 0 ? "OK 0xff" : "OK"; }
        std::string last;
    } silent;
    QtestClient q2(silent);
    CHECK_THROWS_WITH(FwCfgReader(q2, kScratchAddress), TDX_CONTAINS("no QEMU signature"));
}

TEST_CASE("the q35 chipset is programmed as OVMF does: PMBASE, ACPI enable, RCBA, then PCIEXBAR") {
    FakeQ35 m(true);
    QtestClient q(m);
    program_q35_like_ovmf(q, 0xe0000000);
    CHECK(m.reg32(FakeQ35::lpc(), 0x40) == 0x601);
    CHECK((m.reg32(FakeQ35::lpc(), 0x04) & 1) == 1);
    CHECK((m.reg32(FakeQ35::lpc(), 0x44) & 0x80) == 0x80);
    CHECK(m.reg32(FakeQ35::lpc(), 0xf0) == 0xfed1c001);
    CHECK(m.reg32(FakeQ35::mch(), 0x60) == 0xe0000001);
    CHECK(m.reg32(FakeQ35::mch(), 0x64) == 0);
    // PCIEXBAR is disabled before its high half changes, and enabled last.
    auto first_mch_write = std::find(m.commands.begin(), m.commands.end(), "outl 0xcf8 0x80000060");
    REQUIRE(first_mch_write != m.commands.end());
    CHECK(*std::next(first_mch_write) == "outl 0xcfc 0x0");
    CHECK(m.commands.back() == "outl 0xcfc 0xe0000001");

    CHECK(pci_config_address(0, 0x1f, 0, 0x44) == 0x8000f844);
    CHECK_THROWS_WITH(check_pciexbar_base(0xb8000000), TDX_CONTAINS("multiple of 256 MiB"));
    CHECK_THROWS(check_pciexbar_base(0));
    CHECK_THROWS(check_pciexbar_base(0x1000000000ULL));
    CHECK_NOTHROW(check_pciexbar_base(0xb0000000));

    FakeQ35 pc(true, 0x12378086);
    QtestClient qpc(pc);
    CHECK_THROWS_WITH(program_q35_like_ovmf(qpc, 0xb0000000), TDX_CONTAINS("8086:1237") && TDX_CONTAINS("only q35"));
}

TEST_CASE("fetch_acpi_blobs: loader first, then ALLOCATE order, sizes read after the build, chipset programmed before it") {
    FakeQ35 m(true);
    m.add_file("etc/acpi/tables", pattern(100, 5));
    m.add_file("etc/acpi/rsdp", pattern(20, 7));
    m.add_file("etc/table-loader", loader_script());
    m.add_file("etc/e820", pattern(40, 1));
    QtestClient q(m);
    auto blobs = fetch_acpi_blobs(q, 0xb0000000);
    REQUIRE(blobs.size() == 3);
    CHECK(blobs[0].name == "etc/table-loader");
    CHECK(blobs[0].bytes == loader_script());
    CHECK(blobs[1].name == "etc/acpi/rsdp");
    CHECK(blobs[1].bytes == pattern(20, 7));
    CHECK(blobs[2].name == "etc/acpi/tables");
    CHECK(blobs[2].bytes.size() == 200);  // the size after the build resized it
    CHECK(m.pciexbar_at_build == 0xb0000001u);

    FakeQ35 no_acpi(true);
    no_acpi.add_file("etc/e820", pattern(40, 1));
    QtestClient q2(no_acpi);
    CHECK_THROWS_WITH(fetch_acpi_blobs(q2, 0xb0000000), TDX_CONTAINS("ACPI is off"));
}

TEST_CASE("acpi dump option checks: refused QEMU options, accelerator detection, blob paths") {
    CHECK_NOTHROW(check_machine_options({"-machine", "q35", "-m", "1G", "-smp", "2", "-nographic", "-append", "-S"}));
    CHECK_THROWS_WITH(check_machine_options({"-machine", "q35", "-S"}), TDX_CONTAINS("'-S'") && TDX_CONTAINS("already starts"));
    CHECK_THROWS_WITH(check_machine_options({"--daemonize"}), TDX_CONTAINS("'-daemonize'"));
    CHECK_THROWS_WITH(check_machine_options({"-qtest", "stdio"}), TDX_CONTAINS("own qtest connection"));
    CHECK_THROWS_WITH(check_machine_options({"-incoming", "defer"}), TDX_CONTAINS("freshly started"));
    CHECK_THROWS_WITH(check_machine_options({"disk.img"}), TDX_CONTAINS("'disk.img' is not an option"));
    CHECK_NOTHROW(check_machine_options({"-m"}));  // QEMU reports the missing value

    using V = std::vector<std::string>;
    CHECK(added_qemu_options({"-machine", "q35"}) == V{"-S", "-display", "none", "-accel", "tcg"});
    CHECK(added_qemu_options({"-machine", "q35,accel=kvm"}) == V{"-S", "-display", "none"});
    CHECK(added_qemu_options({"-M", "type=q35,accel=tcg"}) == V{"-S", "-display", "none"});
    CHECK(added_qemu_options({"-enable-kvm", "-M", "q35"}) == V{"-S", "-display", "none"});
    CHECK(added_qemu_options({"--accel", "kvm"}) == V{"-S", "-display", "none"});
    // A value that merely mentions accel= is not a -machine option.
    CHECK(added_qemu_options({"-append", "accel=kvm", "-name", "-machine"}).size() == 5);

    CHECK_NOTHROW(check_blob_path("etc/acpi/tables"));
    CHECK_THROWS(check_blob_path("/etc/passwd"));
    CHECK_THROWS(check_blob_path("etc/../../x"));
    CHECK_THROWS(check_blob_path("etc//x"));
    CHECK_THROWS(check_blob_path(""));
}
