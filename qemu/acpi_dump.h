// `tdximage acpi dump`: QEMU's ACPI fw_cfg blobs (etc/table-loader and every
// blob its ALLOCATE commands name) for a given QEMU binary and machine
// options, without a guest and without KVM. QEMU starts stopped (-S) under
// qtest, the chipset is put in the state OVMF leaves it in, and the blobs are
// read through fw_cfg exactly as OVMF reads them: nothing is synthesised.
// They are what OVMF's QemuFwCfgAcpiPlatformDxe measures into RTMR0.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "qemu/qtest_client.h"

namespace tdx::builder {

inline constexpr char kAcpiDumpSchema[] = "tdximage.acpi-dump/v1";
inline constexpr char kAcpiDumpManifest[] = "acpi-dump.json";
// PcdPciExpressBaseAddress of OVMF since edk2 moved it in 2023 (it was
// 0xb0000000 before, e.g. Debian 12's 2022.11); every OVMF that runs a TD is
// newer (see docs/acpi-dump.md).
inline constexpr std::uint64_t kDefaultPciexbar = 0xe0000000;
// Guest RAM for the DMA descriptor and bounce buffer: present with any -m.
inline constexpr std::uint64_t kScratchAddress = 0x100000;

struct AcpiDumpOptions {
    std::string qemu;  // a path, or a name looked up on PATH
    std::filesystem::path out_dir;
    std::vector<std::string> machine_options;  // the guest's own QEMU options
    std::chrono::milliseconds timeout{60000};
    std::uint64_t pciexbar = kDefaultPciexbar;
};

struct AcpiDumpBlob {
    std::string name;                 // fw_cfg name, also the path under out_dir
    std::vector<std::uint8_t> bytes;  // as QEMU served them
};

struct AcpiDumpResult {
    std::filesystem::path dir;        // where the dump was written
    std::vector<AcpiDumpBlob> blobs;  // etc/table-loader, then in ALLOCATE order
    nlohmann::json manifest;
    std::string manifest_text;  // acpi-dump.json, byte for byte
};

// Throws tdx::Error (Usage) for an option that cannot work under this
// command (-qtest, -S, -daemonize, -incoming, ...), naming it and why.
void check_machine_options(const std::vector<std::string>& options);

// The options tdximage adds around the operator's: -S, -display none, and
// -accel tcg when the operator chose no accelerator (so no /dev/kvm is
// needed). The qtest options come separately (they name a private socket).
std::vector<std::string> added_qemu_options(const std::vector<std::string>& machine_options);

// Programs the chipset and reads the loader and what it allocates.
std::vector<AcpiDumpBlob> fetch_acpi_blobs(QtestClient& qtest, std::uint64_t pciexbar);

// Throws tdx::Error (Usage) unless `name` is a relative path of plain
// components (no empty, "." or ".." parts), safe to create under a directory.
void check_blob_path(const std::string& name);

// Replaces `dir` by a directory holding `files` (relative path, content):
// built in a temporary sibling and renamed into place, files 0644 and
// directories 0755 whatever the umask. An existing `dir` must be empty or an
// earlier dump (it holds acpi-dump.json); anything else is refused untouched.
void write_dump_directory(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& files);

// Throws tdx::Error (Usage) when `dir` exists and is neither empty nor an
// earlier dump; used before QEMU runs so a refusal costs nothing.
void check_dump_directory(const std::filesystem::path& dir);

AcpiDumpResult run_acpi_dump(const AcpiDumpOptions& options);

}  // namespace tdx::builder
