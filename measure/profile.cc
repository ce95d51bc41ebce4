#include "measure/profile.h"

#include "measure/base/error.h"

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
        {"ubuntu-25.04",
         "Ubuntu 25.04 host: upstream-style KVM (per-page), QEMU 9.2.1 tdx, ovmf 2025.02-3ubuntu2 (edk2-stable202502)",
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

MrtdOrder parse_mrtd_order(const std::string& s) {
    if (s == "per-page") return MrtdOrder::PerPage;
    if (s == "two-pass") return MrtdOrder::TwoPass;
    fail("--mrtd-order: '" + s + "' is not one of per-page, two-pass", ErrorKind::Usage);
}

KernelHeader parse_kernel_header(const std::string& s) {
    if (s == "patched") return KernelHeader::Patched;
    if (s == "raw") return KernelHeader::Raw;
    fail("--kernel-header: '" + s + "' is not one of patched, raw", ErrorKind::Usage);
}

InitrdArg parse_initrd_arg(const std::string& s) {
    if (s == "suffix") return InitrdArg::Suffix;
    if (s == "prefix") return InitrdArg::Prefix;
    fail("--initrd-arg: '" + s + "' is not one of suffix, prefix", ErrorKind::Usage);
}

FirmwareLayout parse_fw_layout(const std::string& s) {
    if (s == "pre-2024.11") return FirmwareLayout::Edk2Pre202411;
    if (s == "2024.11") return FirmwareLayout::Edk2_202411;
    if (s == "2025.05") return FirmwareLayout::Edk2_202505;
    fail("--fw-layout: '" + s + "' is not one of pre-2024.11, 2024.11, 2025.05", ErrorKind::Usage);
}

}  // namespace tdx
