#include "measure/coverage.h"

#include <algorithm>

namespace tdx {

std::vector<RegisterCoverage> register_coverage(const CoverageContext& c) {
    const Profile& p = c.profile;
    std::vector<RegisterCoverage> out;

    RegisterCoverage mrtd{"MR_TD", "mrtd", "the firmware", {}, false, true};
    mrtd.inputs = {"the firmware image (every page of OVMF.fd the TDX module adds, with the TDVF sections' layout)"};
    out.push_back(std::move(mrtd));

    RegisterCoverage r0{"RTMR0", "rtmr0", "the firmware configuration and the VM shape", {}, false, false};
    r0.inputs = {"the TD HOB: memory size and the firmware's TDVF metadata",
                 "the firmware's variable store and the Secure Boot variables (SecureBoot, PK, KEK, db, dbx)",
                 "QEMU's ACPI tables: vCPU count, devices, QEMU version and machine type",
                 "the firmware's boot variables (BootOrder, Boot####)"};
    if (p.fw_layout == FirmwareLayout::Edk2_202505) r0.inputs.push_back("QEMU's fw_cfg items the firmware measures (edk2 2025.05 and later)");
    if (p.fw_layout == FirmwareLayout::Edk2Pre202411) r0.inputs.push_back("the ReadyToBoot separator (edk2 before 2024.11)");
    out.push_back(std::move(r0));

    RegisterCoverage r1{"RTMR1", "rtmr1", "the kernel", {}, false, true};
    r1.inputs = {"the kernel image (the Authenticode hash of vmlinuz as the firmware loads it)"};
    if (p.kernel_header == KernelHeader::Patched) {
        // QEMU <= 10.1 writes these into the setup header before OVMF hashes
        // the kernel (measure/kernel_setup.h), so they are part of RTMR1.
        r1.inputs.push_back(
            "the setup-header fields QEMU writes (kernel-header patched): ramdisk_size (the initramfs's size: a change of the "
            "agent's size shows here too, its contents do not), ramdisk_image (initramfs size and memory size), cmd_line_ptr, cl_offset and "
            "heap_end_ptr (the command line's length), vid_mode (vga= on the command line), type_of_loader, loadflags");
    }
    if (p.fw_layout != FirmwareLayout::Edk2Pre202411)
        r1.inputs.push_back("the firmware's ReadyToBoot separator and EFI actions (edk2 2024.11 and later)");
    out.push_back(std::move(r1));

    RegisterCoverage r2{"RTMR2", "rtmr2", "the command line and the initramfs with the agent", {}, true, true};
    if (c.kernel_measures_rtmr2) {
        r2.inputs = {std::string("the kernel command line (with \"initrd=initrd\" ") +
                         (p.initrd_arg == InitrdArg::Suffix ? "appended" : "prepended") + " when an initrd is given)",
                     "the initramfs, byte for byte: the agent, its arguments (in /init), the recipe's packages and files"};
    } else {
        r2.summary = "nothing (the kernel predates Linux 6.9)";
        r2.inputs = {
            "nothing: Linux before 6.9 does not extend RTMR2 in a TD, so no register covers the command line or the initramfs's contents"};
        r2.covers_agent = false;
    }
    out.push_back(std::move(r2));
    return out;
}

std::vector<std::string> pin_set(const std::vector<RegisterCoverage>& coverage) {
    std::vector<std::string> names;
    for (const RegisterCoverage& r : coverage)
        if (r.required) names.push_back(r.name);
    return names;
}

std::vector<RegisterCoverage> uncovered(const std::vector<RegisterCoverage>& coverage, const std::vector<std::string>& compared) {
    std::vector<RegisterCoverage> out;
    for (const RegisterCoverage& r : coverage)
        if (r.required && std::find(compared.begin(), compared.end(), r.name) == compared.end()) out.push_back(r);
    return out;
}

std::string join_names(const std::vector<std::string>& names) {
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i) s += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return s;
}

}  // namespace tdx
