// APKINDEX.tar.gz: a signed apk stream whose second member is a tar holding
// DESCRIPTION and APKINDEX. The index is trusted only after its signature
// verifies with one of the recipe's keys; every record then names the
// identity (C:) its .apk must have, which apk_package checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "builder/apk/apk_signed_stream.h"
#include "builder/apk/apk_version.h"
#include "builder/fetch/downloader.h"
#include "builder/fetch/package_ref.h"

namespace tdx::builder {

struct ApkIndexPackage {
    std::string checksum;                                               // C: "Q1<base64 SHA-1>" identity
    std::string name;                                                   // P:
    std::string version;                                                // V:
    std::string arch;                                                   // A:
    std::uint64_t size = 0;                                             // S: .apk file size
    std::uint64_t installed_size = 0;                                   // I:
    std::string description, url, license, origin, maintainer, commit;  // T: U: L: o: m: c:
    std::int64_t build_time = 0;                                        // t:
    std::optional<std::int64_t> provider_priority;                      // k:
    std::vector<ApkDependency> depends;                                 // D:
    std::vector<ApkDependency> provides;                                // p: (name or name=version)
    std::vector<ApkDependency> install_if;                              // i:
    std::size_t line = 0;                                               // line of the record's first field, for messages
};

struct ApkIndex {
    std::string repository;   // base URL of the repository, "https://mirror/alpine/v3.22/main"
    std::string arch;         // "x86_64"
    std::string url;          // where APKINDEX.tar.gz came from
    std::string description;  // DESCRIPTION (e.g. "v3.22.1-123-g...")
    std::string signer;       // the key whose signature verified
    std::vector<ApkIndexPackage> packages;
};

// "<repository>/<arch>/APKINDEX.tar.gz".
std::string apk_index_url(const std::string& repository, const std::string& arch);

// Parses APKINDEX text; errors carry `what`:line. Unknown lower-case fields
// are ignored (apk does too); unknown upper-case ones are errors.
std::vector<ApkIndexPackage> parse_apkindex_text(std::string_view text, const std::string& what);

// Verifies and parses APKINDEX.tar.gz bytes; fills packages, description and signer.
ApkIndex read_apkindex(Bytes tar_gz, const ApkKeyring& keys, const std::string& what);

// Fetches "<repository>/<arch>/APKINDEX.tar.gz" through `dl` and reads it.
// With `ref`, records the index's URL, size and SHA-256 for the lockfile; a
// given `expected` (from a lockfile) pins the bytes.
ApkIndex fetch_apkindex(Downloader& dl, const std::string& repository, const std::string& arch, const ApkKeyring& keys,
                        const Expected& expected = {}, IndexRef* ref = nullptr);

}  // namespace tdx::builder
