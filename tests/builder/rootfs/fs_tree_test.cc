#include "tests/support/catch.h"

#include "base/error.h"
#include "builder/rootfs/fs_tree.h"
#include "tests/support/error_of.h"

using tdx::builder::FsAttrs;
using tdx::builder::FsNode;
using tdx::builder::FsTree;
using tdx::test::error_of;

namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

FsAttrs attrs(unsigned mode = 0644, const std::string& origin = "pkg-a", std::int64_t mtime = 7) {
    FsAttrs a;
    a.mode = mode;
    a.mtime = mtime;
    a.origin = origin;
    return a;
}

std::vector<std::string> paths(const FsTree& t) {
    std::vector<std::string> out;
    for (const auto& [p, n] : t.entries()) out.push_back(p);
    return out;
}

}  // namespace

TEST_CASE("fs tree: normalisation of guest paths", "[fs_tree]") {
    CHECK(FsTree::normalize("usr//bin/./x/", "t") == "usr/bin/x");
    CHECK(FsTree::normalize("/usr/bin", "t") == "usr/bin");
    CHECK(FsTree::normalize("./etc/", "t") == "etc");
    CHECK(FsTree::normalize("/", "t").empty());
    CHECK(FsTree::normalize("..x/x..", "t") == "..x/x..");  // only a whole ".." component climbs
    CHECK_THAT(error_of([] { FsTree::normalize("", "recipe files[2]"); }), TDX_CONTAINS("recipe files[2]: empty path"));
    const std::string climb = error_of([] { FsTree::normalize("/usr/../../etc/shadow", "pkg x"); });
    CHECK_THAT(climb, TDX_CONTAINS("pkg x"));
    CHECK_THAT(climb, TDX_CONTAINS("\"/usr/../../etc/shadow\" contains \"..\""));
    CHECK_THAT(error_of([] { FsTree::normalize("a/..", "t"); }), TDX_CONTAINS("contains \"..\""));
    CHECK_THAT(error_of([] { FsTree::normalize(std::string("a\0b", 3), "t"); }), TDX_CONTAINS("NUL"));
    // 4095 bytes is the longest name the kernel unpacks (PATH_MAX with the NUL).
    CHECK(FsTree::normalize(std::string(4095, 'a'), "t").size() == 4095);
    CHECK_THAT(error_of([] { FsTree::normalize("/" + std::string(4096, 'a'), "t"); }),
               TDX_CONTAINS("t: the path (4096 bytes long) exceeds the limit path-length (4095)"));
}

TEST_CASE("fs tree: the root and missing parents", "[fs_tree]") {
    FsTree t;
    REQUIRE(t.entries().size() == 1);
    const FsNode* root = t.find("/");
    REQUIRE(root);
    CHECK(root->type == FsNode::Type::Directory);
    CHECK(root->mode == 0755);
    CHECK(t.add_directory("/", attrs(0700)).empty());
    CHECK(t.find("")->mode == 0755);

    CHECK(t.add_file("/a/b/c", bytes("x"), attrs(0600, "pkg-a", 42)) == "a/b/c");
    CHECK(paths(t) == std::vector<std::string>{"", "a", "a/b", "a/b/c"});
    for (const char* d : {"a", "a/b"}) {
        const FsNode* n = t.find(d);
        REQUIRE(n);
        CHECK(n->type == FsNode::Type::Directory);
        CHECK(n->mode == 0755);
        CHECK(n->uid == 0);
        CHECK(n->mtime == 42);
        CHECK(n->origin == "pkg-a");
    }
    CHECK(t.find("a/b/c")->mode == 0600);
    CHECK_THAT(error_of([&] { t.add_file("/x", bytes(""), attrs(0100644)); }), TDX_CONTAINS("outside the permission bits"));
    CHECK_THAT(error_of([&] { t.add_file("/", bytes(""), attrs()); }), TDX_CONTAINS("root directory cannot be replaced"));
    CHECK_THAT(error_of([&] { t.remove("/"); }), TDX_CONTAINS("cannot be removed"));
}

TEST_CASE("fs tree: usr-merge links are written through", "[fs_tree]") {
    FsTree t;
    t.add_directory("/usr/bin", attrs(0755));
    t.add_symlink("/bin", "usr/bin", attrs(0777));
    t.add_symlink("/sbin", "/usr/sbin", attrs(0777));
    t.add_directory("/usr/sbin", attrs(0755));
    CHECK(t.add_file("/bin/sh", bytes("#!"), attrs(0755)) == "usr/bin/sh");
    CHECK(t.add_file("/sbin/init", bytes("x"), attrs(0755)) == "usr/sbin/init");
    CHECK(t.find("bin/sh") == nullptr);
    CHECK(t.find("usr/bin/sh") != nullptr);
    CHECK(t.find("bin")->type == FsNode::Type::Symlink);
    // A package's "./bin/" directory entry keeps the link (as dpkg does).
    CHECK(t.add_directory("/bin", attrs(0755)) == "usr/bin");
    CHECK(t.find("bin")->type == FsNode::Type::Symlink);
    CHECK(t.resolve("/bin/sh") == "usr/bin/sh");
    CHECK(t.resolve("/bin") == "usr/bin");
    CHECK(t.resolve("/sbin/init") == "usr/sbin/init");
    CHECK(t.resolve("/bin/nothing").empty());
    // Hard link whose existing name goes through the link.
    CHECK(t.add_hardlink("/bin/sh2", "/bin/sh", attrs()) == "usr/bin/sh2");
}

TEST_CASE("fs tree: hostile links resolve inside the tree", "[fs_tree]") {
    FsTree t;
    t.add_symlink("/etc", "../../../../host", attrs(0777, "evil"));
    // "host" does not exist: writing through a dangling link is an error,
    // never a directory created behind the link.
    const std::string err = error_of([&] { t.add_file("/etc/passwd", bytes("root"), attrs(0644, "evil")); });
    CHECK_THAT(err, TDX_CONTAINS("/etc/passwd"));
    CHECK_THAT(err, TDX_CONTAINS("/host does not exist"));
    CHECK_THAT(err, TDX_CONTAINS("/etc -> ../../../../host"));
    CHECK(t.find("host") == nullptr);
    // With chroot semantics ".." at the root stays there: "etc" means "host".
    t.add_directory("/host", attrs(0755));
    CHECK(t.add_file("/etc/passwd", bytes("root"), attrs(0644, "evil")) == "host/passwd");
    CHECK(t.resolve("/etc/passwd") == "host/passwd");
    CHECK(paths(t) == std::vector<std::string>{"", "etc", "host", "host/passwd"});

    // An absolute link to the root: "x/y" is "y".
    t.add_symlink("/x", "/", attrs(0777));
    CHECK(t.add_file("/x/y", bytes("y"), attrs()) == "y");
    CHECK(t.resolve("/x/x/x/y") == "y");
    CHECK(t.resolve("/x") == "");  // the root (find() tells it from "nothing")
    t.add_symlink("/up", "../../..", attrs(0777));
    CHECK(t.add_file("/up/z", bytes("z"), attrs()) == "z");
}

TEST_CASE("fs tree: hard links name files of the tree only, whatever links lie on the way", "[fs_tree]") {
    FsTree t;
    CHECK_THAT(error_of([&] { t.add_hardlink("/h", "../../etc/passwd", attrs()); }), TDX_CONTAINS("contains \"..\""));
    // An absolute target is a path of the image, not of the host.
    CHECK_THAT(error_of([&] { t.add_hardlink("/h", "/etc/passwd", attrs()); }), TDX_CONTAINS("/etc/passwd, which does not exist in the tree"));
    t.add_file("/etc/passwd", bytes("image"), attrs());
    t.add_symlink("/r", "/", attrs(0777));
    t.add_symlink("/u", "../..", attrs(0777));
    t.add_symlink("/dangling", "/nowhere", attrs(0777));
    CHECK(t.add_hardlink("/h1", "/r/etc/passwd", attrs()) == "h1");
    CHECK(t.add_hardlink("/h2", "/u/u/r/etc/passwd", attrs()) == "h2");
    CHECK(t.add_hardlink("/r/h3", "/etc/passwd", attrs()) == "h3");  // the new name goes through a link too
    CHECK(*t.find("h2")->content == bytes("image"));
    CHECK(t.find("h3")->link_id == t.find("etc/passwd")->link_id);
    const std::string err = error_of([&] { t.add_hardlink("/h4", "/dangling/passwd", attrs()); });
    CHECK_THAT(err, TDX_CONTAINS("/nowhere"));
    CHECK_THAT(err, TDX_CONTAINS("does not exist in the tree"));
    CHECK(t.find("nowhere") == nullptr);
    CHECK(paths(t) == std::vector<std::string>{"", "dangling", "etc", "etc/passwd", "h1", "h2", "h3", "r", "u"});
}

TEST_CASE("fs tree: loops, link limits and links to non-directories", "[fs_tree]") {
    FsTree t;
    t.add_symlink("/a", "b", attrs(0777));
    t.add_symlink("/b", "/a", attrs(0777));
    t.add_symlink("/self", "./self", attrs(0777));
    CHECK_THAT(error_of([&] { t.add_file("/a/f", bytes(""), attrs()); }), TDX_CONTAINS("a loop?"));
    CHECK_THAT(error_of([&] { t.add_file("/self/f", bytes(""), attrs()); }), TDX_CONTAINS("more than 40 symlinks"));
    CHECK(t.resolve("/a").empty());
    CHECK(t.resolve("/self/x").empty());

    // A chain of exactly 40 links resolves, 41 do not (Linux's MAXSYMLINKS).
    t.add_directory("/d", attrs(0755));
    t.add_symlink("/l0", "d", attrs(0777));
    for (int i = 1; i <= 40; ++i) t.add_symlink("/l" + std::to_string(i), "l" + std::to_string(i - 1), attrs(0777));
    CHECK(t.add_file("/l39/f", bytes(""), attrs()) == "d/f");
    CHECK(t.resolve("/l39/f") == "d/f");
    CHECK_THAT(error_of([&] { t.add_file("/l40/g", bytes(""), attrs()); }), TDX_CONTAINS("more than 40"));
    CHECK(t.resolve("/l40/f").empty());

    t.add_file("/file", bytes("x"), attrs());
    t.add_symlink("/tofile", "file", attrs(0777));
    CHECK_THAT(error_of([&] { t.add_file("/tofile/x", bytes(""), attrs()); }), TDX_CONTAINS("/file is a regular file, not a directory"));
    CHECK_THAT(error_of([&] { t.add_file("/file/x", bytes(""), attrs()); }), TDX_CONTAINS("/file is a regular file, not a directory"));
    CHECK(t.resolve("/file/x").empty());
    CHECK(t.resolve("/tofile") == "file");
}

TEST_CASE("fs tree: replace rules", "[fs_tree]") {
    FsTree t;
    t.add_file("/etc/motd", bytes("one"), attrs(0644, "pkg-a"));
    t.add_file("/etc/motd", bytes("two"), attrs(0600, "recipe"));
    CHECK(*t.find("etc/motd")->content == bytes("two"));
    CHECK(t.find("etc/motd")->origin == "recipe");
    const std::string err = error_of([&] { t.add_file("/etc/motd", bytes("three"), attrs(0644, "pkg-b"), false); });
    CHECK_THAT(err, TDX_CONTAINS("/etc/motd"));
    CHECK_THAT(err, TDX_CONTAINS("recipe"));
    CHECK_THAT(err, TDX_CONTAINS("pkg-b"));
    CHECK(*t.find("etc/motd")->content == bytes("two"));

    // Directory onto directory: the first writer's attributes stay.
    t.add_directory("/etc", attrs(0700, "pkg-b"));
    CHECK(t.find("etc")->mode == 0755);
    CHECK(t.find("etc")->origin == "pkg-a");
    // A non-empty directory is never replaced by a non-directory.
    CHECK_THAT(error_of([&] { t.add_symlink("/etc", "x", attrs(0777, "pkg-c")); }), TDX_CONTAINS("non-empty directory"));
    CHECK(t.find("etc/motd") != nullptr);
    // An empty one is, when replace is true.
    t.add_directory("/empty", attrs(0755));
    CHECK(t.add_file("/empty", bytes("f"), attrs()) == "empty");
    CHECK(t.find("empty")->type == FsNode::Type::File);
    t.add_directory("/empty2", attrs(0755));
    CHECK_THAT(error_of([&] { t.add_file("/empty2", bytes("f"), attrs(0644, "pkg-d"), false); }), TDX_CONTAINS("already holds a directory"));
    // The last component is never followed: a file onto a symlink replaces the link.
    t.add_directory("/d", attrs(0755));
    t.add_symlink("/l", "d", attrs(0777));
    CHECK(t.add_file("/l", bytes("f"), attrs()) == "l");
    CHECK(t.find("l")->type == FsNode::Type::File);
    CHECK(t.find("d")->type == FsNode::Type::Directory);
    // A directory onto a file replaces it.
    CHECK(t.add_directory("/l", attrs(0750)) == "l");
    CHECK(t.find("l")->type == FsNode::Type::Directory);
}

TEST_CASE("fs tree: hard links share content and one inode's attributes", "[fs_tree]") {
    FsTree t;
    FsAttrs a = attrs(04755, "pkg-a", 9);
    a.uid = 3;
    t.add_file("/usr/bin/x", bytes("binary"), a);
    CHECK(t.find("usr/bin/x")->link_id == 0);
    CHECK(t.add_hardlink("/usr/bin/y", "/usr/bin/x", attrs(0600, "pkg-b", 1)) == "usr/bin/y");
    CHECK(t.add_hardlink("/z", "usr/bin/y", attrs(0644, "pkg-b")) == "z");
    const FsNode* x = t.find("usr/bin/x");
    const FsNode* y = t.find("usr/bin/y");
    const FsNode* z = t.find("z");
    CHECK(x->link_id != 0);
    CHECK(y->link_id == x->link_id);
    CHECK(z->link_id == x->link_id);
    CHECK(y->content.get() == x->content.get());
    CHECK(y->mode == 04755);
    CHECK(y->uid == 3);
    CHECK(y->mtime == 9);
    CHECK(y->origin == "pkg-b");
    t.add_file("/other", bytes("12345"), attrs());
    CHECK(t.total_file_bytes() == 6 + 5);
    // A second group gets its own id.
    t.add_hardlink("/other2", "/other", attrs());
    CHECK(t.find("other2")->link_id != x->link_id);

    CHECK_THAT(error_of([&] { t.add_hardlink("/h", "/usr/bin", attrs()); }), TDX_CONTAINS("which is a directory"));
    CHECK_THAT(error_of([&] { t.add_hardlink("/h", "/missing", attrs()); }), TDX_CONTAINS("/missing, which does not exist"));
    t.add_symlink("/sl", "usr/bin/x", attrs(0777));
    CHECK_THAT(error_of([&] { t.add_hardlink("/h", "/sl", attrs()); }), TDX_CONTAINS("which is a symlink"));
    CHECK_THAT(error_of([&] { t.add_hardlink("/z", "/z", attrs()); }), TDX_CONTAINS("hard link to itself"));
    CHECK_THAT(error_of([&] { t.add_hardlink("/other", "/z", attrs(0644, "pkg-c"), false); }), TDX_CONTAINS("pkg-c"));
}

TEST_CASE("fs tree: devices and fifos", "[fs_tree]") {
    FsTree t;
    t.add_device("/dev/console", FsNode::Type::CharDevice, 5, 1, attrs(0600));
    t.add_device("/dev/sda", FsNode::Type::BlockDevice, 8, 0, attrs(0660));
    t.add_device("/run/fifo", FsNode::Type::Fifo, 1, 2, attrs(0644));
    CHECK(t.find("dev/console")->rdev_major == 5);
    CHECK(t.find("dev/console")->rdev_minor == 1);
    CHECK(t.find("dev/sda")->type == FsNode::Type::BlockDevice);
    CHECK(t.find("run/fifo")->rdev_major == 0);
    CHECK(t.find("run/fifo")->rdev_minor == 0);
    CHECK_THAT(error_of([&] { t.add_device("/x", FsNode::Type::File, 0, 0, attrs()); }), TDX_CONTAINS("not a regular file"));
    CHECK_THAT(error_of([&] { t.add_symlink("/s", "", attrs()); }), TDX_CONTAINS("empty target"));
}

TEST_CASE("fs tree: remove is recursive and exact", "[fs_tree]") {
    FsTree t;
    t.add_file("/a/x", bytes("1"), attrs());
    t.add_file("/a/sub/y", bytes("2"), attrs());
    t.add_file("/a-b", bytes("3"), attrs());
    t.add_file("/a.b", bytes("4"), attrs());
    t.add_file("/a0", bytes("5"), attrs());
    t.add_file("/ab", bytes("6"), attrs());
    t.add_symlink("/la", "a", attrs(0777));
    CHECK(t.remove("/la/x") == 0);  // no symlink is followed
    CHECK(t.remove("/missing") == 0);
    CHECK(t.remove("/a") == 4);  // a, a/sub, a/sub/y, a/x
    CHECK(paths(t) == std::vector<std::string>{"", "a-b", "a.b", "a0", "ab", "la"});
    CHECK(t.remove("a0") == 1);
    CHECK(t.total_file_bytes() == 3);
}

TEST_CASE("fs tree: set_all_mtimes and entry order", "[fs_tree]") {
    FsTree t;
    t.add_file("/b/c", bytes(""), attrs(0644, "p", 5));
    t.add_file("/a-b", bytes(""), attrs(0644, "p", 6));
    t.add_file("/a/b", bytes(""), attrs(0644, "p", 7));
    t.set_all_mtimes(1700000000);
    for (const auto& [p, n] : t.entries()) CHECK(n.mtime == 1700000000);
    // Byte order: '-' (0x2d) sorts before '/' (0x2f), every parent before its children.
    CHECK(paths(t) == std::vector<std::string>{"", "a", "a-b", "a/b", "b", "b/c"});
}
