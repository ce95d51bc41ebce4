// `tdximage lock` and `tdximage fetch`: from a recipe to a lockfile through
// the signed indexes, and from a lockfile to a filled cache.
//   lock:  every source's index is fetched and verified (InRelease with gpgv,
//          APKINDEX with the recipe's RSA keys) and pinned by hash; packages
//          are resolved per source; the kernel package keeps only what its
//          `follow` globs select (not initramfs-tools and friends), the
//          firmware package only itself; URL and local files are pinned by
//          the SHA-256 the recipe gives.
//   fetch: every package and file of the lock enters the cache, checked
//          against the lock's size and SHA-256; nothing else is fetched.
#pragma once

#include "builder/fetch/downloader.h"
#include "builder/lock/lockfile.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {

Lockfile lock_recipe(const Recipe& recipe, Downloader& downloader);

// How the lock names a file from the build machine: "recipe:" and its path
// relative to the recipe's directory, so the lock holds no host path.
std::string local_file_url(const std::filesystem::path& file, const std::filesystem::path& recipe_dir);

// Whether `name` matches one of the shell globs (fnmatch), as the kernel's
// `follow` list is matched against package names.
bool matches_any(const std::string& name, const std::vector<std::string>& globs);

// Throws tdx::Error when the lock was made from another recipe (its hash
// differs), naming both hashes and the way out (`tdximage lock --update`).
void check_lock_matches(const Recipe& recipe, const Lockfile& lock, const std::string& lock_name);

struct FetchSummary {
    std::size_t packages = 0, files = 0;
    std::uint64_t bytes = 0;
};
// Fetches (or finds in the cache) every input of the lock. `fetch_one` is the
// downloader's pinned get; files given as local paths are checked in place.
FetchSummary fetch_locked(const Recipe& recipe, const Lockfile& lock, Downloader& downloader);

}  // namespace tdx::builder
