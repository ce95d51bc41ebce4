// Puts packages into the guest's root file system (builder/rootfs/fs_tree.h) the
// way dpkg or apk would unpack them, without running anything and without
// touching the host: owners, modes (setuid/setgid/sticky), symlinks, hard
// links, device nodes and FIFOs are kept as the package describes them.
// A member the tree refuses (a ".." path, an over-long path, a hard link to
// nothing, a socket) is an error naming the package and the member.
#pragma once

#include <filesystem>
#include <string>

#include "builder/apk/apk_package.h"
#include "builder/rootfs/fs_tree.h"

namespace tdx::builder {

// `origin` names the package in errors and in the tree ("busybox-static 1:1.37.0-6").
void stage_deb(FsTree& tree, const std::filesystem::path& deb, const std::string& origin);
void stage_apk(FsTree& tree, const ApkPackage& package, const std::string& origin);

}  // namespace tdx::builder
