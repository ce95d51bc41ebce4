#include "measure/profile.h"

#include "base/error.h"

namespace tdx {

std::string to_string(KernelHeader v) { return v == KernelHeader::Patched ? "patched" : "raw"; }
std::string to_string(InitrdArg v) { return v == InitrdArg::Suffix ? "suffix" : "prefix"; }
std::string to_string(FirmwareLayout v) {
    switch (v) {
        case FirmwareLayout::Edk2Pre202411: return "pre-2024.11";
        case FirmwareLayout::Edk2_202411: return "2024.11";
        case FirmwareLayout::Edk2_202505: return "2025.05";
    }
    return "?";
}

const std::vector<Profile>& builtin_profiles() {
    static const std::vector<Profile> profiles = {
        {"canonical-24.04",
         "Canonical's Ubuntu 24.04 TDX stack: kobuk-team tdx-release PPA, 6.8 intel host kernel (KVM TDX API v19), "
         "QEMU 2:8.2.2+ds-0ubuntu1.4+tdx1.x, ovmf 2024.02-3+tdx1.0",
         MrtdOrder::TwoPass, KernelHeader::Patched, InitrdArg::Suffix, FirmwareLayout::Edk2Pre202411, true},
        {"ubuntu-25.04", "Ubuntu 25.04 host: upstream-style KVM (per-page), QEMU 9.2.1 tdx, ovmf 2025.02-3ubuntu2 (edk2-stable202502)",
         MrtdOrder::PerPage, KernelHeader::Patched, InitrdArg::Suffix, FirmwareLayout::Edk2_202411, true},
        {"upstream",
         "Upstream components: Linux KVM >= 6.16, QEMU >= 10.2 (no header patch for confidential guests), "
         "edk2 >= stable202508 (initrd=initrd prefix, 2025.05 RTMR0 events)",
         MrtdOrder::PerPage, KernelHeader::Raw, InitrdArg::Prefix, FirmwareLayout::Edk2_202505, true},
    };
    return profiles;
}

const Profile& default_profile() { return find_profile("upstream"); }

const Profile& find_profile(const std::string& name) {
    std::string known;
    for (const Profile& p : builtin_profiles()) {
        if (p.name == name) return p;
        known += (known.empty() ? "" : ", ") + p.name;
    }
    fail("unknown profile '" + name + "' (known: " + known + ")", ErrorKind::Usage);
}

namespace {

constexpr MrtdOrder kMrtdOrders[] = {MrtdOrder::PerPage, MrtdOrder::TwoPass};
constexpr KernelHeader kKernelHeaders[] = {KernelHeader::Patched, KernelHeader::Raw};
constexpr InitrdArg kInitrdArgs[] = {InitrdArg::Suffix, InitrdArg::Prefix};
constexpr FirmwareLayout kFwLayouts[] = {FirmwareLayout::Edk2Pre202411, FirmwareLayout::Edk2_202411, FirmwareLayout::Edk2_202505};

template <typename E, std::size_t N>
std::vector<std::string> names_of(const E (&all)[N]) {
    std::vector<std::string> out;
    for (E v : all) out.push_back(to_string(v));
    return out;
}

template <typename E, std::size_t N>
E parse_axis(const std::string& s, const E (&all)[N], const std::string& flag) {
    std::string known;
    for (E v : all) {
        if (to_string(v) == s) return v;
        known += (known.empty() ? "" : ", ") + to_string(v);
    }
    fail(flag + ": '" + s + "' is not one of " + known, ErrorKind::Usage);
}

}  // namespace

std::vector<std::string> profile_names() {
    std::vector<std::string> out;
    for (const Profile& p : builtin_profiles()) out.push_back(p.name);
    return out;
}
std::vector<std::string> mrtd_order_names() { return names_of(kMrtdOrders); }
std::vector<std::string> kernel_header_names() { return names_of(kKernelHeaders); }
std::vector<std::string> initrd_arg_names() { return names_of(kInitrdArgs); }
std::vector<std::string> fw_layout_names() { return names_of(kFwLayouts); }

MrtdOrder parse_mrtd_order(const std::string& s) { return parse_axis(s, kMrtdOrders, "--mrtd-order"); }
KernelHeader parse_kernel_header(const std::string& s) { return parse_axis(s, kKernelHeaders, "--kernel-header"); }
InitrdArg parse_initrd_arg(const std::string& s) { return parse_axis(s, kInitrdArgs, "--initrd-arg"); }
FirmwareLayout parse_fw_layout(const std::string& s) { return parse_axis(s, kFwLayouts, "--fw-layout"); }

}  // namespace tdx
