// QEMU's ACPI linker/loader script, the fw_cfg file "etc/table-loader"
// (hw/acpi/bios-linker-loader.c): 128-byte commands, zero-padded. OVMF's
// QemuFwCfgAcpiPlatformDxe measures the script itself, then each blob as an
// ALLOCATE command fetches it, so the ALLOCATE order is the measurement
// order (normally etc/acpi/rsdp, [etc/tpm/log], etc/acpi/tables).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"

namespace tdx {

inline constexpr std::size_t kAcpiLoaderCommandSize = 128;
inline constexpr std::size_t kAcpiLoaderFileNameSize = 56;

struct AcpiLoaderCommand {
    enum class Type : std::uint32_t { Allocate = 1, AddPointer = 2, AddChecksum = 3, WritePointer = 4 };
    Type type = Type::Allocate;
    std::string file;                     // ALLOCATE: the blob; ADD_POINTER/WRITE_POINTER: destination; ADD_CHECKSUM: the file
    std::string source_file;              // ADD_POINTER/WRITE_POINTER: the file pointed to
    std::uint32_t alignment = 0;          // ALLOCATE
    std::uint8_t zone = 0;                // ALLOCATE: 1 high memory, 2 F-segment
    std::uint32_t offset = 0;             // ADD_POINTER: pointer offset; ADD_CHECKSUM: result offset
    std::uint8_t size = 0;                // ADD_POINTER/WRITE_POINTER: pointer width
    std::uint32_t start = 0, length = 0;  // ADD_CHECKSUM range
};

struct AcpiLoaderScript {
    std::vector<AcpiLoaderCommand> commands;   // all-zero (padding) commands dropped
    std::vector<std::string> allocated_files;  // ALLOCATE order, each name once
};

// Commands of an unknown type are skipped, as OVMF skips them. Throws
// tdx::Error naming `name` and the command offset for an unterminated or
// empty file name, a size that is not a multiple of 128, or a command that
// reads a file no earlier ALLOCATE created (OVMF aborts the whole ACPI
// installation then, and measures nothing more).
AcpiLoaderScript parse_acpi_loader(Bytes script, const std::string& name);

}  // namespace tdx
