// launch-qemu.sh: the script written beside a build's outputs that boots
// exactly those files, as a TD (default) or as a plain VM (--no-tdx), with
// the memory size, vCPU count and kernel command line the measurements were
// computed for. Before starting QEMU it checks every file against the SHA-256
// recorded at build time, so a replaced file cannot be booted by accident, and,
// for a TD, that QEMU's version handles the kernel header as the measurement
// profile assumes (qemu/launch_qemu_version.h). It exits with the agent's
// exit status as /init reports it on the serial console
// (builder/launch_exit_status.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "measure/profile.h"

namespace tdx::builder {

struct LaunchFile {
    std::string name;    // file name in the output directory, e.g. "vmlinuz"
    std::string sha256;  // lowercase hex
};

struct LaunchPlan {
    std::string image_name;
    std::string firmware = "OVMF.fd";                    // for -bios
    std::string kernel = "vmlinuz";                      // for -kernel
    std::string initrd;                                  // for -initrd, e.g. "initramfs.cpio.gz"
    std::string cmdline;                                 // for -append, byte for byte as measured
    std::uint64_t memory = 2ull << 30;                   // bytes, as measured (TD HOB)
    unsigned cpus = 1;                                   // -smp, as measured (MADT)
    std::vector<LaunchFile> files;                       // checked before launch; must include the three above
    std::string profile;                                 // the measurement profile's name, for messages
    KernelHeader kernel_header = KernelHeader::Patched;  // the profile's axis: which QEMU a TD needs
};

// QEMU's -m value for `bytes`, exact: the largest of T, G, M, K that divides
// it ("2G", "1536M"). Throws when bytes is 0 or not a multiple of 1 KiB.
std::string qemu_memory_arg(std::uint64_t bytes);

// The script text (POSIX sh). Deterministic. Throws tdx::Error (BadInput)
// naming the field for file names that are not plain names, a sha256 that is
// not 64 lowercase hex digits, a booted file missing from `files`, 0 vCPUs,
// a command line with a control character, or a profile name that is not a
// plain name.
std::string render_launch_script(const LaunchPlan& plan);

}  // namespace tdx::builder
