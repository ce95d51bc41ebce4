// The x86 Linux boot protocol setup header of a bzImage, and the patch QEMU
// (up to 10.1) applies to it before handing the kernel to OVMF through fw_cfg
// (hw/i386/x86-common.c, x86_load_linux). OVMF measures the patched bytes, so
// the RTMR1 kernel digest depends on the command line length class, the
// initrd size and the below-4G RAM size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"

namespace tdx {

struct SetupHeader {
    bool has_hdrs = false;       // "HdrS" magic at 0x202
    std::uint16_t protocol = 0;  // 0 when there is no HdrS
    std::uint8_t setup_sects = 0;
    std::uint8_t loadflags = 0;
    std::uint16_t xloadflags = 0;       // protocol >= 0x20C
    std::uint32_t initrd_addr_max = 0;  // protocol >= 0x203
};

SetupHeader read_setup_header(Bytes kernel, const std::string& name);

// Bytes of the real-mode setup QEMU splits off the kernel file:
// (setup_sects + 1) * 512, where setup_sects 0 means 4.
std::uint64_t qemu_setup_size(const SetupHeader& header);

// The ACPI reserve QEMU's pc/q35 machine types (2.x and later) keep at the top
// of below-4G RAM; the initrd goes just under it.
inline constexpr std::uint64_t kQemuAcpiDataSize = 0x20000 + 0x8000;

// q35's RAM split: guests with at least 2.75 GiB get 2 GiB below 4 GiB (the
// rest above 4 GiB); smaller guests have all RAM below 4 GiB.
std::uint64_t q35_below_4g_mem(std::uint64_t ram_size);

struct QemuKernelPatchInput {
    std::uint64_t below_4g_mem = 0;
    std::string cmdline;                       // exactly QEMU's -append string
    std::optional<std::uint64_t> initrd_size;  // absent when no -initrd
    // Images without a Linux setup header (protocol 0, e.g. a UKI or another
    // EFI application given to -kernel): QEMU 10.0 and the 9.2.1 and 9.1.3
    // stable releases (commit 57e2cc9abf5d, "x86/loader: only patch linux
    // kernels") leave them alone; older QEMU still wrote the protocol-0
    // command-line fields at 0x20/0x22. true selects the old behaviour.
    bool legacy_patch_without_hdrs = false;
};

// One field QEMU writes, for display and for diffs.
struct PatchedField {
    std::string name;  // "type_of_loader", "ramdisk_image", ...
    std::uint64_t offset = 0;
    std::uint32_t size = 0;
    std::uint64_t old_value = 0;
    std::uint64_t new_value = 0;
};

struct PatchedKernel {
    std::vector<std::uint8_t> bytes;  // the whole kernel with the header patched
    std::vector<PatchedField> fields;
    std::optional<std::uint64_t> initrd_address;
};

// Applies QEMU's x86_load_linux header writes. Throws tdx::Error when the
// file is too short to hold a setup header or the initrd does not fit.
PatchedKernel qemu_patch_kernel(Bytes kernel, const std::string& name, const QemuKernelPatchInput& input);

}  // namespace tdx

namespace tdx {

// The kernel's version string ("6.1.0-56-cloud-amd64 (debian-kernel@...) #1
// SMP ..."), found through the setup header's kernel_version field (u16 at
// 0x20E, protocol >= 0x200: offset of the string minus 0x200). Empty when the
// header has no such pointer or it leads outside the setup area.
std::string kernel_version_string(Bytes kernel);

// Linux's EFI stub measures the command line and initrd into RTMR2 only from
// 6.9 on (EFI_CC_MEASUREMENT_PROTOCOL support); older kernels leave RTMR2 at
// zero in a TD. Returns false for such versions, true for newer ones, and
// nullopt when the version string cannot be read.
std::optional<bool> kernel_measures_rtmr2(const std::string& version);

}  // namespace tdx
