// `tdximage build`: from a recipe and its lock to the boot files of a TD —
// the kernel, an initramfs holding the userland, the modules, the recipe's
// files and the agent, and the firmware — all in memory, from the cache, with
// nothing run and nothing taken from the host but the recipe's own files and
// the agent. The measurement and the writing of the output directory are the
// caller's (cli/cmd_build.cc), which measures exactly the bytes staged here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_manifest.h"
#include "builder/fetch/caching_downloader.h"
#include "builder/lock/lockfile.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {

struct BuildOptions {
    std::optional<std::filesystem::path> agent;          // added as /usr/bin/<file name>, run by /init
    std::optional<std::vector<std::string>> agent_args;  // replaces init.args when an agent is given
    std::optional<std::int64_t> env_source_date_epoch;   // SOURCE_DATE_EPOCH from the environment
    std::string tool_version;
    // Called at the start of each stage ("resolving inputs", "staging packages"...).
    std::function<void(const std::string&)> on_stage;
};

struct BuiltImage {
    std::vector<std::uint8_t> kernel;
    std::vector<std::uint8_t> ovmf;
    std::vector<std::uint8_t> initramfs;
    std::string initramfs_name;  // "initramfs.cpio.gz"
    std::string kernel_version;
    std::vector<std::string> warnings;  // kernel config, firmware, tree notes
    BuildManifest manifest;             // without outputs (the caller adds them)
    std::uint64_t tree_bytes = 0;       // uncompressed content in the initramfs
};

// Throws tdx::Error naming the input and what is wrong. The lock must match
// the recipe (check_lock_matches) and every input must be in the cache or
// fetchable by `downloader`.
BuiltImage build_image(const Recipe& recipe, const Lockfile& lock, const std::string& lock_text, CachingDownloader& downloader,
                       const BuildOptions& options);

// "initramfs.cpio" plus ".gz", ".zst", ".xz" or nothing.
std::string initramfs_file_name(Compression c);

}  // namespace tdx::builder
