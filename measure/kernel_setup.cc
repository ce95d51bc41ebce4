#include "measure/kernel_setup.h"

#include <charconv>
#include <sstream>
#include <string_view>

// Mirrors x86_load_linux() in QEMU's hw/i386/x86.c (later moved to
// hw/i386/x86-common.c). Read in qemu/qemu: the current x86-common.c, plus the
// qemu-devel patches that changed this function between 7.1 and 10.0 (RNG
// seed and its reverts, "x86/loader: only patch linux kernels"). OVMF's
// QemuKernelLoaderFsDxe rebuilds its "kernel" file from the fw_cfg items
// FW_CFG_SETUP_DATA + FW_CFG_KERNEL_DATA, and FW_CFG_SETUP_DATA carries
// QEMU's patched copy of the header, so these writes are what RTMR1 measures.
//
// What QEMU writes into the header for -kernel/-initrd/-append on pc/q35,
// 7.2.1 to 10.1: 0x228 cmd_line_ptr (or 0x20/0x22 below protocol 2.02),
// 0x1fa vid_mode (only when the command line contains "vga="), 0x210
// type_of_loader, 0x211 loadflags, 0x224 heap_end_ptr, 0x218 ramdisk_image
// and 0x21c ramdisk_size. Nothing else.
//
// setup_data at 0x250 is not among them:
//  - QEMU writes it for -dtb only (protocol >= 2.09), which this input does
//    not model.
//  - QEMU 7.1.0 to 7.2.0 also appended a random SETUP_RNG_SEED entry to the
//    kernel blob for machine types >= 7.1 (7.2.0 put the 0x250 pointer in only
//    when FW_CFG_SETUP_ADDR is selected, which OVMF never does, but the random
//    trailing bytes still changed the measured image on every boot). All of it
//    was reverted in 7.2.1 and 8.0.0 (e5e377e44bfa "Revert hw/i386: pass RNG
//    seed via setup_data entry" and six related reverts). Such a boot cannot
//    be predicted, so it is not modelled.
//  - The oracle boot in docs (Debian 12's QEMU 7.2 + OVMF + swtpm) matched with
//    exactly 0x210, 0x211, 0x224, 0x228, 0x218 and 0x21c patched.
// QEMU 10.2 (a7542a38f399) stops copying the patched header for confidential
// guests; callers choose the raw file then, this function is not involved.

namespace tdx {
namespace {

// Linux boot protocol offsets (Documentation/arch/x86/boot.rst).
constexpr std::uint64_t kCmdlineMagicOffset = 0x20;   // cl_magic, protocol < 2.02
constexpr std::uint64_t kCmdlineOffsetOffset = 0x22;  // cl_offset, protocol < 2.02
constexpr std::uint64_t kSetupSects = 0x1F1;
constexpr std::uint64_t kVidMode = 0x1FA;
constexpr std::uint64_t kHdrsMagicOffset = 0x202;
constexpr std::uint32_t kHdrsMagic = 0x53726448;  // "HdrS"
constexpr std::uint64_t kVersion = 0x206;
constexpr std::uint64_t kTypeOfLoader = 0x210;
constexpr std::uint64_t kLoadflags = 0x211;
constexpr std::uint64_t kRamdiskImage = 0x218;
constexpr std::uint64_t kRamdiskSize = 0x21C;
constexpr std::uint64_t kHeapEndPtr = 0x224;
constexpr std::uint64_t kCmdLinePtr = 0x228;
constexpr std::uint64_t kInitrdAddrMax = 0x22C;
constexpr std::uint64_t kXloadflags = 0x236;

constexpr std::uint8_t kLoadedHigh = 0x01;
constexpr std::uint8_t kCanUseHeap = 0x80;
constexpr std::uint16_t kXlfCanBeLoadedAbove4g = 0x02;  // XLF_CAN_BE_LOADED_ABOVE_4G (bit 1)
constexpr std::uint8_t kQemuLoaderType = 0xB0;          // high nybble B: QEMU

// The smallest file QEMU accepts: its setup is at least (1 + 1) * 512 bytes.
constexpr std::uint64_t kMinKernelSize = 1024;

// The "vga=" handling of x86_load_linux: the first "vga=" anywhere in the
// command line (strstr), then "normal"/"ext"/"ask" as prefixes, else a number
// parsed like qemu_strtoui(base 0) that must end the string or be followed by
// a space. QEMU exits on a bad value; so do we.
std::optional<std::uint16_t> vga_mode(const std::string& cmdline, const std::string& name) {
    const std::size_t at = cmdline.find("vga=");
    if (at == std::string::npos) return std::nullopt;
    std::string_view v = std::string_view(cmdline).substr(at + 4);
    if (v.starts_with("normal")) return 0xFFFF;
    if (v.starts_with("ext")) return 0xFFFE;
    if (v.starts_with("ask")) return 0xFFFD;

    auto bad = [&]() -> std::string {
        return name + ": QEMU rejects the 'vga=' kernel parameter in the command line (\"" + std::string(v) + "\" is not a number)";
    };
    std::size_t i = 0;
    while (i < v.size() && (v[i] == ' ' || (v[i] >= '\t' && v[i] <= '\r'))) ++i;  // strtoull skips isspace
    bool negative = false;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) negative = v[i++] == '-';
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'z') return c - 'a' + 10;
        if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
        return 99;
    };
    unsigned base = 10;
    if (i < v.size() && v[i] == '0') {
        if (i + 2 < v.size() && (v[i + 1] == 'x' || v[i + 1] == 'X') && digit(v[i + 2]) < 16) {
            base = 16;
            i += 2;
        } else {
            base = 8;
        }
    }
    const std::size_t first = i;
    std::uint64_t value = 0;
    for (; i < v.size() && static_cast<unsigned>(digit(v[i])) < base; ++i) {
        value = value * base + static_cast<unsigned>(digit(v[i]));
        if (value > 0xFFFFFFFFu) fail(bad());  // ERANGE in qemu_strtoui
    }
    if (i == first) fail(bad());  // no digits: EINVAL
    if (i < v.size() && v[i] != ' ') fail(bad());
    // qemu_strtoui accepts -1 .. -UINT_MAX and wraps them modulo 2^32;
    // stw_le_p then keeps the low 16 bits.
    const std::uint32_t u = negative ? static_cast<std::uint32_t>(0u - static_cast<std::uint32_t>(value)) : static_cast<std::uint32_t>(value);
    return static_cast<std::uint16_t>(u & 0xFFFF);
}

// Applies and records QEMU's header writes; with `copy` false QEMU computes
// them but does not pass the header on, so they are dropped.
class HeaderWriter {
public:
    HeaderWriter(PatchedKernel& out, bool copy) : out_(out), copy_(copy) {}

    void u8(const char* field, std::uint64_t offset, std::uint8_t v) {
        if (!copy_) return;
        record(field, offset, 1, load_u8(bytes(), offset, field), v);
        out_.bytes[offset] = v;
    }
    void le16(const char* field, std::uint64_t offset, std::uint16_t v) {
        if (!copy_) return;
        record(field, offset, 2, load_le16(bytes(), offset, field), v);
        store_le16(out_.bytes, offset, v);
    }
    void le32(const char* field, std::uint64_t offset, std::uint32_t v) {
        if (!copy_) return;
        record(field, offset, 4, load_le32(bytes(), offset, field), v);
        store_le32(out_.bytes, offset, v);
    }

private:
    Bytes bytes() const { return Bytes(out_.bytes.data(), out_.bytes.size()); }
    void record(const char* field, std::uint64_t offset, std::uint32_t size, std::uint64_t old_value, std::uint64_t new_value) {
        out_.fields.push_back({field, offset, size, old_value, new_value});
    }
    PatchedKernel& out_;
    bool copy_;
};

}  // namespace

SetupHeader read_setup_header(Bytes kernel, const std::string& name) {
    if (kernel.size() < kMinKernelSize) {
        fail(name + ": " + std::to_string(kernel.size()) + " bytes is too short for an x86 boot sector and setup header (QEMU needs at least " +
             std::to_string(kMinKernelSize) + ")");
    }
    SetupHeader h;
    h.setup_sects = load_u8(kernel, kSetupSects, "setup_sects");
    h.has_hdrs = load_le32(kernel, kHdrsMagicOffset, "header magic") == kHdrsMagic;
    if (!h.has_hdrs) return h;
    h.protocol = load_le16(kernel, kVersion, "boot protocol version");
    h.loadflags = load_u8(kernel, kLoadflags, "loadflags");
    if (h.protocol >= 0x203) h.initrd_addr_max = load_le32(kernel, kInitrdAddrMax, "initrd_addr_max");
    if (h.protocol >= 0x20C) h.xloadflags = load_le16(kernel, kXloadflags, "xloadflags");
    return h;
}

std::uint64_t qemu_setup_size(const SetupHeader& header) {
    const std::uint64_t sects = header.setup_sects == 0 ? 4 : header.setup_sects;
    return (sects + 1) * 512;
}

// pc_q35_init(): lowmem is 0xB0000000, lowered to 2 GiB when RAM reaches
// 0xB0000000, and all of RAM is below 4 GiB when it is smaller than lowmem.
std::uint64_t q35_below_4g_mem(std::uint64_t ram_size) {
    const std::uint64_t lowmem = ram_size >= 0xB0000000u ? 0x80000000u : 0xB0000000u;
    return ram_size >= lowmem ? lowmem : ram_size;
}

PatchedKernel qemu_patch_kernel(Bytes kernel, const std::string& name, const QemuKernelPatchInput& input) {
    const SetupHeader h = read_setup_header(kernel, name);
    const std::uint16_t protocol = h.protocol;  // QEMU: 0 without "HdrS"
    if (input.cmdline.find('\0') != std::string::npos)
        fail(name + ": the kernel command line contains a NUL byte, which QEMU's -append cannot carry");

    // QEMU's real-mode layout. "Low" kernels (protocol < 2.00 or loadflags
    // without LOADED_HIGH) and "high but ancient" ones (< 2.02) put the
    // command line under 0x9a000; the cmdline size is strlen + 1 rounded up
    // to 16 ("(strlen + 16) & ~15").
    const std::uint64_t cmdline_size = (input.cmdline.size() + 16) & ~std::uint64_t{15};
    std::uint64_t real_addr = 0x90000, cmdline_addr = 0x9A000 - cmdline_size;
    if (protocol >= 0x202 && (h.loadflags & kLoadedHigh) != 0) {
        real_addr = 0x10000;
        cmdline_addr = 0x20000;
    }

    // Highest initrd address, then QEMU's clamp below the ACPI reserve.
    std::uint32_t initrd_max = 0x37FFFFFF;
    if (protocol >= 0x20C && (h.xloadflags & kXlfCanBeLoadedAbove4g) != 0) {
        initrd_max = 0xFFFFFFFF;
    } else if (protocol >= 0x203) {
        initrd_max = h.initrd_addr_max;
    }
    if (input.below_4g_mem <= kQemuAcpiDataSize) {
        fail(name + ": below-4G memory " + hex_u64(input.below_4g_mem) + " does not exceed QEMU's ACPI reserve " + hex_u64(kQemuAcpiDataSize));
    }
    if (initrd_max >= input.below_4g_mem - kQemuAcpiDataSize)
        initrd_max = static_cast<std::uint32_t>(input.below_4g_mem - kQemuAcpiDataSize - 1);

    PatchedKernel out;
    out.bytes.assign(kernel.begin(), kernel.end());
    // QEMU >= 10.0 (and 9.1.3, 9.2.1) copies the patched header only when
    // protocol > 0; earlier versions copied it for any image.
    HeaderWriter w(out, protocol > 0 || input.legacy_patch_without_hdrs);

    if (protocol >= 0x202) {
        w.le32("cmd_line_ptr", kCmdLinePtr, static_cast<std::uint32_t>(cmdline_addr));
    } else {
        w.le16("cl_magic", kCmdlineMagicOffset, 0xA33F);
        w.le16("cl_offset", kCmdlineOffsetOffset, static_cast<std::uint16_t>((cmdline_addr - real_addr) & 0xFFFF));
    }
    if (auto mode = vga_mode(input.cmdline, name)) w.le16("vid_mode", kVidMode, *mode);
    if (protocol >= 0x200) w.u8("type_of_loader", kTypeOfLoader, kQemuLoaderType);
    if (protocol >= 0x201) {
        w.u8("loadflags", kLoadflags, static_cast<std::uint8_t>(h.loadflags | kCanUseHeap));
        w.le16("heap_end_ptr", kHeapEndPtr, static_cast<std::uint16_t>((cmdline_addr - real_addr - 0x200) & 0xFFFF));
    }

    if (input.initrd_size) {
        const std::uint64_t initrd_size = *input.initrd_size;
        if (protocol < 0x200)
            fail(name +
                 ": QEMU refuses an initrd for this kernel: linux kernel too old to load a ram disk (boot "
                 "protocol " +
                 hex_u64(protocol) + ")");
        if (initrd_size >= initrd_max) {
            fail(name + ": initrd of " + std::to_string(initrd_size) + " bytes is too large for QEMU (max " + std::to_string(initrd_max) +
                 " below " + hex_u64(input.below_4g_mem) + " of below-4G memory)");
        }
        const std::uint64_t initrd_addr = (initrd_max - initrd_size) & ~std::uint64_t{4095};
        w.le32("ramdisk_image", kRamdiskImage, static_cast<std::uint32_t>(initrd_addr));
        w.le32("ramdisk_size", kRamdiskSize, static_cast<std::uint32_t>(initrd_size));
        out.initrd_address = initrd_addr;
    }

    // QEMU splits the file into setup and kernel and exits when the setup
    // would be larger than the file ("invalid kernel header").
    const std::uint64_t setup_size = qemu_setup_size(h);
    if (setup_size > kernel.size()) {
        fail(name + ": invalid kernel header for QEMU: setup_sects " + std::to_string(h.setup_sects) + " means " + std::to_string(setup_size) +
             " setup bytes, more than the " + std::to_string(kernel.size()) + "-byte file");
    }
    return out;
}

}  // namespace tdx

namespace tdx {

std::string kernel_version_string(Bytes kernel) {
    if (kernel.size() < 0x210) return {};
    if (load_le32(kernel, 0x202, "HdrS") != 0x53726448 || load_le16(kernel, 0x206, "version") < 0x200) return {};
    const std::uint64_t ptr = load_le16(kernel, 0x20E, "kernel_version");
    if (ptr == 0) return {};
    const std::uint64_t start = ptr + 0x200;
    std::string s;
    for (std::uint64_t i = start; i < kernel.size() && i < start + 256 && kernel[i] != 0; ++i) s.push_back(static_cast<char>(kernel[i]));
    return s;
}

std::optional<bool> kernel_measures_rtmr2(const std::string& version) {
    // Digits only: sscanf's %u also took a sign and wrapped numbers that do not
    // fit ("-1.0" read as a new kernel, "4294967302.0" as 6.0).
    unsigned major = 0, minor = 0;
    const char* end = version.data() + version.size();
    const auto [dot, major_error] = std::from_chars(version.data(), end, major);
    if (major_error != std::errc() || dot == end || *dot != '.') return std::nullopt;
    if (std::from_chars(dot + 1, end, minor).ec != std::errc()) return std::nullopt;
    return major > 6 || (major == 6 && minor >= 9);
}

}  // namespace tdx
