// Which QEMU can boot an image as a TD with the RTMR1 computed for it.
//
// For -kernel, QEMU is the boot loader: x86_load_linux (hw/i386/x86-common.c)
// fills in the setup-header fields the Linux boot protocol leaves to a boot
// loader (type_of_loader, loadflags, heap_end_ptr, cmd_line_ptr, ramdisk_image,
// ramdisk_size) and hands the kernel to the firmware over fw_cfg, where TDVF
// measures it into RTMR1. Up to 10.1 QEMU copied its patched header into that
// kernel for every guest but SEV ones (`if (!sev_enabled() && protocol > 0)`).
// Commit a7542a38f399c50337e10aadd60513a400c45013, "x86/loader: Don't update
// kernel header for CoCo VMs" (Xiaoyao Li, in Paolo Bonzini's pull request of
// 2025-08-27), made that `!MACHINE(x86ms)->cgs`: a TD's kernel is measured as
// the file is. In master it follows "Update version for the v10.1.0 release"
// and "Open 10.2 development tree", so 10.2.0 is its first release; it is not
// in the 10.1.1, 10.1.2 or 10.1.3 stable round-ups. The profile axis
// kernel_header (measure/profile.h) says which of the two an image assumes.
//
// QEMU's development tree reports x.y.50 and its release candidates x.y.90 and
// up, so 10.1.50 is the first version without the patch (a build of the 10.2
// tree from before the commit also says 10.1.50; --force-qemu is for that).
#pragma once

#include <string>

#include "measure/profile.h"

namespace tdx::builder {

struct QemuVersion {
    unsigned major = 0, minor = 0, micro = 0;
};

inline constexpr QemuVersion kFirstUnpatchedQemu{10, 1, 50};

// The sh functions check_qemu_version and qemu_mismatch of launch-qemu.sh.
// check_qemu_version runs "$qemu" --version and, when the version's kernel
// header handling is not `header` (or the version cannot be read), prints a
// message naming QEMU's version, `profile` and its axis and exits 2, or only
// warns when $force_qemu is 1. `profile` must be a plain name (the caller
// checks it). The functions use $qemu, $force_qemu and $prog.
std::string render_qemu_version_check(const std::string& profile, KernelHeader header);

// "QEMU <= 10.1" for Patched, "QEMU >= 10.2" for Raw: the releases that give
// the header a profile assumes, for messages and --help.
std::string qemu_releases_for(KernelHeader header);

}  // namespace tdx::builder
