// Packages are unpacked into the in-memory tree as dpkg would unpack them,
// but never onto the host: usr-merge links are written through, modes,
// owners, devices and hard links survive, and hostile members are refused
// or stay inside the image.
#include "tests/support/catch.h"

#include "base/error.h"
#include "builder/rootfs/fs_tree.h"
#include "builder/rootfs/rootfs_policy.h"
#include "builder/rootfs/rootfs_stage.h"
#include "tests/builder/apk/apk_fixture.h"
#include "tests/builder/apt/deb_fixture.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;
using tdx::test::error_of;
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
    stage_deb(t,
              deb_at(d, "tools",
                     {deb_dir("./bin"), deb_file("./bin/su", "su-binary", 04755), deb_file("./bin/passwd", "pw", 0755, 0, 42),
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

// The error of staging `members` as package "evil 1", which must name it.
std::string deb_error(const TempDir& d, const std::vector<DebMember>& members, FsTree& t) {
    try {
        stage_deb(t, deb_at(d, "evil", members), "evil 1");
    } catch (const tdx::Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST_CASE("staging: links in a package never lead a write or a hard link out of the image", "[stage]") {
    TempDir d;
    const fs::path sentinel = d / "host";
    fs::create_directories(sentinel);
    FsTree t;
    SECTION("etc -> /etc, then etc/evil: a loop inside the tree, refused naming package and entry") {
        const std::string err = deb_error(d, {deb_symlink("./etc", "/etc"), deb_file("./etc/evil", "x")}, t);
        CHECK_THAT(err, TDX_CONTAINS("evil 1: /etc/evil"));
        CHECK_THAT(err, TDX_CONTAINS("a loop?"));
        CHECK(t.find("etc")->type == FsNode::Type::Symlink);
    }
    SECTION("x -> ../../.., then x/evil in the same archive: lands at the image's root") {
        stage_deb(t, deb_at(d, "climb", {deb_symlink("./x", "../../.."), deb_dir("./x/sub"), deb_file("./x/sub/evil", "x")}), "climb 1");
        CHECK(content(t, "sub/evil") == "x");
        CHECK(t.find("x")->type == FsNode::Type::Symlink);
        CHECK(t.find("x/sub") == nullptr);
    }
    SECTION("a host path as the target of a link with a directory there: the image's directory") {
        stage_deb(t,
                  deb_at(d, "tmp",
                         {deb_dir("./tmp"), deb_symlink("./host", sentinel.string()), deb_dir("." + sentinel.string()),
                          deb_file("./host/pwned", "x")}),
                  "tmp 1");
        CHECK(content(t, sentinel.string() + "/pwned") == "x");
    }
    SECTION("a hard link to ../../etc/passwd is refused naming package and entry") {
        const std::string err = deb_error(d, {deb_dir("./etc"), deb_hardlink("./etc/h", "../../etc/passwd")}, t);
        CHECK_THAT(err, TDX_CONTAINS("evil 1: /etc/h"));
        CHECK_THAT(err, TDX_CONTAINS("contains \"..\""));
        CHECK(t.find("etc/h") == nullptr);
    }
    SECTION("a hard link to an absolute host path names a file of the image, never the host's") {
        const std::string err = deb_error(d, {deb_hardlink("./stolen", "/etc/passwd")}, t);
        CHECK_THAT(err, TDX_CONTAINS("evil 1: /stolen"));
        CHECK_THAT(err, TDX_CONTAINS("/etc/passwd, which does not exist in the tree"));
        stage_deb(t, deb_at(d, "passwd", {deb_dir("./etc"), deb_file("./etc/passwd", "root:x:0:0:image")}), "passwd 1");
        stage_deb(t, deb_at(d, "linker", {deb_hardlink("./stolen", "/etc/passwd")}), "linker 1");
        CHECK(content(t, "stolen") == "root:x:0:0:image");
    }
    SECTION("a hard link through links created earlier in the same archive resolves inside the tree") {
        stage_deb(t,
                  deb_at(d, "via",
                         {deb_dir("./etc"), deb_file("./etc/shadow", "image shadow"), deb_symlink("./root-link", "/"),
                          deb_symlink("./up", "../../.."), deb_hardlink("./a", "./root-link/etc/shadow"),
                          deb_hardlink("./b", "./up/etc/shadow")}),
                  "via 1");
        CHECK(content(t, "a") == "image shadow");
        CHECK(content(t, "b") == "image shadow");
        CHECK(t.find("a")->link_id == t.find("etc/shadow")->link_id);
    }
    SECTION("an entry through a link to a file is refused") {
        const std::string err = deb_error(d, {deb_file("./f", "x"), deb_symlink("./l", "f"), deb_file("./l/x", "y")}, t);
        CHECK_THAT(err, TDX_CONTAINS("evil 1: /l/x"));
        CHECK_THAT(err, TDX_CONTAINS("not a directory"));
    }
    CHECK(count_entries(sentinel) == 0);
}

TEST_CASE("staging: an apk's hostile members are refused when read and confined when staged", "[stage]") {
    using tdx::test::apk::PkgSpec;
    const tdx::test::apk::TestKey key("stage@example.org-5f00aa11.rsa.pub");
    const auto read_evil = [&](const std::vector<tdx::test::apk::TarMember>& files) {
        PkgSpec spec("evil", "1-r0");
        spec.files = files;
        const std::string bytes = tdx::test::apk::build_apk(spec, key).bytes;
        return read_apk(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), "evil-1-r0.apk");
    };
    // read_apk refuses what could climb out, naming the package file and the
    // entry (tests/builder/apk/apk_package_test.cc has the single-member cases).
    const auto refused = [&](const std::vector<tdx::test::apk::TarMember>& files, const std::string& entry, const std::string& why) {
        const std::string err = error_of([&] { read_evil(files); });
        CHECK_THAT(err, TDX_CONTAINS("evil-1-r0.apk"));
        CHECK_THAT(err, TDX_CONTAINS(entry));
        CHECK_THAT(err, TDX_CONTAINS(why));
    };
    refused({{"etc", "", AE_IFLNK, "/etc", 0777}, {"etc/evil", "x"}}, "etc", "is absolute");
    refused({{"x", "", AE_IFLNK, "../../..", 0777}, {"x/evil", "x"}}, "x", "climbs above the package root");
    refused({{"h", "", AE_IFREG, "../../etc/passwd"}}, "../../etc/passwd", "path traversal");

    // The tree confines what a package built by hand (no read_apk checks) holds.
    ApkPackage p;
    const auto entry = [](const std::string& path, ApkEntry::Type type, const std::string& target = "", const std::string& data = "") {
        ApkEntry e;
        e.path = path, e.type = type, e.mode = type == ApkEntry::Type::Directory ? 0755 : 0644, e.link_target = target;
        e.data.assign(data.begin(), data.end());
        return e;
    };
    p.entries = {entry("x", ApkEntry::Type::Symlink, "../../.."), entry("x/evil", ApkEntry::Type::File, "", "evil")};
    FsTree t;
    stage_apk(t, p, "evil 1-r0");
    CHECK(content(t, "evil") == "evil");
    p.entries = {entry("h", ApkEntry::Type::Hardlink, "../../etc/passwd")};
    const std::string err = error_of([&] { stage_apk(t, p, "evil 1-r0"); });
    CHECK_THAT(err, TDX_CONTAINS("evil 1-r0: /h"));
    CHECK_THAT(err, TDX_CONTAINS("contains \"..\""));
    p.entries = {entry("etc", ApkEntry::Type::Symlink, "/etc"), entry("etc/evil", ApkEntry::Type::File, "", "x")};
    CHECK_THAT(error_of([&] { stage_apk(t, p, "evil 1-r0"); }), TDX_CONTAINS("evil 1-r0: /etc/evil"));
}

TEST_CASE("leftovers are removed by the documented rule, licences stay", "[stage]") {
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
