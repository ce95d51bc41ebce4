// An apt repository's indexes for one suite: the InRelease file, checked
// with gpgv against keyrings named by path, and the Packages indexes it lists,
// fetched by the SHA-256 and size InRelease gives for them, decompressed with
// libarchive in-process and parsed into the records the resolver needs.
// Debian and Ubuntu use the same formats; only the keyring differs.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/apt/deb_version.h"
#include "builder/fetch/downloader.h"
#include "builder/fetch/package_ref.h"

namespace tdx::builder {

// ---- InRelease signature --------------------------------------------------

// Runs `gpgv --status-fd 1 --keyring K...` on `inrelease` (no shell, fresh
// empty GnuPG home) and requires a GOODSIG and VALIDSIG with a digest
// stronger than SHA-1, like apt. Returns the primary key fingerprint that
// signed. Throws tdx::Error naming `what` (the InRelease URL), the keyrings
// and gpgv's verdict (bad signature, unknown key, expired or revoked key).
std::string verify_inrelease_signature(const std::vector<std::uint8_t>& inrelease, const std::vector<std::filesystem::path>& keyrings,
                                       const std::string& what);

// The signed text of an OpenPGP cleartext-signed message, with dash-escaping
// removed. Strict like apt: nothing but blank lines may come before the
// "BEGIN PGP SIGNED MESSAGE" line or after the signature block, so no
// unsigned text can be parsed as if it were signed.
std::string clearsigned_text(std::string_view message, const std::string& what);

// ---- Release --------------------------------------------------------------

struct ReleaseFile {
    std::string path;  // relative to dists/<suite>/, e.g. "main/binary-amd64/Packages.xz"
    std::uint64_t size = 0;
    std::string sha256;
};

struct Release {
    std::string origin, label, suite, codename, version;
    std::optional<std::time_t> date, valid_until;
    std::vector<std::string> architectures, components;
    bool acquire_by_hash = false;
    bool not_automatic = false;           // apt's default pin 1 ...
    bool but_automatic_upgrades = false;  // ... or 100 with both flags
    std::vector<ReleaseFile> sha256_files;

    const ReleaseFile* find(std::string_view path) const;
};

// Parses a Release text (the signed part of InRelease). Requires Suite or
// Codename and a SHA256 list; `what` names the file in errors.
Release parse_release(std::string_view text, const std::string& what);

// "Sat, 21 Nov 2026 00:53:02 UTC" (RFC 2822, UTC/GMT/+0000 only). Throws naming `what`.
std::time_t parse_release_date(std::string_view value, const std::string& what);

// ---- Packages -------------------------------------------------------------

struct AptPackage {
    std::string name, version, architecture;
    std::string filename, sha256;
    std::uint64_t size = 0;
    std::string multi_arch;  // "", "same", "foreign", "allowed"
    int priority = 0;        // apt's numbers: required 1 ... extra 5, 0 when absent
    bool essential = false;  // "Essential: yes"
    bool important = false;  // "Important: yes" (not Priority: important)
    std::vector<DepGroup> pre_depends, depends, conflicts, breaks;
    std::vector<DepAtom> provides;
    // Targets of Recommends, Suggests, Replaces and Enhances in field order.
    // Not resolved; apt creates cache entries for them, and the order in
    // which names first appear is apt's last tie-breaker between providers.
    std::vector<std::string> other_relation_names;
    std::string index_url;  // the Packages index it came from
    std::string where;      // "index-url:line" of the stanza
};

// Parses a decompressed Packages index, keeping stanzas for `arch` and "all".
// Every stanza needs Package, Version, Architecture, Filename, Size and
// SHA256; errors name `what`:line.
std::vector<AptPackage> parse_packages_index(std::string_view text, const std::string& arch, const std::string& what);

// Decompresses an index (gzip, xz, bzip2, lz4, zstd or none, detected from
// the bytes) with libarchive's raw reader; errors name `what`.
std::vector<std::uint8_t> decompress_index(const std::vector<std::uint8_t>& data, const std::string& what);

// ---- One repository suite ---------------------------------------------------

struct AptSource {
    std::vector<std::string> mirrors;  // base URLs ("http://deb.debian.org/debian"), tried in order
    std::string suite;                 // "bookworm", "noble-updates"
    std::vector<std::string> components{"main"};
    std::string architecture = "amd64";
    std::vector<std::filesystem::path> keyrings;  // binary OpenPGP keyrings for gpgv
    std::optional<std::string> inrelease_sha256;  // pin from a lockfile
    // Expired Valid-Until is an error unless the InRelease is pinned by hash
    // (an old snapshot is still exactly what was locked) or this is false.
    bool check_valid_until = true;
    std::optional<std::time_t> now;  // for tests; default: the clock
    // Index variants in order of preference; the first one InRelease lists wins.
    std::vector<std::string> packages_variants{"Packages.xz", "Packages.gz", "Packages"};
    // apt pin priority; 0 = apt's default from the Release flags (500, or 1 /
    // 100 for NotAutomatic / ButAutomaticUpgrades).
    int pin_priority = 0;
};

struct AptIndex {
    AptSource source;
    IndexRef inrelease;
    Release release;
    std::string signer;  // fingerprint gpgv reported
    std::vector<IndexRef> packages_indexes;
    std::vector<AptPackage> packages;
    int pin_priority = 500;
    std::string base_url;  // the mirror package URLs are built from (first mirror)
};

// A file of an archive at one mirror: "<base>/<path>", one slash between.
std::string join_url(const std::string& base, const std::string& rest);

// Fetches dists/<suite>/InRelease, verifies and parses it, then fetches,
// checks, decompresses and parses the Packages index of every component.
AptIndex load_apt_index(Downloader& downloader, const AptSource& source);

}  // namespace tdx::builder
