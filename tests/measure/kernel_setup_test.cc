// QEMU's x86_load_linux header patch on synthetic setup headers: every byte
// QEMU writes is checked, and every other byte must be untouched.
#include "tests/support/catch.h"

#include <string>
#include <vector>

#include "measure/kernel_setup.h"

using namespace tdx;

namespace {

constexpr std::uint64_t MiB = 1024 * 1024;
constexpr std::uint64_t GiB = 1024 * MiB;

struct KernelSpec {
    std::uint16_t protocol = 0x20F;
    std::uint8_t loadflags = 0x01;    // LOADED_HIGH
    std::uint16_t xloadflags = 0x7F;  // what Debian's 6.1 kernels carry
    std::uint32_t initrd_addr_max = 0x7FFFFFFF;
    std::uint8_t setup_sects = 4;
    std::size_t size = 0x4000;
    bool hdrs = true;
};

std::vector<std::uint8_t> make_kernel(const KernelSpec& k) {
    std::vector<std::uint8_t> b(k.size);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>((i * 37 + 11) % 253);
    b[0x1F1] = k.setup_sects;
    if (k.hdrs) {
        store_le32(b, 0x202, 0x53726448);
        store_le16(b, 0x206, k.protocol);
    } else {
        store_le32(b, 0x202, 0);
    }
    b[0x211] = k.loadflags;
    store_le32(b, 0x22C, k.initrd_addr_max);
    store_le16(b, 0x236, k.xloadflags);
    return b;
}

struct Expected {
    std::string name;
    std::uint64_t offset;
    std::uint32_t size;
    std::uint64_t value;
};

std::uint64_t le(const std::vector<std::uint8_t>& b, std::uint64_t off, std::uint32_t size) {
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < size; ++i) v |= std::uint64_t{b[off + i]} << (8 * i);
    return v;
}

// The patch wrote exactly `expected`, in QEMU's order, and nothing else.
void check_patch(const std::vector<std::uint8_t>& in, const PatchedKernel& out, const std::vector<Expected>& expected) {
    REQUIRE(out.bytes.size() == in.size());
    REQUIRE(out.fields.size() == expected.size());
    std::vector<bool> written(in.size(), false);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Expected& e = expected[i];
        const PatchedField& f = out.fields[i];
        INFO("field " << e.name);
        CHECK(f.name == e.name);
        CHECK(f.offset == e.offset);
        CHECK(f.size == e.size);
        CHECK(f.old_value == le(in, e.offset, e.size));
        CHECK(f.new_value == e.value);
        CHECK(le(out.bytes, e.offset, e.size) == e.value);
        for (std::uint32_t k = 0; k < e.size; ++k) written[e.offset + k] = true;
    }
    std::size_t changed_elsewhere = 0;
    for (std::size_t i = 0; i < in.size(); ++i)
        if (!written[i] && in[i] != out.bytes[i]) ++changed_elsewhere;
    CHECK(changed_elsewhere == 0);
}

PatchedKernel patch(const std::vector<std::uint8_t>& k, std::uint64_t ram, const std::string& cmdline, std::optional<std::uint64_t> initrd) {
    QemuKernelPatchInput in;
    in.below_4g_mem = q35_below_4g_mem(ram);
    in.cmdline = cmdline;
    in.initrd_size = initrd;
    return qemu_patch_kernel(Bytes(k.data(), k.size()), "vmlinuz", in);
}

}  // namespace

TEST_CASE("q35 below-4G memory: all RAM below 2.75 GiB, 2 GiB from 2.75 GiB on") {
    CHECK(q35_below_4g_mem(512 * MiB) == 512 * MiB);
    CHECK(q35_below_4g_mem(2 * GiB) == 2 * GiB);
    CHECK(q35_below_4g_mem(0xAFFFFFFF) == 0xAFFFFFFF);
    CHECK(q35_below_4g_mem(0xB0000000) == 2 * GiB);
    CHECK(q35_below_4g_mem(4 * GiB) == 2 * GiB);
    CHECK(q35_below_4g_mem(64 * GiB) == 2 * GiB);
}

TEST_CASE("read_setup_header reads the fields QEMU uses") {
    KernelSpec s;
    auto k = make_kernel(s);
    SetupHeader h = read_setup_header(Bytes(k.data(), k.size()), "vmlinuz");
    CHECK(h.has_hdrs);
    CHECK(h.protocol == 0x20F);
    CHECK(h.setup_sects == 4);
    CHECK(h.loadflags == 0x01);
    CHECK(h.xloadflags == 0x7F);
    CHECK(h.initrd_addr_max == 0x7FFFFFFF);
    CHECK(qemu_setup_size(h) == 5 * 512);
    h.setup_sects = 0;  // 0 means 4
    CHECK(qemu_setup_size(h) == 5 * 512);
    h.setup_sects = 39;
    CHECK(qemu_setup_size(h) == 40 * 512);

    s.protocol = 0x202;  // fields newer than the protocol are not read
    k = make_kernel(s);
    h = read_setup_header(Bytes(k.data(), k.size()), "vmlinuz");
    CHECK(h.initrd_addr_max == 0);
    CHECK(h.xloadflags == 0);
    s.hdrs = false;
    k = make_kernel(s);
    h = read_setup_header(Bytes(k.data(), k.size()), "vmlinuz");
    CHECK_FALSE(h.has_hdrs);
    CHECK(h.protocol == 0);
}

TEST_CASE("protocol 2.00: command line through cl_magic/cl_offset, no heap") {
    KernelSpec s;
    s.protocol = 0x200;
    auto k = make_kernel(s);
    // 13 characters: cmdline_size (13 + 16) & ~15 = 16, cmdline at 0x9a000 - 16.
    auto p = patch(k, 512 * MiB, "console=ttyS0", 0x100000);
    // initrd_max 0x37ffffff, clamped to 512 MiB - 0x28000 - 1 = 0x1ffd7fff.
    check_patch(k, p,
                {{"cl_magic", 0x20, 2, 0xA33F},
                 {"cl_offset", 0x22, 2, 0x9FF0},
                 {"type_of_loader", 0x210, 1, 0xB0},
                 {"ramdisk_image", 0x218, 4, 0x1FED7000},
                 {"ramdisk_size", 0x21C, 4, 0x100000}});
    CHECK(p.initrd_address == 0x1FED7000u);
}

TEST_CASE("protocol 2.01: CAN_USE_HEAP and a 2-byte heap_end_ptr below the command line") {
    KernelSpec s;
    s.protocol = 0x201;
    auto k = make_kernel(s);
    auto p = patch(k, 2 * GiB, "console=ttyS0", std::nullopt);
    check_patch(k, p,
                {{"cl_magic", 0x20, 2, 0xA33F},
                 {"cl_offset", 0x22, 2, 0x9FF0},
                 {"type_of_loader", 0x210, 1, 0xB0},
                 {"loadflags", 0x211, 1, 0x81},
                 {"heap_end_ptr", 0x224, 2, 0x9FF0 - 0x200}});
    CHECK_FALSE(p.initrd_address.has_value());
}

TEST_CASE("protocol 2.02 low kernel: cmd_line_ptr under 0x9a000, size rounded to 16 with the NUL") {
    KernelSpec s;
    s.protocol = 0x202;
    s.loadflags = 0x00;  // not LOADED_HIGH
    auto k = make_kernel(s);
    struct Case {
        std::string cmdline;
        std::uint32_t addr;
    };
    for (const Case& c : {Case{"", 0x99FF0}, Case{std::string(15, 'x'), 0x99FF0}, Case{std::string(16, 'x'), 0x99FE0},
                          Case{std::string(100, 'x'), 0x9A000 - 112}}) {
        INFO("cmdline length " << c.cmdline.size());
        auto p = patch(k, 512 * MiB, c.cmdline, 4096);
        check_patch(k, p,
                    {{"cmd_line_ptr", 0x228, 4, c.addr},
                     {"type_of_loader", 0x210, 1, 0xB0},
                     {"loadflags", 0x211, 1, 0x80},
                     {"heap_end_ptr", 0x224, 2, c.addr - 0x90000 - 0x200},
                     // protocol < 2.03: initrd_max 0x37ffffff, clamped below 512 MiB
                     {"ramdisk_image", 0x218, 4, (0x1FFD7FFF - 4096) & ~0xFFFu},
                     {"ramdisk_size", 0x21C, 4, 4096}});
    }
}

TEST_CASE("protocol 2.12 with XLF_CAN_BE_LOADED_ABOVE_4G: initrd just below the ACPI reserve") {
    KernelSpec s;
    s.protocol = 0x20C;
    s.xloadflags = 0x02;
    s.initrd_addr_max = 0x0FFFFFFF;  // ignored: bit 1 wins
    auto k = make_kernel(s);
    const std::uint64_t size = 0x123456;
    struct Case {
        std::uint64_t ram;
        std::uint64_t below;
    };
    for (const Case& c :
         {Case{512 * MiB, 512 * MiB}, Case{2 * GiB, 2 * GiB}, Case{0xA0000000, 0xA0000000}, Case{0xB0000000, 2 * GiB}, Case{4 * GiB, 2 * GiB}}) {
        INFO("RAM " << std::hex << c.ram);
        const std::uint64_t addr = (c.below - 0x28000 - 1 - size) & ~std::uint64_t{0xFFF};
        auto p = patch(k, c.ram, "console=ttyS0 root=/dev/vda", size);
        check_patch(k, p,
                    {{"cmd_line_ptr", 0x228, 4, 0x20000},
                     {"type_of_loader", 0x210, 1, 0xB0},
                     {"loadflags", 0x211, 1, 0x81},
                     {"heap_end_ptr", 0x224, 2, 0xFE00},
                     {"ramdisk_image", 0x218, 4, addr},
                     {"ramdisk_size", 0x21C, 4, size}});
        CHECK(p.initrd_address == addr);
    }
}

TEST_CASE("protocol 2.12 without bit 1 uses initrd_addr_max, even with XLF_5LEVEL (0x40) set") {
    KernelSpec s;
    s.protocol = 0x20C;
    s.xloadflags = 0x40 | 0x01;
    s.initrd_addr_max = 0x0FFFFFFF;
    auto k = make_kernel(s);
    auto p = patch(k, 4 * GiB, "", 0x10000);
    REQUIRE(p.fields.size() == 6);
    CHECK(p.fields[4].name == "ramdisk_image");
    CHECK(p.fields[4].new_value == ((0x0FFFFFFF - 0x10000) & ~0xFFFu));
    CHECK(p.initrd_address == 0x0FFEF000u);

    // initrd_addr_max above below-4G memory is clamped like any other limit.
    s.initrd_addr_max = 0x7FFFFFFF;
    k = make_kernel(s);
    CHECK(patch(k, 512 * MiB, "", 0x10000).initrd_address == ((0x1FFD7FFF - 0x10000) & ~0xFFFu));
    CHECK(patch(k, 0xA0000000, "", 0x10000).initrd_address == ((0x7FFFFFFF - 0x10000) & ~0xFFFu));
}

TEST_CASE("protocol 2.15 with xloadflags 0x7f, like Debian's kernels, at 512 MiB, 2, 2.75 and 4 GiB") {
    KernelSpec s;  // defaults: 0x20f, loadflags 0x01, xloadflags 0x7f
    auto k = make_kernel(s);
    const std::uint64_t size = 5 * MiB + 17;
    struct Case {
        std::uint64_t ram;
        std::uint32_t addr;
    };
    for (const Case& c : {Case{512 * MiB, 0x1FAD7000}, Case{2 * GiB, 0x7FAD7000}, Case{0xB0000000, 0x7FAD7000}, Case{4 * GiB, 0x7FAD7000}}) {
        INFO("RAM " << std::hex << c.ram);
        auto p = patch(k, c.ram, "console=ttyS0 panic=-1", size);
        check_patch(k, p,
                    {{"cmd_line_ptr", 0x228, 4, 0x20000},
                     {"type_of_loader", 0x210, 1, 0xB0},
                     {"loadflags", 0x211, 1, 0x81},
                     {"heap_end_ptr", 0x224, 2, 0xFE00},
                     {"ramdisk_image", 0x218, 4, c.addr},
                     {"ramdisk_size", 0x21C, 4, size}});
    }
    // Without an initrd only the first four fields are written.
    auto p = patch(k, 2 * GiB, "console=ttyS0", std::nullopt);
    check_patch(k, p,
                {{"cmd_line_ptr", 0x228, 4, 0x20000},
                 {"type_of_loader", 0x210, 1, 0xB0},
                 {"loadflags", 0x211, 1, 0x81},
                 {"heap_end_ptr", 0x224, 2, 0xFE00}});
}

TEST_CASE("an initrd that does not fit below initrd_max is refused, as QEMU exits") {
    KernelSpec s;
    auto k = make_kernel(s);
    const std::uint64_t max = 512 * MiB - 0x28000 - 1;
    CHECK(patch(k, 512 * MiB, "", max - 1).initrd_address == 0u);
    CHECK_THROWS_WITH(patch(k, 512 * MiB, "", max), TDX_CONTAINS("vmlinuz: initrd of 536707071 bytes is too large for QEMU (max 536707071"));
    CHECK_THROWS_AS(patch(k, 4 * GiB, "", 3 * GiB), Error);
}

TEST_CASE("vga= on the command line also writes vid_mode at 0x1fa") {
    KernelSpec s;
    auto k = make_kernel(s);
    struct Case {
        std::string cmdline;
        std::uint16_t mode;
    };
    for (const Case& c : {Case{"vga=791", 0x317}, Case{"quiet vga=0x317 x", 0x317}, Case{"vga=010", 8}, Case{"vga=normal", 0xFFFF},
                          Case{"vga=extended", 0xFFFE}, Case{"vga=ask", 0xFFFD}, Case{"vga=-1", 0xFFFF}, Case{"novga=3", 3}}) {
        INFO(c.cmdline);
        auto p = patch(k, 2 * GiB, c.cmdline, std::nullopt);
        check_patch(k, p,
                    {{"cmd_line_ptr", 0x228, 4, 0x20000},
                     {"vid_mode", 0x1FA, 2, c.mode},
                     {"type_of_loader", 0x210, 1, 0xB0},
                     {"loadflags", 0x211, 1, 0x81},
                     {"heap_end_ptr", 0x224, 2, 0xFE00}});
    }
    for (const char* bad : {"vga=", "vga=abc", "vga=12x", "vga=0x", "vga=4294967296", "vga=1\tquiet"}) {
        INFO(bad);
        CHECK_THROWS_WITH(patch(k, 2 * GiB, bad, std::nullopt), TDX_CONTAINS("QEMU rejects the 'vga=' kernel parameter"));
    }
}

TEST_CASE("images without HdrS are left alone by QEMU >= 10.0, patched at 0x20/0x22 before") {
    KernelSpec s;
    s.hdrs = false;
    auto k = make_kernel(s);
    auto p = patch(k, 2 * GiB, "console=ttyS0", std::nullopt);
    check_patch(k, p, {});

    QemuKernelPatchInput in;
    in.below_4g_mem = 2 * GiB;
    in.cmdline = "console=ttyS0";
    in.legacy_patch_without_hdrs = true;
    p = qemu_patch_kernel(Bytes(k.data(), k.size()), "uki.efi", in);
    check_patch(k, p, {{"cl_magic", 0x20, 2, 0xA33F}, {"cl_offset", 0x22, 2, 0x9FF0}});

    // QEMU refuses an initrd with protocol < 2.00, whatever the version.
    CHECK_THROWS_WITH(patch(k, 2 * GiB, "", 4096), TDX_CONTAINS("linux kernel too old to load a ram disk"));
}

TEST_CASE("files QEMU rejects: too short, setup larger than the file, NUL in the command line") {
    std::vector<std::uint8_t> tiny(1023, 0);
    CHECK_THROWS_WITH(read_setup_header(Bytes(tiny.data(), tiny.size()), "vmlinuz"),
                      TDX_CONTAINS("vmlinuz: 1023 bytes is too short for an x86 boot sector and setup header"));
    CHECK_THROWS_WITH(patch(tiny, 2 * GiB, "", std::nullopt), TDX_CONTAINS("vmlinuz: 1023 bytes is too short"));

    KernelSpec s;
    s.setup_sects = 39;  // 40 * 512 = 0x5000 > 0x4000
    auto k = make_kernel(s);
    CHECK_THROWS_WITH(patch(k, 2 * GiB, "", std::nullopt),
                      TDX_CONTAINS("vmlinuz: invalid kernel header for QEMU: setup_sects 39 means 20480 setup bytes, "
                                   "more than the 16384-byte file"));
    s.setup_sects = 0;  // means 4: 2560 bytes
    s.size = 2560;
    k = make_kernel(s);
    CHECK_NOTHROW(patch(k, 2 * GiB, "", std::nullopt));
    k.pop_back();
    CHECK_THROWS_WITH(patch(k, 2 * GiB, "", std::nullopt), TDX_CONTAINS("setup_sects 0 means 2560 setup bytes"));

    k = make_kernel(KernelSpec{});
    CHECK_THROWS_WITH(patch(k, 2 * GiB, std::string("a\0b", 3), std::nullopt), TDX_CONTAINS("NUL byte"));
}

TEST_CASE("kernel version string and the RTMR2 (Linux >= 6.9) rule") {
    std::vector<std::uint8_t> k(0x1000, 0);
    tdx::store_le32(k, 0x202, 0x53726448);
    tdx::store_le16(k, 0x206, 0x20f);
    tdx::store_le16(k, 0x20E, 0x300);
    const std::string v = "6.12.48+deb13-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP";
    std::copy(v.begin(), v.end(), k.begin() + 0x500);
    CHECK(tdx::kernel_version_string(tdx::Bytes(k.data(), k.size())) == v);
    CHECK(tdx::kernel_measures_rtmr2(v) == std::optional<bool>(true));
    CHECK(tdx::kernel_measures_rtmr2("6.8.0-45-generic") == std::optional<bool>(false));
    CHECK(tdx::kernel_measures_rtmr2("6.9.0") == std::optional<bool>(true));
    CHECK(tdx::kernel_measures_rtmr2("7.0.1") == std::optional<bool>(true));
    CHECK(tdx::kernel_measures_rtmr2("5.15.0") == std::optional<bool>(false));
    CHECK(!tdx::kernel_measures_rtmr2("garbage").has_value());
    // A version string is untrusted input: a sign or a number that does not
    // fit is unreadable, not a wrapped-around version.
    for (const char* bad : {"-1.0", "+6.9", " 6.9", "4294967302.0", "6.4294967305", "6", "6."}) {
        INFO(bad);
        CHECK(!tdx::kernel_measures_rtmr2(bad).has_value());
    }
    tdx::store_le16(k, 0x20E, 0xffff);  // points past the file: no string, no crash
    CHECK(tdx::kernel_version_string(tdx::Bytes(k.data(), k.size())).empty());
    tdx::store_le32(k, 0x202, 0);
    CHECK(tdx::kernel_version_string(tdx::Bytes(k.data(), k.size())).empty());
}
