// TCG event types (TCG PC Client Platform Firmware Profile, section 10.4.1)
// and the tag ids the Linux EFI stub uses for EV_EVENT_TAG.
#pragma once

#include <cstdint>
#include <string>

namespace tdx {

namespace ev {
inline constexpr std::uint32_t kPrebootCert = 0x0;
inline constexpr std::uint32_t kPostCode = 0x1;
inline constexpr std::uint32_t kNoAction = 0x3;
inline constexpr std::uint32_t kSeparator = 0x4;
inline constexpr std::uint32_t kAction = 0x5;
inline constexpr std::uint32_t kEventTag = 0x6;
inline constexpr std::uint32_t kSCrtmContents = 0x7;
inline constexpr std::uint32_t kSCrtmVersion = 0x8;
inline constexpr std::uint32_t kCpuMicrocode = 0x9;
inline constexpr std::uint32_t kPlatformConfigFlags = 0xA;
inline constexpr std::uint32_t kTableOfDevices = 0xB;
inline constexpr std::uint32_t kCompactHash = 0xC;
inline constexpr std::uint32_t kIpl = 0xD;
inline constexpr std::uint32_t kIplPartitionData = 0xE;
inline constexpr std::uint32_t kNonhostCode = 0xF;
inline constexpr std::uint32_t kNonhostConfig = 0x10;
inline constexpr std::uint32_t kNonhostInfo = 0x11;
inline constexpr std::uint32_t kOmitBootDeviceEvents = 0x12;
inline constexpr std::uint32_t kEfiVariableDriverConfig = 0x80000001;
inline constexpr std::uint32_t kEfiVariableBoot = 0x80000002;
inline constexpr std::uint32_t kEfiBootServicesApplication = 0x80000003;
inline constexpr std::uint32_t kEfiBootServicesDriver = 0x80000004;
inline constexpr std::uint32_t kEfiRuntimeServicesDriver = 0x80000005;
inline constexpr std::uint32_t kEfiGptEvent = 0x80000006;
inline constexpr std::uint32_t kEfiAction = 0x80000007;
inline constexpr std::uint32_t kEfiPlatformFirmwareBlob = 0x80000008;
inline constexpr std::uint32_t kEfiHandoffTables = 0x80000009;
inline constexpr std::uint32_t kEfiPlatformFirmwareBlob2 = 0x8000000A;
inline constexpr std::uint32_t kEfiHandoffTables2 = 0x8000000B;
inline constexpr std::uint32_t kEfiVariableBoot2 = 0x8000000C;
inline constexpr std::uint32_t kEfiHcrtmEvent = 0x80000010;
inline constexpr std::uint32_t kEfiVariableAuthority = 0x800000E0;
inline constexpr std::uint32_t kEfiSpdmFirmwareBlob = 0x800000E1;
inline constexpr std::uint32_t kEfiSpdmFirmwareConfig = 0x800000E2;
}  // namespace ev

// Linux EFI stub tagged-event ids (drivers/firmware/efi/libstub/efistub.h).
inline constexpr std::uint32_t kLinuxInitrdTagId = 0x8F3B22EC;
inline constexpr std::uint32_t kLinuxLoadOptionsTagId = 0x8F3B22ED;

// "EV_SEPARATOR", "EV_EFI_ACTION", ...; "EV_UNKNOWN_0x1234" for others.
std::string event_type_name(std::uint32_t type);

}  // namespace tdx
