// The lockfile: every input byte of an image, pinned. `tdximage lock` writes
// it once from a recipe and the signed indexes; from then on `fetch --locked`
// and `build` use nothing else. It is YAML with a fixed key order, entries
// sorted and every string double-quoted, so two runs give the same bytes and
// a change reads as a small diff.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/fetch/package_ref.h"

namespace tdx::builder {

inline constexpr char kLockSchema[] = "tdximage.lock/v1";

// An input that is not a package: a kernel or firmware given by URL or file
// in the recipe, or another file it adds.
struct LockedFile {
    std::string role;               // "kernel", "ovmf", "file"
    std::vector<std::string> urls;  // where it can be fetched from (file:// for local files)
    std::uint64_t size = 0;
    std::string sha256;
};

struct Lockfile {
    std::string recipe_file;    // file name of the recipe, for people
    std::string recipe_sha256;  // canonical hash of the merged recipe
    std::vector<IndexRef> indexes;
    std::vector<PackageRef> packages;
    std::vector<LockedFile> files;
};

// Sorts every list (indexes by URL, packages by source, name, version,
// architecture; files by role and first URL) and renders the document.
std::string render_lockfile(Lockfile lock);

// Strict: unknown keys, missing keys, wrong types, a sha256 that is not 64
// lowercase hex digits are errors naming `name`, the line and the column.
Lockfile parse_lockfile(const std::string& text, const std::string& name);

// A lockfile as read from disk, with its text (the build hashes the text).
struct LoadedLockfile {
    Lockfile lock;
    std::string text;
};
// nullopt when `path` does not exist; throws tdx::Error when it cannot be
// read or parsed.
std::optional<LoadedLockfile> read_lockfile(const std::filesystem::path& path);

struct LockChange {
    enum class Kind { Added, Removed, Changed } kind = Kind::Added;
    std::string what;    // "package busybox-static (amd64)", "index http://..."
    std::string before;  // version or sha256 before ("" when added)
    std::string after;   // ... after ("" when removed)
};

// What `lock --update` reports: the packages, indexes and files that differ,
// in a stable order. Empty when the two pin the same inputs.
std::vector<LockChange> diff_lockfiles(const Lockfile& before, const Lockfile& after);

}  // namespace tdx::builder
