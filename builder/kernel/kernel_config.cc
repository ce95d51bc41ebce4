#include "builder/kernel/kernel_config.h"

#include <algorithm>

#include "base/error.h"
#include "builder/kernel/kernel_modules.h"

namespace tdx::builder {
namespace {

bool is_option_name(std::string_view s) {
    if (s.rfind("CONFIG_", 0) != 0 || s.size() == 7) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool is_number(std::string_view v) {
    if (v.rfind("0x", 0) == 0 || v.rfind("0X", 0) == 0) {
        v.remove_prefix(2);
        return !v.empty() && std::all_of(v.begin(), v.end(),
                                         [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
    }
    if (!v.empty() && v.front() == '-') v.remove_prefix(1);
    return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The content of a "..." value with \" and \\ undone; false when malformed.
bool unquote(std::string_view v, std::string& out) {
    if (v.size() < 2 || v.front() != '"' || v.back() != '"') return false;
    out.clear();
    for (std::size_t i = 1; i + 1 < v.size(); ++i) {
        if (v[i] == '"') return false;
        if (v[i] == '\\') {
            if (i + 2 >= v.size()) return false;
            ++i;
        }
        out.push_back(v[i]);
    }
    return true;
}

bool requested(const std::vector<std::string>& modules, std::initializer_list<const char*> names) {
    return std::any_of(modules.begin(), modules.end(), [&](const std::string& m) {
        const std::string c = canonical_module_name(m);
        return std::any_of(names.begin(), names.end(), [&](const char* n) { return c == n; });
    });
}

std::string shown(const KernelConfig& config, const std::string& option) {
    const std::string v = config.get(option);
    if (v.empty()) return option + " is absent";
    if (v == "n") return option + " is not set";
    return option + "=" + v;
}

}  // namespace

std::string KernelConfig::get(const std::string& option) const {
    auto it = values.find(option);
    return it == values.end() ? "" : it->second;
}

KernelConfig parse_kernel_config(std::string_view text, const std::string& name) {
    KernelConfig config;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        const std::string where = name + ":" + std::to_string(line_no) + ": ";
        if (line.empty()) continue;
        if (line.front() == '#') {
            constexpr std::string_view kNotSet = " is not set";
            if (line.rfind("# CONFIG_", 0) == 0 && line.size() > kNotSet.size() && line.substr(line.size() - kNotSet.size()) == kNotSet) {
                const std::string_view option = line.substr(2, line.size() - 2 - kNotSet.size());
                if (is_option_name(option)) config.values[std::string(option)] = "n";
            }
            continue;
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || !is_option_name(line.substr(0, eq)))
            fail(where + "expected CONFIG_NAME=value or a comment, found '" + std::string(line) + "'");
        const std::string option(line.substr(0, eq));
        const std::string_view value = line.substr(eq + 1);
        std::string stored;
        if (value == "y" || value == "m" || value == "n" || is_number(value)) stored = std::string(value);
        else if (!unquote(value, stored))
            fail(where + option + " has a malformed value '" + std::string(value) + "' (not y, m, a number or a quoted string)");
        config.values[option] = stored;
    }
    return config;
}

std::vector<std::string> check_tdx_kernel_config(const KernelConfig& config, Compression initramfs_compression,
                                                 const std::vector<std::string>& requested_modules) {
    std::vector<std::string> warnings;
    const auto is = [&](const char* option, const char* value) { return config.get(option) == value; };

    if (!is("CONFIG_INTEL_TDX_GUEST", "y"))
        warnings.push_back(shown(config, "CONFIG_INTEL_TDX_GUEST") + " (needs y): the kernel has no TDX guest support and cannot run as a TD.");

    const bool guest_driver_module = is("CONFIG_TDX_GUEST_DRIVER", "m");
    const bool guest_driver_loaded = guest_driver_module && requested(requested_modules, {"tdx_guest"});
    if (guest_driver_module && !guest_driver_loaded)
        warnings.push_back(
            "CONFIG_TDX_GUEST_DRIVER=m but tdx_guest is not among the recipe's modules: the guest gets no "
            "/dev/tdx_guest and cannot ask for TD reports or quotes.");
    else if (!guest_driver_module && !is("CONFIG_TDX_GUEST_DRIVER", "y"))
        warnings.push_back(shown(config, "CONFIG_TDX_GUEST_DRIVER") +
                           " (needs y or m): the guest gets no /dev/tdx_guest and cannot ask for TD reports or quotes.");

    // tdx_guest depends on the TSM report module, so requesting it loads that too.
    if (is("CONFIG_TSM_REPORTS", "m") && !guest_driver_loaded && !requested(requested_modules, {"tsm", "tsm_report"}))
        warnings.push_back(
            "CONFIG_TSM_REPORTS=m but neither tsm (tsm_report from Linux 6.16) nor tdx_guest is among the "
            "recipe's modules: /sys/kernel/config/tsm/report is missing, so configfs-tsm quotes fail.");
    else if (!is("CONFIG_TSM_REPORTS", "m") && !is("CONFIG_TSM_REPORTS", "y"))
        warnings.push_back(shown(config, "CONFIG_TSM_REPORTS") +
                           " (needs y or m): /sys/kernel/config/tsm/report is missing, so configfs-tsm quotes fail.");

    if (!is("CONFIG_EFI_STUB", "y"))
        warnings.push_back(shown(config, "CONFIG_EFI_STUB") +
                           " (needs y): OVMF's direct boot starts the kernel as an EFI application, so this kernel does not boot.");

    if (!is("CONFIG_BLK_DEV_INITRD", "y"))
        warnings.push_back(shown(config, "CONFIG_BLK_DEV_INITRD") +
                           " (needs y): the kernel ignores the initramfs, which holds the whole guest.");

    const char* decompressor = nullptr;
    switch (initramfs_compression) {
        case Compression::None: break;
        case Compression::Gzip: decompressor = "CONFIG_RD_GZIP"; break;
        case Compression::Zstd: decompressor = "CONFIG_RD_ZSTD"; break;
        case Compression::Xz: decompressor = "CONFIG_RD_XZ"; break;
    }
    if (decompressor && !is(decompressor, "y"))
        warnings.push_back(shown(config, decompressor) + " (needs y): the kernel cannot unpack a " + to_string(initramfs_compression) +
                           "-compressed initramfs; pick another initramfs compression.");

    if (!requested_modules.empty() && !is("CONFIG_MODULES", "y"))
        warnings.push_back(shown(config, "CONFIG_MODULES") + " (needs y): the kernel cannot load modules, yet the recipe names some.");
    return warnings;
}

}  // namespace tdx::builder
