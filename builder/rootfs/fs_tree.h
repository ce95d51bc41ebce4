// The guest's root file system, held in memory while it is assembled.
//
// Nothing is ever written to the host while staging: packages, recipe files,
// kernel modules and the generated /init all land in this tree, and the
// initramfs writer serialises it. So a hostile package cannot reach the
// host, and owners, setuid bits and device nodes survive without root.
//
// Paths are absolute guest paths ("/usr/bin/busybox"), stored without the
// leading "/" ("usr/bin/busybox"; the root directory is ""). Components are
// never empty, "." or ".."; paths longer than the path-length limit
// (base/limits.h) are refused.
// Every entry's parent exists and is a directory: a missing parent is
// created (0755, owner 0:0, the entry's mtime) when an entry is added.
//
// Symlinks in the *parent* components of a path being added are followed
// the way dpkg and apk would write through them (Debian's usr-merge links
// /bin -> usr/bin), but resolved inside the tree with chroot semantics: an
// absolute target starts at the tree's root and ".." at the root stays at the
// root. A loop, more than 40 links, or a link to something that is not a
// directory (including a dangling one) is an error: missing directories are
// created only for components of the path itself, never behind a link. So
// "/etc -> ../../../../host" makes "/etc/passwd" land at "host/passwd" when
// "host" is a directory of the tree, and fail otherwise; "/x -> /" makes
// "/x/y" land at "y". The last component is never followed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tdx::builder {

struct FsNode {
    enum class Type { Directory, File, Symlink, CharDevice, BlockDevice, Fifo };
    Type type = Type::File;
    unsigned mode = 0644;  // permission bits incl. setuid/setgid/sticky (07777)
    std::uint32_t uid = 0, gid = 0;
    std::int64_t mtime = 0;
    std::string target;                            // Symlink: the target exactly as written
    std::uint32_t rdev_major = 0, rdev_minor = 0;  // devices
    // File content. Hard links are nodes that share one content object and
    // one non-zero link_id; content is never copied between them.
    std::shared_ptr<const std::vector<std::uint8_t>> content;
    std::uint64_t link_id = 0;
    std::string origin;  // who put it there: "busybox-static 1:1.37.0-6", "recipe", "tdximage"
};

struct FsAttrs {
    unsigned mode = 0644;
    std::uint32_t uid = 0, gid = 0;
    std::int64_t mtime = 0;
    std::string origin;
};

class FsTree {
public:
    FsTree();  // holds the root directory "" (0755, 0:0, mtime 0)

    // Adding onto an existing path:
    //  - a directory onto a directory updates nothing (first writer keeps its
    //    attributes, like dpkg with shared directories) and succeeds;
    //  - anything else replaces the existing entry when `replace` is true
    //    (a later package or the recipe's files overriding an earlier one)
    //    except that a non-empty directory is never replaced by a non-directory;
    //    with `replace` false it is an error naming the path and both origins.
    // All return the stored path (after resolving parent symlinks).
    // add_directory replaces like `replace` true, except that a directory
    // onto a symlink leading to a directory keeps the link and returns the
    // directory it leads to (dpkg unpacking "./bin/" onto a usr-merged /bin).
    // Modes with bits outside 07777 are an error.
    std::string add_directory(const std::string& path, const FsAttrs& attrs);
    std::string add_file(const std::string& path, std::vector<std::uint8_t> content, const FsAttrs& attrs, bool replace = true);
    std::string add_symlink(const std::string& path, const std::string& target, const FsAttrs& attrs, bool replace = true);
    std::string add_device(const std::string& path, FsNode::Type type, std::uint32_t major, std::uint32_t minor, const FsAttrs& attrs,
                           bool replace = true);
    // A hard link to the regular file at `existing` (parent symlinks of both
    // paths resolved; `existing` itself must be a regular file, not a link).
    // Both names are one inode: the link takes the mode, owner and mtime of
    // `existing`, as link(2) does; `attrs` gives only its origin.
    std::string add_hardlink(const std::string& path, const std::string& existing, const FsAttrs& attrs, bool replace = true);

    // find, resolve and remove take guest paths ("/etc/x") or stored ones
    // ("etc/x"; "" is the root, as entries() lists it).
    // The entry at `path` exactly (no symlink followed at all), or nullptr.
    const FsNode* find(const std::string& path) const;
    // Follows symlinks in every component, including the last, inside the
    // tree; returns the stored path of what it names, or "" when it names
    // nothing (dangling, a loop, through a non-directory) — never a path
    // outside the tree. A path that leads to the root ("/", a link to "/")
    // also gives "", the root's stored path.
    std::string resolve(const std::string& path) const;
    // Removes the entry and, for a directory, everything below it. Returns
    // the number of entries removed. The root cannot be removed.
    std::size_t remove(const std::string& path);
    // Sets mtime of every entry (the canonical form clamps or sets them).
    void set_all_mtimes(std::int64_t mtime);

    // Entries sorted byte-wise by stored path, so every parent directory
    // precedes its children; includes the root "".
    const std::map<std::string, FsNode>& entries() const { return nodes_; }
    std::uint64_t total_file_bytes() const;  // each hard-linked content counted once

    // "usr//bin/./x/" -> "usr/bin/x"; throws tdx::Error (BadInput) on "..",
    // an empty path or one over the path-length limit; `what` names the source.
    static std::string normalize(const std::string& path, const std::string& what);

private:
    std::string place(const std::string& path, const FsAttrs& attrs);          // parent resolved + created
    std::string insert(const std::string& stored, FsNode node, bool replace);  // the replace rules
    std::map<std::string, FsNode> nodes_;
    std::uint64_t next_link_id_ = 1;
};

}  // namespace tdx::builder
