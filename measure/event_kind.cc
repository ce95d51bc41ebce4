#include "measure/event_kind.h"

namespace tdx {

std::string to_string(EventKind kind) {
    switch (kind) {
        case EventKind::TdHob: return "td_hob";
        case EventKind::Cfv: return "cfv";
        case EventKind::FwCfgItem: return "fw_cfg_item";
        case EventKind::SecureBootVariable: return "secure_boot_variable";
        case EventKind::Separator: return "separator";
        case EventKind::AcpiLoader: return "acpi_loader";
        case EventKind::AcpiBlob: return "acpi_blob";
        case EventKind::BootOrder: return "boot_order";
        case EventKind::BootOption: return "boot_option";
        case EventKind::Kernel: return "kernel";
        case EventKind::Action: return "action";
        case EventKind::LoadOptions: return "load_options";
        case EventKind::Initrd: return "initrd";
    }
    return "unknown";
}

const std::vector<std::string>& depends_on(EventKind kind) {
    // Sources: measurement reference sections 4-6 and the swtpm oracle.
    static const std::vector<std::string> td_hob{"memory size", "firmware TDVF metadata (OVMF build)", "QEMU memory layout (machine type)"};
    static const std::vector<std::string> cfv{"firmware variable store (OVMF build)"};
    static const std::vector<std::string> fw_cfg{"QEMU command line (fw_cfg items: boot order, PCI roots, -fw_cfg)", "QEMU version"};
    static const std::vector<std::string> sb{"Secure Boot variables (--secure-boot-dir)", "firmware build"};
    static const std::vector<std::string> sep{"firmware release (event layout)"};
    static const std::vector<std::string> acpi{"ACPI tables (--acpi-dir): vCPU count", "memory size", "QEMU devices and their order",
                                               "QEMU version and machine type", "CPU model / phys-bits"};
    static const std::vector<std::string> boot_order{"firmware release (event layout)", "boot entries (direct kernel boot or disk)"};
    static const std::vector<std::string> kernel{"kernel image",
                                                 "QEMU setup-header patch (memory size, initrd size, command line length, QEMU version)"};
    static const std::vector<std::string> action{"firmware release (event layout)"};
    static const std::vector<std::string> load_options{"kernel command line", "initrd present (initrd=initrd)",
                                                       "firmware release (initrd=initrd placement)"};
    static const std::vector<std::string> initrd{"initrd contents"};
    switch (kind) {
        case EventKind::TdHob: return td_hob;
        case EventKind::Cfv: return cfv;
        case EventKind::FwCfgItem: return fw_cfg;
        case EventKind::SecureBootVariable: return sb;
        case EventKind::Separator: return sep;
        case EventKind::AcpiLoader:
        case EventKind::AcpiBlob: return acpi;
        case EventKind::BootOrder:
        case EventKind::BootOption: return boot_order;
        case EventKind::Kernel: return kernel;
        case EventKind::Action: return action;
        case EventKind::LoadOptions: return load_options;
        case EventKind::Initrd: return initrd;
    }
    return sep;
}

}  // namespace tdx
