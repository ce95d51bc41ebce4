// What a predicted event stands for, independent of its TCG type: the key
// `eventlog compare` uses to tell an operator which input to look at when a
// digest differs ("the TD HOB differs: it depends on the memory size and the
// firmware's TDVF metadata").
#pragma once

#include <string>
#include <vector>

namespace tdx {

enum class EventKind {
    TdHob,               // RTMR0: the HOB list QEMU built (TDVF metadata, memory size)
    Cfv,                 // RTMR0: the configuration firmware volume (variable store template)
    FwCfgItem,           // RTMR0: a QEMU fw_cfg item edk2 >= 2025.05 measures
    SecureBootVariable,  // RTMR0: SecureBoot, PK, KEK, db, dbx
    Separator,           // EV_SEPARATOR in any register
    AcpiLoader,          // RTMR0: etc/table-loader
    AcpiBlob,            // RTMR0: a blob the loader allocates (rsdp, tables, tpm log)
    BootOrder,           // RTMR0: BootOrder
    BootOption,          // RTMR0: Boot####
    Kernel,              // RTMR1: the kernel image
    Action,              // RTMR1: an EV_EFI_ACTION string
    LoadOptions,         // RTMR2: the command line
    Initrd,              // RTMR2: the initrd
};

// "td_hob", "cfv", "fw_cfg_item", "secure_boot_variable", "separator",
// "acpi_loader", "acpi_blob", "boot_order", "boot_option", "kernel",
// "action", "load_options", "initrd".
std::string to_string(EventKind kind);

// The inputs an event's digest depends on, in words an operator knows
// ("memory size", "vCPU count", "kernel command line", ...).
const std::vector<std::string>& depends_on(EventKind kind);

}  // namespace tdx
