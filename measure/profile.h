// Platform profiles: named, versioned bundles of the independent version axes
// that change what a TD measures. Each axis is named for its cause:
//   mrtd_order     KVM TDX API generation (page add/extend interleaving)
//   kernel_header  QEMU version: <= 10.1 patches the setup header, >= 10.2
//                  leaves a confidential guest's kernel unpatched
//   initrd_arg     edk2 release: " initrd=initrd" appended before ~2025.08,
//                  "initrd=initrd " prepended after
//   fw_layout      edk2 release: where the ReadyToBoot separator goes
//                  (RTMR0 before edk2-stable202411, RTMR1 after) and the
//                  2025.05 RTMR0 additions
// docs/profiles.md lists each profile with the sources of its facts.
#pragma once

#include <string>
#include <vector>

#include "measure/mrtd.h"

namespace tdx {

enum class KernelHeader { Patched, Raw };
enum class InitrdArg { Suffix, Prefix };
enum class FirmwareLayout { Edk2Pre202411, Edk2_202411, Edk2_202505 };

std::string to_string(KernelHeader v);    // "patched", "raw"
std::string to_string(InitrdArg v);       // "suffix", "prefix"
std::string to_string(FirmwareLayout v);  // "pre-2024.11", "2024.11", "2025.05"

struct Profile {
    std::string name;
    std::string description;
    MrtdOrder mrtd_order = MrtdOrder::PerPage;
    KernelHeader kernel_header = KernelHeader::Patched;
    InitrdArg initrd_arg = InitrdArg::Suffix;
    FirmwareLayout fw_layout = FirmwareLayout::Edk2_202411;
    bool skip_page_aug = true;
};

const std::vector<Profile>& builtin_profiles();
const Profile& default_profile();
// Throws tdx::Error (Usage) listing the known names when `name` is unknown.
const Profile& find_profile(const std::string& name);

// The names the parsers below accept, in order (for --help and completion).
std::vector<std::string> profile_names();
std::vector<std::string> mrtd_order_names();
std::vector<std::string> kernel_header_names();
std::vector<std::string> initrd_arg_names();
std::vector<std::string> fw_layout_names();

// Axis value parsers for the command line; throw tdx::Error (Usage) naming
// the flag and the accepted values.
MrtdOrder parse_mrtd_order(const std::string& s);
KernelHeader parse_kernel_header(const std::string& s);
InitrdArg parse_initrd_arg(const std::string& s);
FirmwareLayout parse_fw_layout(const std::string& s);

}  // namespace tdx
