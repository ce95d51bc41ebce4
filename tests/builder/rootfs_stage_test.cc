// Packages are unpacked into the in-memory tree as dpkg would unpack them,
// but never onto the host: usr-merge links are written through, modes,
// owners, devices and hard links survive, and hostile members are refused
// or stay inside the image.
#include "tests/support/catch.h"

#include "builder/fs_tree.h"
#include "builder/rootfs_policy.h"
#include "builder/rootfs_stage.h"
#include "measure/base/error.h"
#include "tests/builder/deb_fixture.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

fs::path deb_at(const TempDir& d, const std::string& name, const std::vector<DebMember>& members) {
    const fs::path p = d / (name + ".deb");
    write_text(p, make_test_deb(name, members));
    return p;
}

std::string content(const FsTree& t, const std::string& path) {
    const FsNode* n = t.find(path);
    REQUIRE(n);
    REQUIRE(n->content);
    return std::string(n->content->begin(), n->content->end());
}

std::size_t count_entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir)) ++n;
    return n;
}

}  // namespace

TEST_CASE("staging: usr-merge links are written through, attributes kept", "[stage]") {
    TempDir d;
    FsTree t;
    stage_deb(t, deb_at(d, "base-files", {deb_dir("./"), deb_symlink("./bin", "usr/bin"), deb_dir("./usr"), deb_dir("./usr/bin")}),
              "base-files 1");
    stage_deb(t, deb_at(d, "tools", {deb_dir("./bin"), deb_file("./bin/su", "su-binary", 04755), deb_file("./bin/passwd", "pw", 0755, 0, 42),
                                       deb_hardlink("./bin/su-again", "./bin/su", 04755), deb_dir("./tmp", 01777), deb_dir("./dev"),
                                       deb_node("./dev/null", AE_IFCHR, 0666, 1, 3), deb_node("./dev/sda", AE_IFBLK, 0660, 8, 0, 6),
                                       deb_node("./run/fifo", AE_IFIFO, 0600)}),
              "tools 2");
    // /bin stays the package's symlink; the files landed in usr/bin.
    REQUIRE(t.find("bin"));
    CHECK(t.find("bin")->type == FsNode::Type::Symlink);
    CHECK(content(t, "usr/bin/su") == "su-binary");
    CHECK(t.find("usr/bin/su")->mode == 04755);
    CHECK(t.find("usr/bin/passwd")->gid == 42);
    CHECK(t.find("usr/bin/su")->origin == "tools 2");
    // The hard link shares the content object of its target.
    REQUIRE(t.find("usr/bin/su-again"));
    CHECK(t.find("usr/bin/su-again")->content == t.find("usr/bin/su")->content);
    CHECK(t.find("usr/bin/su-again")->link_id != 0);
    CHECK(t.find("usr/bin/su-again")->link_id == t.find("usr/bin/su")->link_id);
    CHECK(t.find("tmp")->mode == 01777);
    CHECK(t.find("dev/null")->type == FsNode::Type::CharDevice);
    CHECK(t.find("dev/null")->rdev_major == 1);
    CHECK(t.find("dev/null")->rdev_minor == 3);
    CHECK(t.find("dev/sda")->type == FsNode::Type::BlockDevice);
    CHECK(t.find("run/fifo")->type == FsNode::Type::Fifo);
    CHECK(find_busybox(t).empty());
}

TEST_CASE("staging: hostile members are refused or stay inside the image", "[stage]") {
    TempDir d;
    const fs::path sentinel = d / "host";
    fs::create_directories(sentinel);
    SECTION("a .. member is refused, naming the package and the member") {
        FsTree t;
        const fs::path deb = deb_at(d, "evil", {deb_dir("./usr"), deb_file("./usr/../../host/pwned", "x")});
        try {
            stage_deb(t, deb, "evil 6.6.6");
            FAIL("no error");
        } catch (const tdx::Error& e) {
            const std::string m = e.what();
            CHECK(m.find("evil 6.6.6") != std::string::npos);
            CHECK(m.find("pwned") != std::string::npos);
        }
    }
    SECTION("absolute and climbing symlinks resolve inside the tree") {
        FsTree t;
        stage_deb(t, deb_at(d, "links", {deb_symlink("./etc", "/"), deb_symlink("./up", "../../../../../")}), "links 1");
        stage_deb(t, deb_at(d, "writer", {deb_file("./etc/passwd", "root"), deb_file("./up/escaped", "no")}), "writer 1");
        // Both wrote into the image's root, the way chroot resolves them.
        CHECK(content(t, "passwd") == "root");
        CHECK(content(t, "escaped") == "no");
        CHECK(t.find("etc")->type == FsNode::Type::Symlink);
    }
    SECTION("a hard link to nothing is refused") {
        FsTree t;
        CHECK_THROWS_AS(stage_deb(t, deb_at(d, "hl", {deb_hardlink("./a", "./missing")}), "hl 1"), tdx::Error);
    }
    // Nothing was ever written to the host.
    CHECK(count_entries(sentinel) == 0);
}

TEST_CASE("leftovers are removed by the documented rule; licences stay", "[stage]") {
    FsTree t;
    const FsAttrs f{0644, 0, 0, 0, "p"};
    auto text = [](const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
    t.add_file("/var/log/dpkg.log", text("log"), f);
    t.add_file("/var/cache/debconf/config.dat", text("c"), f);
    t.add_file("/var/lib/dpkg/status", text("s"), f);
    t.add_file("/etc/machine-id", text("1234"), f);
    t.add_file("/usr/share/doc/busybox/copyright", text("GPL"), f);
    t.add_file("/usr/share/doc/busybox/changelog.gz", text("cl"), f);
    t.add_file("/usr/share/doc/other/README", text("r"), f);
    t.add_file("/usr/share/man/man1/x.1.gz", text("m"), f);
    t.add_file("/usr/bin/keep", text("k"), f);
    const std::vector<std::string> removed = remove_leftovers(t);
    CHECK(t.find("var/log"));  // the directory stays, empty
    CHECK_FALSE(t.find("var/log/dpkg.log"));
    CHECK_FALSE(t.find("var/cache/debconf"));
    CHECK_FALSE(t.find("var/lib/dpkg/status"));
    CHECK_FALSE(t.find("etc/machine-id"));
    CHECK(t.find("usr/share/doc/busybox/copyright"));
    CHECK_FALSE(t.find("usr/share/doc/busybox/changelog.gz"));
    CHECK_FALSE(t.find("usr/share/doc/other"));
    CHECK_FALSE(t.find("usr/share/man"));
    CHECK(t.find("usr/bin/keep"));
    CHECK(std::is_sorted(removed.begin(), removed.end()));
    CHECK(std::find(removed.begin(), removed.end(), "etc/machine-id") != removed.end());
}

TEST_CASE("the runtime skeleton fills only what no package provided", "[stage]") {
    FsTree t;
    auto text = [](const std::string& s) { return std::vector<std::uint8_t>(s.begin(), s.end()); };
    t.add_file("/etc/passwd", text("root:x:0:0::/root:/bin/ash\n"), FsAttrs{0644, 0, 0, 0, "alpine-baselayout"});
    t.add_symlink("/bin", "usr/bin", FsAttrs{0777, 0, 0, 0, "p"});
    t.add_file("/usr/bin/busybox", text("bb"), FsAttrs{0755, 0, 0, 0, "busybox"});
    add_runtime_skeleton(t);
    CHECK(content(t, "etc/passwd") == "root:x:0:0::/root:/bin/ash\n");
    CHECK(content(t, "etc/group").find("root:x:0:") == 0);
    for (const char* d : {"dev", "proc", "sys", "run", "tmp", "root"}) CHECK(t.find(d));
    CHECK(t.find("tmp")->mode == 01777);
    CHECK(t.find("root")->mode == 0700);
    CHECK(t.find("dev/console")->type == FsNode::Type::CharDevice);
    CHECK(find_busybox(t) == "/usr/bin/busybox");
}
