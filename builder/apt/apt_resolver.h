// The install set `apt-get install --no-install-recommends` computes for an
// empty system (empty dpkg status file), over verified apt indexes. The
// algorithm follows apt's internal solver (pkgDepCache::MarkInstall) rather
// than a SAT search, because the point is to get the *same* packages apt
// would, including its preferences among alternatives and providers. See
// docs/apt-sources.md for the rules implemented and what is left out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "builder/apt/apt_release.h"
#include "builder/apt/deb_version.h"
#include "builder/fetch/package_ref.h"

namespace tdx::builder {

struct PackageRequest {
    std::string name;
    RelOp op = RelOp::Any;  // with `version`: restricts the candidate
    std::string version;
};

// "curl", "curl=7.88.1-10" (apt's exact-version form) or "curl (>= 7.88)".
// Throws tdx::Error naming the text when malformed.
PackageRequest parse_package_request(std::string_view text);

struct ResolveOptions {
    std::string architecture = "amd64";
    // apt with an empty status file installs only what the requests pull in;
    // Essential: yes packages are not added (checked against apt-get
    // --simulate). Set this to add every Essential candidate as if requested,
    // for images that need a working dpkg userland.
    bool add_essential = false;
};

// Resolves `requests` over `indexes` (in sources.list order; that order only
// breaks ties apt also breaks by order). Returns the install set sorted by
// package name, each with the URLs of every index that serves the identical
// file (same version and SHA-256). Throws tdx::Error when a request cannot be
// satisfied, naming the dependency chain, e.g.
//   "cannot install a: a 1.0 → b (>= 2) → not satisfiable: b has 1.5 (bookworm)".
std::vector<PackageRef> resolve_apt_packages(const std::vector<AptIndex>& indexes, const std::vector<PackageRequest>& requests,
                                             const ResolveOptions& options = {});

}  // namespace tdx::builder
