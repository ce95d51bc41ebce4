// Reading QEMU's fw_cfg device over qtest the way x86 firmware does, and
// putting the q35 chipset in the state OVMF leaves it in before it fetches
// the ACPI blobs.
//
// fw_cfg on x86 (QEMU docs/specs/fw_cfg.rst): a 16-bit selector port 0x510,
// a byte-wide data port 0x511, and a DMA address register at 0x514 (high 32
// bits) / 0x518 (low 32 bits, the write that starts the transfer). The DMA
// descriptor in guest memory is big-endian: {u32 control, u32 length, u64
// address}; control holds the selector in its top 16 bits and the
// ERROR/READ/SKIP/SELECT/WRITE bits below; QEMU clears it (or leaves ERROR)
// when done. Item 0x19 is the file directory: a big-endian u32 count, then
// per file {be32 size, be16 select, be16 reserved, char name[56]}.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "qemu/qtest_client.h"

namespace tdx::builder {

inline constexpr std::uint16_t kFwCfgSelectorPort = 0x510;
inline constexpr std::uint16_t kFwCfgDataPort = 0x511;
inline constexpr std::uint16_t kFwCfgDmaHighPort = 0x514;
inline constexpr std::uint16_t kFwCfgDmaLowPort = 0x518;
inline constexpr std::uint16_t kFwCfgSignatureItem = 0x00;
inline constexpr std::uint16_t kFwCfgIdItem = 0x01;
inline constexpr std::uint16_t kFwCfgFileDirItem = 0x19;

inline constexpr std::uint32_t kFwCfgDmaError = 0x01;
inline constexpr std::uint32_t kFwCfgDmaRead = 0x02;
inline constexpr std::uint32_t kFwCfgDmaSelect = 0x08;

struct FwCfgFile {
    std::string name;
    std::uint16_t select = 0;
    std::uint32_t size = 0;
};

// Parses the directory item; throws tdx::Error for a truncated directory or
// a name that is empty or not NUL-terminated.
std::vector<FwCfgFile> parse_fw_cfg_directory(Bytes dir);

// The 16-byte big-endian DMA descriptor.
std::array<std::uint8_t, 16> fw_cfg_dma_descriptor(std::uint32_t control, std::uint32_t length, std::uint64_t address);

// Control word for a read; with `select`, the item is selected first (and
// read from its start), without it the read continues where the last ended.
std::uint32_t fw_cfg_dma_read_control(std::optional<std::uint16_t> select);

class FwCfgReader {
public:
    // Checks the "QEMU" signature and whether DMA is offered. `scratch` is a
    // guest RAM address for the descriptor, followed one page later by a
    // bounce buffer of up to 1 MiB.
    FwCfgReader(QtestClient& qtest, std::uint64_t scratch);

    bool dma() const { return dma_; }

    // Reads the directory afresh each call: QEMU may resize a file when a
    // select callback rebuilds it (the ACPI blobs do).
    std::vector<FwCfgFile> directory();

    std::vector<std::uint8_t> read_item(std::uint16_t select, std::uint32_t size);

    // The file's bytes, at the size the directory reports now. Throws when
    // there is no such file.
    std::vector<std::uint8_t> read_file(const std::string& name);

private:
    std::vector<std::uint8_t> read_item_dma(std::uint16_t select, std::uint32_t size);
    std::vector<std::uint8_t> read_item_ports(std::uint16_t select, std::uint32_t size);

    QtestClient& qtest_;
    std::uint64_t scratch_;
    bool dma_ = false;
};

// --- q35 chipset state ------------------------------------------------------
// QEMU generates the ACPI tables when firmware first selects one of the ACPI
// files, from the chipset registers at that moment: MCFG exists only with
// PCIEXBAR enabled (and holds its base), the 32-bit PCI window in the DSDT
// starts above it, and the FADT carries the PM base. OVMF (PlatformInitLib
// Platform.c: PlatformMiscInitialization, PciExBarInitialization) programs,
// in this order: ICH9 LPC (00:1f.0) PMBASE 0x600 (reg 0x40), PCICMD I/O
// enable, ACPI_CNTL ACPI_EN (reg 0x44 bit 7), RCBA 0xfed1c000|EN (reg 0xf0);
// then MCH (00:00.0) PCIEXBAR: low dword cleared, high dword (reg 0x64),
// low dword (reg 0x60) = base | 256-bus length (0) | enable (bit 0). The
// base is OVMF's build-time PcdPciExpressBaseAddress.

// Type-1 PCI configuration address (ports 0xcf8/0xcfc) of a register.
std::uint32_t pci_config_address(unsigned bus, unsigned device, unsigned function, unsigned reg);

// Throws tdx::Error (Usage) unless `base` is a PCIEXBAR base OVMF accepts:
// non-zero, 256 MiB aligned, below 64 GiB.
void check_pciexbar_base(std::uint64_t base);

// Throws tdx::Error when the machine is not a q35 (MCH 8086:29c0 with ICH9
// LPC 8086:2918 at 00:1f.0).
void program_q35_like_ovmf(QtestClient& qtest, std::uint64_t pciexbar_base);

}  // namespace tdx::builder
