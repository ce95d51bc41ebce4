#include "qemu/fw_cfg_reader.h"

#include <algorithm>

#include "base/digest.h"
#include "base/error.h"

namespace tdx::builder {
namespace {

constexpr std::size_t kDirEntrySize = 64;
constexpr std::size_t kNameSize = 56;
constexpr std::uint32_t kMaxDirEntries = 0x1000;  // QEMU's upper limit on fw_cfg file slots
constexpr std::uint32_t kDmaChunk = 1u << 20;
constexpr std::uint64_t kBufferOffset = 0x1000;
constexpr int kDmaPolls = 1000;

std::uint32_t load_be32(Bytes data, std::uint64_t offset, const char* what) {
    Bytes b = slice(data, offset, 4, what);
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
}

std::uint16_t load_be16(Bytes data, std::uint64_t offset, const char* what) {
    Bytes b = slice(data, offset, 2, what);
    return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

void store_be(std::array<std::uint8_t, 16>& out, std::size_t at, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

// The fw_cfg DMA registers are big-endian while x86 port I/O is
// little-endian: QEMU hands the device the byte-swapped value.
std::uint32_t for_be_register(std::uint32_t v) { return __builtin_bswap32(v); }

// Type-1 config accesses, as OVMF's PciLib does them before MMCONFIG is on.
constexpr std::uint16_t kConfigAddressPort = 0xcf8;
constexpr std::uint16_t kConfigDataPort = 0xcfc;

struct PciFunction {
    QtestClient& qtest;
    unsigned bus, device, function;

    std::uint32_t read32(unsigned reg) {
        qtest.outl(kConfigAddressPort, pci_config_address(bus, device, function, reg));
        return qtest.inl(kConfigDataPort);
    }
    void write32(unsigned reg, std::uint32_t v) {
        qtest.outl(kConfigAddressPort, pci_config_address(bus, device, function, reg));
        qtest.outl(kConfigDataPort, v);
    }
    std::uint8_t read8(unsigned reg) {
        qtest.outl(kConfigAddressPort, pci_config_address(bus, device, function, reg));
        return qtest.inb(static_cast<std::uint16_t>(kConfigDataPort + (reg & 3)));
    }
    void write8(unsigned reg, std::uint8_t v) {
        qtest.outl(kConfigAddressPort, pci_config_address(bus, device, function, reg));
        qtest.outb(static_cast<std::uint16_t>(kConfigDataPort + (reg & 3)), v);
    }
};

// Register values from edk2's OvmfPkg/Include/IndustryStandard/Q35MchIch9.h.
constexpr std::uint32_t kQ35MchId = 0x29c08086;  // device << 16 | vendor
constexpr std::uint32_t kIch9LpcId = 0x29188086;
constexpr unsigned kMchPciexbarLow = 0x60, kMchPciexbarHigh = 0x64;
constexpr std::uint32_t kPciexbarEnable = 1;
constexpr unsigned kPciCommand = 0x04;
constexpr std::uint8_t kPciCommandIoSpace = 0x01;
constexpr unsigned kIch9Pmbase = 0x40, kIch9AcpiCntl = 0x44, kIch9Rcba = 0xf0;
constexpr std::uint32_t kIch9PmbaseMask = 0xff80;  // bits 15..7 hold the base
constexpr std::uint32_t kIch9PmbaseValue = 0x600;
constexpr std::uint8_t kIch9AcpiEnable = 0x80;
constexpr std::uint32_t kIch9RootComplexBase = 0xfed1c000, kIch9RcbaEnable = 1;

std::string pci_id_text(std::uint32_t id) {
    std::string s = hex_u64(id & 0xffff).substr(2) + ":" + hex_u64(id >> 16).substr(2);
    return s;
}

}  // namespace

std::vector<FwCfgFile> parse_fw_cfg_directory(Bytes dir) {
    const std::uint32_t count = load_be32(dir, 0, "fw_cfg file directory: count");
    if (count > kMaxDirEntries)
        fail("fw_cfg file directory: " + std::to_string(count) + " entries, more than QEMU ever offers (" + std::to_string(kMaxDirEntries) +
             ")");
    std::vector<FwCfgFile> files;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::string where = "fw_cfg file directory: entry " + std::to_string(i);
        Bytes e = slice(dir, 4 + std::uint64_t{i} * kDirEntrySize, kDirEntrySize, where);
        FwCfgFile f;
        f.size = load_be32(e, 0, "size");
        f.select = load_be16(e, 4, "select");
        Bytes name = slice(e, 8, kNameSize, "name");
        auto nul = std::find(name.begin(), name.end(), std::uint8_t{0});
        if (nul == name.end()) fail(where + ": name is not NUL-terminated within 56 bytes");
        if (nul == name.begin()) fail(where + ": empty name");
        f.name.assign(name.begin(), nul);
        files.push_back(std::move(f));
    }
    return files;
}

std::array<std::uint8_t, 16> fw_cfg_dma_descriptor(std::uint32_t control, std::uint32_t length, std::uint64_t address) {
    std::array<std::uint8_t, 16> d{};
    store_be(d, 0, control, 4);
    store_be(d, 4, length, 4);
    store_be(d, 8, address, 8);
    return d;
}

std::uint32_t fw_cfg_dma_read_control(std::optional<std::uint16_t> select) {
    if (!select) return kFwCfgDmaRead;
    return std::uint32_t{*select} << 16 | kFwCfgDmaSelect | kFwCfgDmaRead;
}

FwCfgReader::FwCfgReader(QtestClient& qtest, std::uint64_t scratch) : qtest_(qtest), scratch_(scratch) {
    std::vector<std::uint8_t> sig = read_item_ports(kFwCfgSignatureItem, 4);
    if (std::string(sig.begin(), sig.end()) != "QEMU")
        fail("fw_cfg: no QEMU signature at item 0 (got " + to_hex(Bytes(sig.data(), sig.size())) +
             "); does this machine have fw_cfg at port 0x510?");
    std::vector<std::uint8_t> id = read_item_ports(kFwCfgIdItem, 4);
    dma_ = (load_le32(id, 0, "fw_cfg ID") & 2) != 0;
}

std::vector<FwCfgFile> FwCfgReader::directory() {
    std::vector<std::uint8_t> head = read_item(kFwCfgFileDirItem, 4);
    const std::uint32_t count = load_be32(head, 0, "fw_cfg file directory: count");
    if (count > kMaxDirEntries) return parse_fw_cfg_directory(head);  // reports the bad count
    return parse_fw_cfg_directory(read_item(kFwCfgFileDirItem, 4 + count * static_cast<std::uint32_t>(kDirEntrySize)));
}

std::vector<std::uint8_t> FwCfgReader::read_item(std::uint16_t select, std::uint32_t size) {
    return dma_ ? read_item_dma(select, size) : read_item_ports(select, size);
}

std::vector<std::uint8_t> FwCfgReader::read_file(const std::string& name) {
    for (const FwCfgFile& f : directory())
        if (f.name == name)
            return with_context("fw_cfg file '" + name + "' (item " + hex_u64(f.select) + ")", [&] { return read_item(f.select, f.size); });
    fail("fw_cfg has no file '" + name + "'");
}

std::vector<std::uint8_t> FwCfgReader::read_item_dma(std::uint16_t select, std::uint32_t size) {
    std::vector<std::uint8_t> out;
    out.reserve(size);
    const std::uint64_t buffer = scratch_ + kBufferOffset;
    bool first = true;
    // A zero-length first transfer still selects the item, as the port path does.
    while (first || out.size() < size) {
        const std::uint32_t n = std::min<std::uint32_t>(kDmaChunk, size - static_cast<std::uint32_t>(out.size()));
        auto desc = fw_cfg_dma_descriptor(fw_cfg_dma_read_control(first ? std::optional(select) : std::nullopt), n, buffer);
        qtest_.write(scratch_, desc);
        qtest_.outl(kFwCfgDmaHighPort, for_be_register(static_cast<std::uint32_t>(scratch_ >> 32)));
        qtest_.outl(kFwCfgDmaLowPort, for_be_register(static_cast<std::uint32_t>(scratch_)));
        // QEMU completes the transfer inside the port write; the loop only
        // guards against a device that does not.
        std::uint32_t control = 0;
        for (int i = 0;; ++i) {
            control = load_be32(qtest_.read(scratch_, 4), 0, "fw_cfg DMA control");
            if ((control & ~kFwCfgDmaError) == 0) break;
            if (i == kDmaPolls) fail("fw_cfg DMA read did not complete (control " + hex_u64(control) + ")");
        }
        if (control & kFwCfgDmaError)
            fail("fw_cfg DMA read of " + std::to_string(n) + " bytes at offset " + std::to_string(out.size()) + " failed");
        std::vector<std::uint8_t> chunk = qtest_.read(buffer, n);
        out.insert(out.end(), chunk.begin(), chunk.end());
        first = false;
    }
    return out;
}

std::vector<std::uint8_t> FwCfgReader::read_item_ports(std::uint16_t select, std::uint32_t size) {
    qtest_.outw(kFwCfgSelectorPort, select);
    std::vector<std::uint8_t> out(size);
    for (auto& b : out) b = qtest_.inb(kFwCfgDataPort);
    return out;
}

std::uint32_t pci_config_address(unsigned bus, unsigned device, unsigned function, unsigned reg) {
    return 0x80000000u | (bus & 0xff) << 16 | (device & 0x1f) << 11 | (function & 7) << 8 | (reg & 0xfc);
}

void check_pciexbar_base(std::uint64_t base) {
    if (base == 0 || (base & ((1ull << 28) - 1)) != 0 || base >= (1ull << 36))
        fail("--pciexbar: " + hex_u64(base) +
                 " is not a PCIEXBAR base: it must be non-zero, a multiple of 256 MiB "
                 "(0x10000000) and below 64 GiB, as OVMF requires",
             ErrorKind::Usage);
}

void program_q35_like_ovmf(QtestClient& qtest, std::uint64_t pciexbar_base) {
    check_pciexbar_base(pciexbar_base);
    PciFunction mch{qtest, 0, 0, 0};
    PciFunction lpc{qtest, 0, 0x1f, 0};
    const std::uint32_t host = mch.read32(0);
    if (host != kQ35MchId)
        fail("the machine's host bridge 00:00.0 is " + pci_id_text(host) +
             ", not the q35 MCH 8086:29c0: only q35 machines (-machine q35) are supported");
    const std::uint32_t lpc_id = lpc.read32(0);
    if (lpc_id != kIch9LpcId) fail("00:1f.0 is " + pci_id_text(lpc_id) + ", not the ICH9 LPC bridge 8086:2918 of a q35 machine");

    // OVMF skips this when ACPI_EN is already set (it never is after reset).
    if ((lpc.read8(kIch9AcpiCntl) & kIch9AcpiEnable) == 0) {
        lpc.write32(kIch9Pmbase, (lpc.read32(kIch9Pmbase) & ~kIch9PmbaseMask) | kIch9PmbaseValue);
        lpc.write8(kPciCommand, static_cast<std::uint8_t>(lpc.read8(kPciCommand) | kPciCommandIoSpace));
        lpc.write8(kIch9AcpiCntl, static_cast<std::uint8_t>(lpc.read8(kIch9AcpiCntl) | kIch9AcpiEnable));
    }
    lpc.write32(kIch9Rcba, kIch9RootComplexBase | kIch9RcbaEnable);

    mch.write32(kMchPciexbarLow, 0);
    mch.write32(kMchPciexbarHigh, static_cast<std::uint32_t>(pciexbar_base >> 32));
    mch.write32(kMchPciexbarLow, static_cast<std::uint32_t>(pciexbar_base) | kPciexbarEnable);
}

}  // namespace tdx::builder
