// A kernel's build configuration (/boot/config-<release> in distribution
// kernel packages, the kernel tree's .config), and the options a TDX guest
// booted by OVMF from an initramfs cannot do without.
//
// Format (scripts/kconfig/confdata.c writes it): `CONFIG_X=y`, `=m`, a
// decimal or 0x-hex number, or a double-quoted string (backslash escapes
// quote and backslash); `# CONFIG_X is not set` for an off bool/tristate; any other line
// starting with '#' is a comment. A later assignment overrides an earlier one,
// as kconfig does.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "builder/recipe/recipe.h"

namespace tdx::builder {

struct KernelConfig {
    // "CONFIG_X" -> "y", "m", "n" (is not set), the number as written, or the
    // string without its quotes and escapes.
    std::map<std::string, std::string> values;

    // The value of `option` ("CONFIG_EFI_STUB"), or "" when the config does
    // not mention it (for a bool or tristate that means off as well).
    std::string get(const std::string& option) const;
};

// Throws tdx::Error (BadInput) "name:line: ..." for a line that is neither a
// comment nor a well-formed assignment.
KernelConfig parse_kernel_config(std::string_view text, const std::string& name);

// Warnings, each a sentence naming the option, what it is, and what breaks:
//  - INTEL_TDX_GUEST not y: the kernel cannot run as a TD;
//  - TDX_GUEST_DRIVER off, or m without tdx_guest among the modules: no
//    /dev/tdx_guest and no TD reports or quotes;
//  - TSM_REPORTS off, or m without its module (tsm; tsm_report from 6.16),
//    which a requested tdx_guest brings in: no configfs-tsm quotes;
//  - EFI_STUB not y: OVMF's direct boot starts the kernel as an EFI
//    application, so it would not boot;
//  - BLK_DEV_INITRD not y, or the RD_* decompressor of the initramfs
//    compression not y: the kernel cannot unpack the initramfs;
//  - MODULES not y while modules are requested: they cannot be loaded.
// Module names compare with '-' and '_' equivalent.
std::vector<std::string> check_tdx_kernel_config(const KernelConfig& config, Compression initramfs_compression,
                                                 const std::vector<std::string>& requested_modules);

}  // namespace tdx::builder
