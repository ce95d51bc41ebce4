// The QEMU ACPI blobs OVMF measures into RTMR0, read from a directory laid
// out like the guest's /sys/firmware/qemu_fw_cfg/by_name tree: DIR/etc/
// table-loader, DIR/etc/acpi/rsdp, DIR/etc/acpi/tables (and DIR/etc/tpm/log
// with a TPM device). Each may be a file, or a directory holding `raw` (a
// copy of the sysfs tree). The loader script decides which blobs exist and
// in which order they are measured; `tdximage acpi dump` writes this layout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tdx {

struct AcpiBlob {
    std::string name;                 // fw_cfg name, "etc/acpi/tables"
    std::vector<std::uint8_t> bytes;  // raw, as QEMU serves it
};

struct AcpiBlobs {
    AcpiBlob loader;                  // etc/table-loader
    std::vector<AcpiBlob> allocated;  // in the loader's ALLOCATE order
    // Read from the tables for the report and the --cpus cross-check:
    std::vector<std::string> table_signatures;  // RSDT order, e.g. FACP APIC HPET MCFG WAET
    std::optional<unsigned> enabled_cpus;       // enabled processor entries of the MADT
};

// Throws tdx::Error (BadInput) naming the directory and the missing or
// malformed blob.
AcpiBlobs load_acpi_dir(const std::filesystem::path& dir);

// The enabled Local APIC / Local x2APIC entries of a MADT ("APIC" table).
// Throws tdx::Error for a malformed table.
unsigned madt_enabled_cpus(const std::vector<std::uint8_t>& madt, const std::string& name);

}  // namespace tdx
