#include "builder/rootfs/fs_tree.h"

#include <cstdio>
#include <deque>
#include <iterator>
#include <string_view>
#include <unordered_set>

#include "base/error.h"
#include "base/limits.h"

namespace tdx::builder {
namespace {

// Linux's own limit (MAXSYMLINKS) on links followed while resolving one path.
constexpr int kMaxLinksFollowed = 40;

std::string guest(const std::string& stored) { return "/" + stored; }

std::string join(const std::string& dir, std::string_view name) {
    if (dir.empty()) return std::string(name);
    std::string out;
    out.reserve(dir.size() + 1 + name.size());
    out.append(dir).append(1, '/').append(name);
    return out;
}

std::string parent_of(const std::string& stored) {
    const std::size_t slash = stored.rfind('/');
    return slash == std::string::npos ? std::string() : stored.substr(0, slash);
}

const char* type_name(FsNode::Type t) {
    switch (t) {
        case FsNode::Type::Directory: return "a directory";
        case FsNode::Type::File: return "a regular file";
        case FsNode::Type::Symlink: return "a symlink";
        case FsNode::Type::CharDevice: return "a character device";
        case FsNode::Type::BlockDevice: return "a block device";
        case FsNode::Type::Fifo: return "a fifo";
    }
    return "an entry";
}

// One component still to resolve. `from_link` marks components that came
// from a symlink's target: a missing one there is a dangling link, which is
// never papered over by creating directories.
struct Pending {
    std::string name;
    bool from_link;
};

void push_components(std::deque<Pending>& queue, std::string_view path, bool from_link) {
    std::deque<Pending> parts;
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) parts.push_back({std::string(path.substr(i, j - i)), from_link});
        i = j + 1;
    }
    queue.insert(queue.begin(), parts.begin(), parts.end());
}

enum class WalkEnd { Found, Missing, NotDirectory, Loop };

struct WalkResult {
    WalkEnd end = WalkEnd::Found;
    std::string path;    // Found/Missing: the stored path reached; else where it failed
    std::string detail;  // for messages: the symlink being followed, if any
};

// Walks `queue` from the directory `start` inside `nodes`, following
// symlinks with chroot semantics: an absolute target restarts at the tree's
// root, ".." at the root stays there. The last component is followed only
// when `follow_last`; missing components of the original path become
// directories through `create` when it is given.
template <typename Create>
WalkResult walk(const std::map<std::string, FsNode>& nodes, std::string start, std::deque<Pending> queue, bool follow_last, Create&& create) {
    std::string cur = std::move(start);
    std::string via;
    int links = 0;
    while (!queue.empty()) {
        Pending comp = std::move(queue.front());
        queue.pop_front();
        const bool last = queue.empty();
        if (comp.name == ".") continue;
        if (comp.name == "..") {
            cur = parent_of(cur);
            continue;
        }
        std::string candidate = join(cur, comp.name);
        auto it = nodes.find(candidate);
        if (it == nodes.end()) {
            if (comp.from_link || !create(candidate)) return {WalkEnd::Missing, candidate, via};
            cur = std::move(candidate);
            continue;
        }
        const FsNode& n = it->second;
        if (n.type == FsNode::Type::Directory) {
            cur = std::move(candidate);
            continue;
        }
        if (n.type == FsNode::Type::Symlink && (!last || follow_last)) {
            if (++links > kMaxLinksFollowed) return {WalkEnd::Loop, candidate, via};
            via = guest(candidate) + " -> " + n.target;
            if (!n.target.empty() && n.target[0] == '/') cur.clear();
            push_components(queue, n.target, true);
            continue;
        }
        if (last) return {WalkEnd::Found, candidate, via};
        return {WalkEnd::NotDirectory, candidate, via};
    }
    return {WalkEnd::Found, cur, via};
}

// find, resolve and remove also take stored paths, and "" is the root's.
std::string lookup_key(const std::string& path) { return path.empty() ? path : FsTree::normalize(path, "guest path"); }

std::string via_text(const WalkResult& r) { return r.detail.empty() ? "" : " (following " + r.detail + ")"; }

void check_mode(const std::string& path, unsigned mode) {
    if (mode & ~07777u) {
        char octal[16];
        std::snprintf(octal, sizeof octal, "%o", mode);
        fail(path + ": mode 0" + octal + " has bits outside the permission bits 07777");
    }
}

}  // namespace

FsTree::FsTree() {
    FsNode root;
    root.type = FsNode::Type::Directory;
    root.mode = 0755;
    root.origin = "tdximage";
    nodes_.emplace(std::string(), std::move(root));
}

std::string FsTree::normalize(const std::string& path, const std::string& what) {
    if (path.empty()) fail(what + ": empty path");
    if (path.find('\0') != std::string::npos) fail(what + ": path contains a NUL byte");
    std::string out;
    out.reserve(path.size());
    std::size_t i = 0;
    while (i <= path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        const std::string_view comp(path.data() + i, j - i);
        if (comp == "..") fail(what + ": path \"" + path + "\" contains \"..\"; guest paths never climb out of a directory");
        if (!comp.empty() && comp != ".") {
            if (!out.empty()) out.push_back('/');
            out.append(comp);
        }
        i = j + 1;
    }
    check_limit(Limit::PathLength, out.size(), what, "the path (" + std::to_string(out.size()) + " bytes long)");
    return out;
}

std::string FsTree::place(const std::string& path, const FsAttrs& attrs) {
    const std::string norm = normalize(path, "guest path");
    if (norm.empty()) return norm;
    const std::size_t slash = norm.rfind('/');
    if (slash == std::string::npos) return norm;
    std::deque<Pending> queue;
    push_components(queue, std::string_view(norm).substr(0, slash), false);
    auto create = [&](const std::string& dir) {
        FsNode d;
        d.type = FsNode::Type::Directory;
        d.mode = 0755;
        d.mtime = attrs.mtime;
        d.origin = attrs.origin;
        nodes_.emplace(dir, std::move(d));
        return true;
    };
    // Parents are walked with the last component followed too: it is a
    // directory the entry goes into.
    WalkResult r = walk(nodes_, std::string(), std::move(queue), true, create);
    switch (r.end) {
        case WalkEnd::Found: {
            const FsNode& dir = nodes_.at(r.path);
            if (dir.type != FsNode::Type::Directory)
                fail(guest(norm) + ": parent " + guest(r.path) + " is " + type_name(dir.type) + ", not a directory" + via_text(r));
            return join(r.path, std::string_view(norm).substr(slash + 1));
        }
        case WalkEnd::Missing:
            fail(guest(norm) + ": parent directory " + guest(r.path) + " does not exist in the tree" + via_text(r) +
                 "; a symlink in a parent path must name a directory");
        case WalkEnd::NotDirectory:
            fail(guest(norm) + ": parent " + guest(r.path) + " is " + type_name(nodes_.at(r.path).type) + ", not a directory" + via_text(r));
        case WalkEnd::Loop:
            fail(guest(norm) + ": more than " + std::to_string(kMaxLinksFollowed) +
                 " symlinks followed in its parent directories (a loop?) at " + guest(r.path) + via_text(r));
    }
    fail(guest(norm) + ": unreachable");
}

std::string FsTree::insert(const std::string& stored, FsNode node, bool replace) {
    const bool is_dir = node.type == FsNode::Type::Directory;
    auto it = nodes_.find(stored);
    if (it == nodes_.end()) {
        nodes_.emplace(stored, std::move(node));
        return stored;
    }
    FsNode& old = it->second;
    if (old.type == FsNode::Type::Directory) {
        if (is_dir) return stored;  // first writer keeps its attributes, as dpkg does for shared directories
        if (stored.empty()) fail("/: the root directory cannot be replaced by " + std::string(type_name(node.type)));
        auto child = nodes_.lower_bound(stored + "/");
        if (child != nodes_.end() && child->first.compare(0, stored.size() + 1, stored + "/") == 0)
            fail(guest(stored) + ": a non-empty directory (from " + old.origin + ") cannot be replaced by " + type_name(node.type) + " (from " +
                 node.origin + ")");
    }
    if (!replace)
        fail(guest(stored) + ": already holds " + type_name(old.type) + " from " + old.origin + "; " + node.origin + " would replace it with " +
             type_name(node.type));
    old = std::move(node);
    return stored;
}

std::string FsTree::add_directory(const std::string& path, const FsAttrs& attrs) {
    check_mode(path, attrs.mode);
    const std::string stored = place(path, attrs);
    // A directory entry onto a symlink that leads to a directory keeps the
    // link: that is how dpkg unpacks "./bin/" onto a usr-merged /bin.
    if (auto it = nodes_.find(stored); it != nodes_.end() && it->second.type == FsNode::Type::Symlink) {
        const std::string target = resolve(stored);
        if (auto t = nodes_.find(target); !target.empty() && t != nodes_.end() && t->second.type == FsNode::Type::Directory) return target;
    }
    FsNode n;
    n.type = FsNode::Type::Directory;
    n.mode = attrs.mode;
    n.uid = attrs.uid;
    n.gid = attrs.gid;
    n.mtime = attrs.mtime;
    n.origin = attrs.origin;
    return insert(stored, std::move(n), true);
}

std::string FsTree::add_file(const std::string& path, std::vector<std::uint8_t> content, const FsAttrs& attrs, bool replace) {
    check_mode(path, attrs.mode);
    const std::string stored = place(path, attrs);
    FsNode n;
    n.type = FsNode::Type::File;
    n.mode = attrs.mode;
    n.uid = attrs.uid;
    n.gid = attrs.gid;
    n.mtime = attrs.mtime;
    n.origin = attrs.origin;
    n.content = std::make_shared<const std::vector<std::uint8_t>>(std::move(content));
    return insert(stored, std::move(n), replace);
}

std::string FsTree::add_symlink(const std::string& path, const std::string& target, const FsAttrs& attrs, bool replace) {
    check_mode(path, attrs.mode);
    if (target.empty()) fail(path + ": symlink with an empty target");
    if (target.find('\0') != std::string::npos) fail(path + ": symlink target contains a NUL byte");
    check_limit(Limit::PathLength, target.size(), path, "the symlink target (" + std::to_string(target.size()) + " bytes long)");
    const std::string stored = place(path, attrs);
    FsNode n;
    n.type = FsNode::Type::Symlink;
    n.mode = attrs.mode;
    n.uid = attrs.uid;
    n.gid = attrs.gid;
    n.mtime = attrs.mtime;
    n.origin = attrs.origin;
    n.target = target;
    return insert(stored, std::move(n), replace);
}

std::string FsTree::add_device(const std::string& path, FsNode::Type type, std::uint32_t major, std::uint32_t minor, const FsAttrs& attrs,
                               bool replace) {
    if (type != FsNode::Type::CharDevice && type != FsNode::Type::BlockDevice && type != FsNode::Type::Fifo)
        fail(path + ": add_device takes a character device, a block device or a fifo, not " + type_name(type), ErrorKind::Usage);
    check_mode(path, attrs.mode);
    const std::string stored = place(path, attrs);
    FsNode n;
    n.type = type;
    n.mode = attrs.mode;
    n.uid = attrs.uid;
    n.gid = attrs.gid;
    n.mtime = attrs.mtime;
    n.origin = attrs.origin;
    // A fifo has no device number; keeping one would only add a difference.
    if (type != FsNode::Type::Fifo) {
        n.rdev_major = major;
        n.rdev_minor = minor;
    }
    return insert(stored, std::move(n), replace);
}

std::string FsTree::add_hardlink(const std::string& path, const std::string& existing, const FsAttrs& attrs, bool replace) {
    // Resolve the existing name without creating anything: its parents must
    // already be there.
    const std::string ex_norm = normalize(existing, "hard link target");
    std::deque<Pending> queue;
    push_components(queue, ex_norm, false);
    WalkResult ex = walk(nodes_, std::string(), std::move(queue), false, [](const std::string&) { return false; });
    if (ex.end != WalkEnd::Found)
        fail(guest(normalize(path, "guest path")) + ": hard link to " + guest(ex_norm) + ", which does not exist in the tree" + via_text(ex));
    const std::string ex_path = ex.path;
    if (nodes_.at(ex_path).type != FsNode::Type::File)
        fail(guest(normalize(path, "guest path")) + ": hard link to " + guest(ex_path) + ", which is " + type_name(nodes_.at(ex_path).type) +
             "; only regular files are hard-linked");
    const std::string stored = place(path, attrs);
    if (stored == ex_path) fail(guest(stored) + ": hard link to itself");
    FsNode& target = nodes_.at(ex_path);
    if (target.link_id == 0) target.link_id = next_link_id_++;
    // One inode: the new name takes the file's mode, owner and mtime, as
    // link(2) does; only the origin is the new entry's.
    FsNode n = target;
    n.origin = attrs.origin;
    return insert(stored, std::move(n), replace);
}

const FsNode* FsTree::find(const std::string& path) const {
    auto it = nodes_.find(lookup_key(path));
    return it == nodes_.end() ? nullptr : &it->second;
}

std::string FsTree::resolve(const std::string& path) const {
    std::deque<Pending> queue;
    push_components(queue, lookup_key(path), false);
    WalkResult r = walk(nodes_, std::string(), std::move(queue), true, [](const std::string&) { return false; });
    return r.end == WalkEnd::Found ? r.path : std::string();
}

std::size_t FsTree::remove(const std::string& path) {
    const std::string stored = lookup_key(path);
    if (stored.empty()) fail("/: the root directory cannot be removed", ErrorKind::Usage);
    auto it = nodes_.find(stored);
    if (it == nodes_.end()) return 0;
    std::size_t count = 1;
    if (it->second.type == FsNode::Type::Directory) {
        // Children are exactly the keys in ["dir/", "dir0"): '0' follows '/'.
        auto first = nodes_.lower_bound(stored + "/");
        auto last = nodes_.lower_bound(stored + "0");
        count += static_cast<std::size_t>(std::distance(first, last));
        nodes_.erase(first, last);
    }
    nodes_.erase(stored);
    return count;
}

void FsTree::set_all_mtimes(std::int64_t mtime) {
    for (auto& [path, node] : nodes_) node.mtime = mtime;
}

std::uint64_t FsTree::total_file_bytes() const {
    std::uint64_t total = 0;
    std::unordered_set<std::uint64_t> seen;
    for (const auto& [path, node] : nodes_) {
        if (node.type != FsNode::Type::File || !node.content) continue;
        if (node.link_id != 0 && !seen.insert(node.link_id).second) continue;
        total += node.content->size();
    }
    return total;
}

}  // namespace tdx::builder
