// Picks the exact .apk files for a recipe's package list, over one or more
// verified indexes, choosing what `apk add` would choose in the common cases
// and failing loudly (with the dependency chain) where it cannot.
//
// Rules (see docs/alpine-sources.md for what apk does beyond them):
//  - A dependency on NAME is met by a package named NAME or one that
//    provides NAME (p:, so:/cmd:/pc: names included). Once a package is
//    selected, later dependencies it meets are not re-decided.
//  - Candidates must satisfy the constraint (a versioned provide is compared
//    with its own version; an unversioned provide meets only unconstrained
//    dependencies), must not have a name already selected, and must not be
//    excluded by a !conflict seen so far.
//  - Preference: the package named NAME over providers; then higher
//    provider_priority (k:); then higher provided version; then higher
//    package version; then earlier repository (order given = priority, used
//    only between equal versions, as apk does for untagged repositories);
//    then package name.
//  - Several providers that provide NAME without a version and tie on k:
//    are ambiguous: an error asks the recipe to name one.
//  - Greedy and breadth-first in request order; there is no backtracking.
//    When a choice later proves wrong, the error names both chains.
//  - install_if (i:): after the requested closure is complete, a package
//    whose every i: atom is met by the selection is added (newest version),
//    repeatedly, like apk; ApkResolveOptions::install_if turns it off.
#pragma once

#include <string>
#include <vector>

#include "builder/apk/apk_index.h"
#include "builder/fetch/package_ref.h"

namespace tdx::builder {

struct ApkResolveOptions {
    bool install_if = true;
};

// Resolves `requests` (dependency atoms: "busybox", "musl>=1.2", "so:libz.so.1",
// "!openrc") over `indexes` (highest priority first). Returns one PackageRef per
// selected package, sorted by name: filename "NAME-VERSION.apk", urls =
// "<repository>/<arch>/<filename>", size from S:, apk_checksum = C:, source =
// the index URL; sha256 stays empty until the file is fetched (the index
// carries no SHA-256 of the .apk file).
std::vector<PackageRef> apk_resolve(const std::vector<ApkIndex>& indexes, const std::vector<std::string>& requests,
                                    const ApkResolveOptions& options = {});

}  // namespace tdx::builder
