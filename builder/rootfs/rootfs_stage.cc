#include "builder/rootfs/rootfs_stage.h"

#include "base/error.h"
#include "builder/apt/deb_reader.h"

namespace tdx::builder {
namespace {

// The tree's errors name the path; this adds which package it came from.
template <typename F>
void with_origin(const std::string& origin, const std::string& path, F&& f) {
    try {
        f();
    } catch (const Error& e) {
        fail(origin + ": " + path + ": " + e.what(), e.kind());
    }
}

}  // namespace

void stage_deb(FsTree& tree, const std::filesystem::path& deb, const std::string& origin) {
    deb_for_each_data_entry(deb, [&](const DebEntry& e, const DebEntryReader& read) {
        if (e.path == "/") return true;  // the root's attributes are the image's, not a package's
        const FsAttrs attrs{e.mode, e.uid, e.gid, e.mtime, origin};
        with_origin(origin, e.path, [&] {
            switch (e.type) {
                case DebEntry::Type::Directory: tree.add_directory(e.path, attrs); break;
                case DebEntry::Type::File: tree.add_file(e.path, read(), attrs); break;
                case DebEntry::Type::Symlink: tree.add_symlink(e.path, e.link_target, attrs); break;
                case DebEntry::Type::Hardlink: tree.add_hardlink(e.path, e.link_target, attrs); break;
                case DebEntry::Type::CharDevice: tree.add_device(e.path, FsNode::Type::CharDevice, e.rdev_major, e.rdev_minor, attrs); break;
                case DebEntry::Type::BlockDevice: tree.add_device(e.path, FsNode::Type::BlockDevice, e.rdev_major, e.rdev_minor, attrs); break;
                case DebEntry::Type::Fifo: tree.add_device(e.path, FsNode::Type::Fifo, 0, 0, attrs); break;
                case DebEntry::Type::Other: fail("a member of a kind an image cannot hold (a socket?)", ErrorKind::BadInput);
            }
        });
        return true;
    });
}

void stage_apk(FsTree& tree, const ApkPackage& package, const std::string& origin) {
    for (const ApkEntry& e : package.entries) {
        const std::string path = "/" + e.path;
        const FsAttrs attrs{e.mode & 07777u, e.uid, e.gid, e.mtime, origin};
        with_origin(origin, path, [&] {
            switch (e.type) {
                case ApkEntry::Type::Directory: tree.add_directory(path, attrs); break;
                case ApkEntry::Type::File: tree.add_file(path, e.data, attrs); break;
                case ApkEntry::Type::Symlink: tree.add_symlink(path, e.link_target, attrs); break;
                case ApkEntry::Type::Hardlink: tree.add_hardlink(path, "/" + e.link_target, attrs); break;
            }
        });
    }
}

}  // namespace tdx::builder
