// What the maintainer scripts and the package manager would have left in a
// root file system, decided declaratively (docs/reproducibility.md,
// "What the build does"): nothing is run, so nothing host-specific enters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/rootfs/fs_tree.h"

namespace tdx::builder {

// Removes what is host- or time-dependent, or package-manager state a
// run-once image never reads: logs, caches, dpkg/apt/apk databases,
// machine-id, documentation (but not licence files). Returns the removed
// paths (tops of removed subtrees), sorted.
std::vector<std::string> remove_leftovers(FsTree& tree);

// The directories the generated /init mounts on, /root and /tmp with their
// conventional modes, and /etc/passwd, /etc/group (root and nobody) when no
// package provided them: what base-passwd or alpine-baselayout would have
// written, which a minimal image does not install.
void add_runtime_skeleton(FsTree& tree);

// The guest path of busybox ("/usr/bin/busybox" or "/bin/busybox"), after
// resolving usr-merge links; empty when the tree has none.
std::string find_busybox(const FsTree& tree);

}  // namespace tdx::builder
