// A lockfile is a list of pins, not a source of truth: every package entry
// is checked against the signed index the lock itself pins (an apt Packages
// index reached through a gpgv-verified InRelease, or an APKINDEX verified
// with the recipe's RSA keys) before anything is fetched or built. The
// index, not the lock, says what a package's file is: its name, version,
// architecture, file name, size and SHA-256 (apk: the C: identity the
// build checks each .apk against). The lock only picks which records are
// used, and its URLs must be a recipe mirror plus that file name.
//
// Without this, a lock whose busybox-static (or ovmf, or kernel) entry names
// another file with that file's own hash and size builds "Debian's" package
// from bytes Debian never signed, and the SBOM says otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/fetch/downloader.h"
#include "builder/lock/lockfile.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {

// What a signed index says about one package file.
struct IndexedFile {
    std::string name, version, architecture;
    std::string filename;  // below the repository base (apt Filename:, apk NAME-VERSION.apk)
    std::uint64_t size = 0;
    std::string sha256;        // apt: the index's SHA256; apk: empty (APKINDEX has none)
    std::string apk_checksum;  // apk: the index's C: identity; apt: empty
    std::string where;         // "index-url:line", for messages
};

// One verified index a lock pins, in the form the check needs.
struct PinnedIndex {
    std::string url;                         // as the lock's packages name it in `source`
    std::vector<std::string> bases;          // a package's URL is join_url(base, filename), one base per mirror
    std::vector<std::string> architectures;  // what the recipe's architecture admits ("amd64" and "all")
    std::vector<IndexedFile> files;
    bool apk = false;  // an APKINDEX: a file is known by its C: identity, not its name
};

// Checks every package of `lock` against `indexes` (pure; no I/O): each
// package appears once (name and architecture), has an architecture the
// recipe admits, names an index of `indexes` as its source, and matches the
// index's record for its file in name, version, architecture, file name,
// size and SHA-256 or apk identity; every URL is a base plus the file name.
// Throws tdx::Error (BadInput) naming the package, its lock line and the index.
void check_lock_packages(const Lockfile& lock, const std::vector<PinnedIndex>& indexes);

// Loads every index `lock` pins for the recipe's sources, by the pinned
// hash, through the same verification `lock` uses (apt: InRelease signature
// with gpgv, then the Packages indexes by the hashes InRelease lists; apk:
// the APKINDEX signature with the recipe's keys). A pinned Packages index
// that InRelease does not list with that hash is an error.
std::vector<PinnedIndex> load_pinned_indexes(const Recipe& recipe, const Lockfile& lock, Downloader& downloader, const std::string& lock_name);

// Both: what `build`, `fetch` and `verify` do with a lock before using it.
void check_lock_against_indexes(const Recipe& recipe, const Lockfile& lock, Downloader& downloader, const std::string& lock_name);

}  // namespace tdx::builder
