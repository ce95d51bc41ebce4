// The byte encodings edk2 measures for UEFI variables and boot options:
//   UEFI_VARIABLE_DATA (TCG PFP 10.2.6): VendorGuid, u64 name length in
//     UTF-16 characters (no NUL), u64 data length, the UTF-16LE name, the data;
//   EFI_LOAD_OPTION (UEFI 3.1.3): attributes, device-path length, the
//     NUL-terminated UTF-16LE description, the device path, optional data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "ovmf/tdvf.h"

namespace tdx {

ovmf::Guid efi_global_variable_guid();      // 8be4df61-93ca-11d2-aa0d-00e098032b8c
ovmf::Guid image_security_database_guid();  // d719b2cb-3d3a-4596-a3bc-dad00e67656f

// `name` is ASCII (every variable edk2 measures has an ASCII name); widened
// to UTF-16LE. Throws tdx::Error for a non-ASCII name.
std::vector<std::uint8_t> uefi_variable_data(const ovmf::Guid& vendor, const std::string& name, Bytes data);

// EFI_LOAD_OPTION for a firmware application OVMF registers itself (UiApp,
// BootManagerMenuApp): an FV(fv)/FvFile(file) device path and no optional data.
std::vector<std::uint8_t> fv_app_load_option(std::uint32_t attributes, const std::string& description, const ovmf::Guid& fv,
                                             const ovmf::Guid& file);

inline constexpr std::uint32_t kLoadOptionActive = 0x00000001;
inline constexpr std::uint32_t kLoadOptionHidden = 0x00000008;
inline constexpr std::uint32_t kLoadOptionCategoryApp = 0x00000100;

// OVMF's DXE FV and the application files it registers as boot options.
ovmf::Guid ovmf_dxe_fv_guid();                 // 7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1
ovmf::Guid ui_app_file_guid();                 // 462caa21-7614-4503-836e-8ab6f4662331
ovmf::Guid boot_manager_menu_app_file_guid();  // eec25bdc-67f2-4d95-b1d5-f81b2039d11d

}  // namespace tdx
