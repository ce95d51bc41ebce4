// Names of FFS file types, section types, file states and volume file
// systems, as the UEFI PI specification (volume 3) spells the constants
// without their EFI_FV_FILETYPE_ / EFI_SECTION_ prefixes.
#include "ovmf/firmware_volume.h"
#include "ovmf/firmware_volume_internal.h"

namespace tdx::ovmf {
namespace {

const Guid& ffs2_guid() {
    static const Guid g = Guid::parse("8c8ce578-8a3d-4f1c-9935-896185c32dd3");  // EFI_FIRMWARE_FILE_SYSTEM2_GUID
    return g;
}
const Guid& ffs3_guid() {
    static const Guid g = Guid::parse("5473c07a-3dcb-4dca-bd6f-1e9689e7349a");  // EFI_FIRMWARE_FILE_SYSTEM3_GUID
    return g;
}
const Guid& nv_data_guid() {
    static const Guid g = Guid::parse("fff12b8d-7696-4c8b-a985-2747075b4f50");  // EFI_SYSTEM_NV_DATA_FV_GUID
    return g;
}

}  // namespace

bool FirmwareVolume::is_ffs() const { return file_system == ffs2_guid() || file_system == ffs3_guid(); }

std::string file_system_name(const Guid& g) {
    if (g == ffs2_guid()) return "FFS2";
    if (g == ffs3_guid()) return "FFS3";
    if (g == nv_data_guid()) return "NV_DATA";
    return g.to_string();
}

std::string ffs_file_type_name(std::uint8_t type) {
    static const char* const kNames[] = {
        "ALL",
        "RAW",
        "FREEFORM",
        "SEC",
        "PEI_CORE",
        "DXE_CORE",
        "PEIM",
        "DRIVER",
        "COMBINED_PEIM_DRIVER",
        "APPLICATION",
        "MM",
        "FV_IMAGE",
        "COMBINED_MM_DXE",
        "MM_CORE",
        "MM_STANDALONE",
        "MM_CORE_STANDALONE",
    };
    if (type < std::size(kNames)) return kNames[type];
    if (type == 0xf0) return "PAD";
    if (type >= 0xc0 && type <= 0xdf) return "OEM(" + hex_u64(type) + ")";
    if (type >= 0xe0 && type <= 0xef) return "DEBUG(" + hex_u64(type) + ")";
    if (type >= 0xf1) return "FFS(" + hex_u64(type) + ")";
    return "UNKNOWN(" + hex_u64(type) + ")";
}

std::string file_state_name(FileState s) {
    switch (s) {
        case FileState::Valid: return "valid";
        case FileState::MarkedForUpdate: return "marked-for-update";
        case FileState::HeaderOnly: return "header-only";
        case FileState::UnderConstruction: return "under-construction";
        case FileState::Deleted: return "deleted";
        case FileState::HeaderInvalid: return "header-invalid";
        case FileState::Empty: return "empty";
    }
    return "unknown";
}

namespace detail {

std::string ffs_section_type_name(std::uint8_t type) {
    switch (type) {
        case 0x01: return "COMPRESSION";
        case 0x02: return "GUID_DEFINED";
        case 0x03: return "DISPOSABLE";
        case 0x10: return "PE32";
        case 0x11: return "PIC";
        case 0x12: return "TE";
        case 0x13: return "DXE_DEPEX";
        case 0x14: return "VERSION";
        case 0x15: return "USER_INTERFACE";
        case 0x16: return "COMPATIBILITY16";
        case 0x17: return "FIRMWARE_VOLUME_IMAGE";
        case 0x18: return "FREEFORM_SUBTYPE_GUID";
        case 0x19: return "RAW";
        case 0x1b: return "PEI_DEPEX";
        case 0x1c: return "MM_DEPEX";
        default: return "UNKNOWN(" + hex_u64(type) + ")";
    }
}

}  // namespace detail
}  // namespace tdx::ovmf
