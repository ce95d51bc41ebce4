// Which modules an OVMF/TDVF image carries: its UEFI firmware volumes (FV),
// the FFS files in them and, through LZMA-compressed and nested volumes, the
// drivers inside. Layouts follow the UEFI PI specification, volume 3
// (firmware volume header, FFS2/FFS3 files, sections); docs/inspect-ovmf.md
// describes what is decoded and what is only listed.
//
// Where the volumes are: the TDVF metadata names regions (BFV, CFV), not
// volumes; Debian 12's BFV spans two of them (FVMAIN_COMPACT and SECFV), and
// images without TDX metadata have volumes too. So the whole image is scanned
// at 8-byte steps (the FV header holds a UINT64 and edk2 aligns volumes far
// more coarsely) for "_FVH" with a valid header checksum; a volume found is
// skipped as a whole, and volumes nested in files are reached through their
// FIRMWARE_VOLUME_IMAGE sections only.
//
// The walk never throws on bad content: everything it cannot read becomes a
// line in FirmwareInventory::problems and the walk goes on with the next file
// or section it can still locate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/limits.h"
#include "ovmf/tdvf.h"

namespace tdx::ovmf {

struct FirmwareVolume {
    // File offset in the image when the volume's bytes are stored there as
    // they are; none inside decompressed data.
    std::optional<std::uint64_t> image_offset;
    std::optional<std::size_t> parent_file;  // index in FirmwareInventory::files; none at top level
    unsigned depth = 0;                      // containers above it: 0 at top level
    std::uint64_t length = 0;
    Guid file_system;
    std::optional<Guid> name;  // FvName of the extended header
    std::uint32_t attributes = 0;
    std::size_t pad_files = 0;
    bool erase_polarity() const { return attributes & 0x800; }
    bool is_ffs() const;  // FFS2 or FFS3: files are walked
};

enum class FileState { Valid, MarkedForUpdate, HeaderOnly, UnderConstruction, Deleted, HeaderInvalid, Empty };

struct FfsFile {
    std::size_t volume = 0;    // index in FirmwareInventory::volumes
    std::uint64_t offset = 0;  // from the start of its volume
    std::optional<std::uint64_t> image_offset;
    Guid name;
    std::uint8_t type = 0;
    std::uint8_t attributes = 0;
    FileState state = FileState::Valid;
    std::uint64_t size = 0;              // header included
    std::string ui_name;                 // USER_INTERFACE section (UTF-8), "" when none
    std::string version;                 // VERSION section string, "" when none
    std::vector<std::string> sections;   // section kinds in walk order, e.g. "PE32", "GUID_DEFINED(LZMA)"
    std::vector<std::string> undecoded;  // encapsulations not opened, e.g. "GUID_DEFINED 3d532050-... (Brotli)"
    std::vector<std::size_t> volumes;    // indexes of the volumes found inside this file
    bool usable() const { return state == FileState::Valid || state == FileState::MarkedForUpdate; }
};

struct FirmwareInventory {
    std::vector<FirmwareVolume> volumes;  // walk order: a volume, then the volumes nested in its files
    std::vector<FfsFile> files;           // walk order, pad files excluded (counted per volume)
    std::vector<std::string> problems;    // each names the volume/file/section and what is wrong
    std::size_t undecoded_sections() const;
};

// Walks every firmware volume of `image`. Never throws for bad content.
// Decompression and nesting are bounded by the limits firmware-section-size,
// firmware-total-size and firmware-depth (base/limits.h); what they
// stop is reported in `problems`.
FirmwareInventory scan_firmware_volumes(Bytes image);

// "SEC", "PEI_CORE", "PEIM", "DRIVER", ..., "OEM(0xc1)", "UNKNOWN(0x11)".
std::string ffs_file_type_name(std::uint8_t type);
std::string file_state_name(FileState s);  // "valid", "deleted", ...
// "FFS2", "FFS3", "NV_DATA" or the GUID text.
std::string file_system_name(const Guid& g);

// The drivers that make edk2 OVMF measure into the RTMRs of a TD (OvmfPkg
// with CC_MEASUREMENT_ENABLE), found by FILE_GUID of their .inf or by UI name.
struct TdMeasurementDrivers {
    bool td_tcg2_dxe = false;  // OvmfPkg/Tcg/TdTcg2Dxe, f062221e-c607-44c2-b0b4-c3886331d351
    bool td_tcg2_pei = false;  // OvmfPkg/Tcg/TdTcg2Pei (edk2 2025.02 on), fcb3a3d6-6274-411c-a548-bd0e717d533a
    bool tdx_dxe = false;      // OvmfPkg/TdxDxe (TD guest support), e750224e-7bce-40af-b5bb-47e3611eb5c2
};
TdMeasurementDrivers td_measurement_drivers(const FirmwareInventory& inventory);

// Warnings for people building or measuring with this firmware, each starting
// with `file_name`: no TdTcg2Dxe (RTMRs never extended), no firmware volume
// found at all. Empty when the firmware measures.
std::vector<std::string> firmware_warnings(const FirmwareInventory& inventory, const std::string& file_name);

}  // namespace tdx::ovmf
