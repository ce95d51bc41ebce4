#include "builder/rootfs/rootfs_policy.h"

#include <algorithm>

namespace tdx::builder {
namespace {

// Whole subtrees whose content is state, not software. Their directories
// stay (empty) when a package created them, so run-time code that expects
// them still finds them.
const char* const kEmptied[] = {"var/log", "var/cache", "var/tmp", "tmp", "run", "var/lib/dpkg", "var/lib/apt", "lib/apk/db", "etc/apk"};
// Removed outright: documentation a TD never shows, and identities that
// must be created at first boot, never baked into an image.
const char* const kRemoved[] = {"usr/share/man",  "usr/share/info",          "usr/share/lintian", "usr/share/linda",
                                "etc/machine-id", "var/lib/dbus/machine-id", "etc/ld.so.cache"};

bool keep_doc(const std::string& path) {
    // Licence texts stay: the image redistributes the packages.
    const std::size_t slash = path.rfind('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    return base == "copyright" || base.rfind("LICENSE", 0) == 0 || base.rfind("COPYING", 0) == 0;
}

}  // namespace

std::vector<std::string> remove_leftovers(FsTree& tree) {
    std::vector<std::string> removed;
    auto children = [&](const std::string& dir) {
        std::vector<std::string> out;
        const std::string prefix = dir + "/";
        for (auto it = tree.entries().lower_bound(prefix); it != tree.entries().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
            if (it->first.find('/', prefix.size()) == std::string::npos) out.push_back(it->first);
        return out;
    };
    for (const char* d : kEmptied) {
        const FsNode* n = tree.find(d);
        if (!n || n->type != FsNode::Type::Directory) continue;
        for (const std::string& c : children(d))
            if (tree.remove(c)) removed.push_back(c);
    }
    for (const char* p : kRemoved)
        if (tree.find(p) && tree.remove(p)) removed.push_back(p);
    // Documentation: everything below usr/share/doc except licence files
    // (and the directories holding them).
    std::vector<std::string> doc;
    const std::string prefix = "usr/share/doc/";
    for (auto it = tree.entries().lower_bound(prefix); it != tree.entries().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
        if (it->second.type != FsNode::Type::Directory && !keep_doc(it->first)) doc.push_back(it->first);
    for (const std::string& p : doc)
        if (tree.remove(p)) removed.push_back(p);
    // Directories left empty below usr/share/doc go too, deepest first.
    std::vector<std::string> dirs;
    for (auto it = tree.entries().lower_bound(prefix); it != tree.entries().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
        if (it->second.type == FsNode::Type::Directory) dirs.push_back(it->first);
    std::sort(dirs.begin(), dirs.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size() || (a.size() == b.size() && a < b); });
    for (const std::string& d : dirs)
        if (children(d).empty() && tree.remove(d)) removed.push_back(d);
    std::sort(removed.begin(), removed.end());
    return removed;
}

void add_runtime_skeleton(FsTree& tree) {
    const FsAttrs dir{0755, 0, 0, 0, "tdximage"};
    for (const char* d : {"dev", "proc", "sys", "run", "etc", "usr/bin", "usr/sbin", "var"}) {
        if (!tree.find(d)) tree.add_directory(std::string("/") + d, dir);
    }
    // The console PID 1 writes to before devtmpfs is mounted over /dev; the
    // kernel's built-in initramfs has one too, but not every kernel has that.
    if (!tree.find("dev/console")) tree.add_device("/dev/console", FsNode::Type::CharDevice, 5, 1, FsAttrs{0600, 0, 0, 0, "tdximage"});
    if (!tree.find("root")) tree.add_directory("/root", FsAttrs{0700, 0, 0, 0, "tdximage"});
    if (!tree.find("tmp")) tree.add_directory("/tmp", FsAttrs{01777, 0, 0, 0, "tdximage"});
    auto text = [](const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
    if (tree.resolve("/etc/passwd").empty())
        tree.add_file("/etc/passwd", text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
                      FsAttrs{0644, 0, 0, 0, "tdximage"});
    if (tree.resolve("/etc/group").empty())
        tree.add_file("/etc/group", text("root:x:0:\nnogroup:x:65534:\n"), FsAttrs{0644, 0, 0, 0, "tdximage"});
}

std::string find_busybox(const FsTree& tree) {
    for (const char* p : {"/usr/bin/busybox", "/bin/busybox", "/usr/sbin/busybox", "/sbin/busybox"}) {
        const std::string r = tree.resolve(p);
        if (r.empty()) continue;
        const FsNode* n = tree.find(r);
        if (n && n->type == FsNode::Type::File) return "/" + r;
    }
    return "";
}

}  // namespace tdx::builder
