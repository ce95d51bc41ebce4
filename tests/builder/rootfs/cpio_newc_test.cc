#include "tests/support/catch.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "base/error.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "builder/rootfs/fs_tree.h"
#include "tests/support/error_of.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using tdx::Bytes;
using tdx::builder::FsAttrs;
using tdx::builder::FsNode;
using tdx::builder::FsTree;
using tdx::builder::NewcEntry;
using tdx::builder::NewcOptions;
using tdx::builder::read_newc;
using tdx::builder::write_newc;
using tdx::test::error_of;
using tdx::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
std::string text(Bytes b) { return std::string(b.begin(), b.end()); }
std::string text(const std::vector<std::uint8_t>& b) { return std::string(b.begin(), b.end()); }

FsAttrs attrs(unsigned mode, std::uint32_t uid = 0, std::uint32_t gid = 0) {
    FsAttrs a;
    a.mode = mode;
    a.uid = uid;
    a.gid = gid;
    a.origin = "test";
    return a;
}

// One newc entry spelled out from the format's definition, independently of
// the writer: "070701", 13 fields of 8 upper-case hex digits, name + NUL
// padded so header+name is a multiple of 4, data padded to 4.
std::string spec_entry(unsigned ino, unsigned mode, unsigned uid, unsigned gid, unsigned nlink, unsigned mtime, const std::string& name,
                       const std::string& data, unsigned rmajor = 0, unsigned rminor = 0) {
    char h[111];
    std::snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, uid, gid, nlink, mtime,
                  static_cast<unsigned>(data.size()), 0u, 0u, rmajor, rminor, static_cast<unsigned>(name.size() + 1), 0u);
    std::string e(h, 110);
    e += name;
    e.push_back('\0');
    while (e.size() % 4) e.push_back('\0');
    e += data;
    while (e.size() % 4) e.push_back('\0');
    return e;
}

std::string spec_archive(std::string entries) {
    entries += spec_entry(0, 0, 0, 0, 1, 0, "TRAILER!!!", "");
    entries.resize((entries.size() + 511) / 512 * 512, '\0');
    return entries;
}

// The tree of the golden test: every entry type, setuid/sticky modes,
// "a-b" next to "a/b", a hard-link pair and a nested directory.
FsTree golden_tree() {
    FsTree t;
    t.add_directory("/a", attrs(01777));
    t.add_file("/a-b", bytes("x"), attrs(04755, 5, 6));
    t.add_symlink("/a/b", "../a-b", attrs(0777));
    t.add_device("/a/c", FsNode::Type::CharDevice, 5, 1, attrs(0600));
    t.add_device("/a/d", FsNode::Type::Fifo, 0, 0, attrs(0644));
    t.add_device("/a/e", FsNode::Type::BlockDevice, 8, 0x10, attrs(0660, 0, 6));
    t.add_file("/h1", bytes("hello"), attrs(02755));
    t.add_hardlink("/h2", "/h1", attrs(0644));
    t.add_directory("/z/y", attrs(0750));
    t.set_all_mtimes(1700000000);
    return t;
}

tdx::test::RunResult shell(const std::string& cmd) { return tdx::test::run({"/bin/sh", "-c", cmd}); }

// Reads a host directory into a tree the way tests/tools/newc_pack.cc does:
// files, directories, symlinks and hard links; owners 0:0.
FsTree tree_from_dir(const fs::path& root) {
    FsTree t;
    std::map<std::pair<dev_t, ino_t>, std::string> seen;
    std::vector<fs::path> all;
    for (const auto& e : fs::recursive_directory_iterator(root)) all.push_back(e.path());
    std::sort(all.begin(), all.end());
    struct stat st {};
    for (const fs::path& p : all) {
        REQUIRE(::lstat(p.c_str(), &st) == 0);
        const std::string guest = "/" + p.lexically_relative(root).string();
        FsAttrs a = attrs(st.st_mode & 07777);
        a.mtime = st.st_mtime;
        if (S_ISDIR(st.st_mode)) t.add_directory(guest, a);
        else if (S_ISLNK(st.st_mode))
            t.add_symlink(guest, fs::read_symlink(p).string(), a);
        else if (S_ISREG(st.st_mode)) {
            auto key = std::make_pair(st.st_dev, st.st_ino);
            if (st.st_nlink > 1 && seen.count(key)) {
                t.add_hardlink(guest, seen[key], a);
            } else {
                t.add_file(guest, bytes(tdx::test::read_text(p)), a);
                seen[key] = guest;
            }
        }
    }
    return t;
}

// A small host directory with every kind GNU cpio and our reader share.
void make_sample_dir(const fs::path& d) {
    fs::create_directories(d / "d" / "sub");
    fs::create_directories(d / "d" / "sub2");
    fs::create_directories(d / "e");
    tdx::test::write_text(d / "d" / "f", "hello\n");
    tdx::test::write_text(d / "a-b", "dash");
    tdx::test::write_text(d / "e" / "setuid", "su");
    fs::create_symlink("../d/f", d / "e" / "l");
    // Every mode explicit, so the host's umask does not matter.
    for (const char* dir : {"", "d", "d/sub", "e"}) fs::permissions(d / dir, static_cast<fs::perms>(0755));
    fs::permissions(d / "a-b", static_cast<fs::perms>(0644));
    fs::permissions(d / "e" / "setuid", static_cast<fs::perms>(04755));
    fs::permissions(d / "d" / "sub2", static_cast<fs::perms>(01777));
    fs::permissions(d / "d" / "f", static_cast<fs::perms>(0640));
    REQUIRE(shell("cd '" + d.string() + "' && find . -exec touch -h -d @1000000 {} +").exit_code == 0);
}

}  // namespace

TEST_CASE("newc: byte-exact against an archive spelled out from the format", "[cpio]") {
    const std::vector<std::uint8_t> got = write_newc(golden_tree());
    const unsigned m = 1700000000;
    // Order: "", a, a-b, a/b ('-' < '/'), a/c, a/d, a/e, h1, h2, z, z/y.
    // Inodes from 1, shared by h1/h2; nlink: root 2+2 subdirs, z 2+1.
    // The hard-linked data rides on the last name (h2); both names carry
    // h1's attributes.
    const std::string want = spec_archive(spec_entry(1, 040755, 0, 0, 4, m, ".", "") +             //
                                          spec_entry(2, 041777, 0, 0, 2, m, "a", "") +             //
                                          spec_entry(3, 0104755, 5, 6, 1, m, "a-b", "x") +         //
                                          spec_entry(4, 0120777, 0, 0, 1, m, "a/b", "../a-b") +    //
                                          spec_entry(5, 020600, 0, 0, 1, m, "a/c", "", 5, 1) +     //
                                          spec_entry(6, 010644, 0, 0, 1, m, "a/d", "") +           //
                                          spec_entry(7, 060660, 0, 6, 1, m, "a/e", "", 8, 0x10) +  //
                                          spec_entry(8, 0102755, 0, 0, 2, m, "h1", "") +           //
                                          spec_entry(8, 0102755, 0, 0, 2, m, "h2", "hello") +      //
                                          spec_entry(9, 040755, 0, 0, 3, m, "z", "") +             //
                                          spec_entry(10, 040750, 0, 0, 2, m, "z/y", ""));
    CHECK(got.size() % 512 == 0);
    CHECK(text(got) == want);
}

TEST_CASE("newc: the reader returns what the writer wrote", "[cpio]") {
    const std::vector<std::uint8_t> got = write_newc(golden_tree());
    const std::vector<NewcEntry> es = read_newc(got, "golden");
    REQUIRE(es.size() == 11);
    std::vector<std::string> names;
    for (const NewcEntry& e : es) names.push_back(e.name);
    CHECK(names == std::vector<std::string>{".", "a", "a-b", "a/b", "a/c", "a/d", "a/e", "h1", "h2", "z", "z/y"});
    // Every parent comes before its children.
    for (std::size_t i = 1; i < es.size(); ++i) {
        const std::size_t slash = es[i].name.rfind('/');
        const std::string parent = slash == std::string::npos ? "." : es[i].name.substr(0, slash);
        bool before = false;
        for (std::size_t j = 0; j < i; ++j) before = before || es[j].name == parent;
        CHECK(before);
    }
    CHECK(text(es[3].data) == "../a-b");
    CHECK(es[4].rdevmajor == 5);
    CHECK(es[4].rdevminor == 1);
    CHECK(es[7].ino == es[8].ino);
    CHECK(es[7].data.empty());
    CHECK(text(es[8].data) == "hello");
    CHECK(es[0].offset == 0);
    CHECK(es[1].offset == 112);  // 110 + ".\0" is already a multiple of 4
}

TEST_CASE("newc: mtimes, the clamp and fields that do not fit", "[cpio]") {
    FsTree t;
    FsAttrs a = attrs(0644);
    a.mtime = 100;
    t.add_file("/new", bytes("n"), a);
    a.mtime = 10;
    t.add_file("/old", bytes("o"), a);
    NewcOptions clamp;
    clamp.clamp_mtime = 50;
    const std::vector<NewcEntry> es = read_newc(write_newc(t, clamp), "clamped");
    REQUIRE(es.size() == 3);
    CHECK(es[0].mtime == 0);  // the root: mtime 0 from FsTree()
    CHECK(es[1].name == "new");
    CHECK(es[1].mtime == 50);
    CHECK(es[2].mtime == 10);
    CHECK(read_newc(write_newc(t), "unclamped")[1].mtime == 100);

    FsTree neg;
    a.mtime = -1;
    neg.add_file("/before-1970", bytes(""), a);
    CHECK_THAT(error_of([&] { write_newc(neg); }), TDX_CONTAINS("/before-1970: mtime -1 lies outside"));
    FsTree late;
    a.mtime = 0x100000000;
    late.add_symlink("/after-2106", "x", a);
    CHECK_THAT(error_of([&] { write_newc(late); }), TDX_CONTAINS("/after-2106: mtime 4294967296"));
    clamp.clamp_mtime = 0xffffffff;
    CHECK(read_newc(write_newc(late, clamp), "late")[1].mtime == 0xffffffffu);
}

TEST_CASE("newc: the bytes depend only on the tree, not on how it was built", "[cpio]") {
    FsTree one = golden_tree();
    FsTree two;
    two.add_directory("/z/y", attrs(0750));
    two.add_file("/h1", bytes("hello"), attrs(02755));
    two.add_hardlink("/h2", "/h1", attrs(0600));  // takes h1's attributes
    two.add_directory("/a", attrs(01777));
    two.add_device("/a/e", FsNode::Type::BlockDevice, 8, 0x10, attrs(0660, 0, 6));
    two.add_device("/a/d", FsNode::Type::Fifo, 0, 0, attrs(0644));
    two.add_device("/a/c", FsNode::Type::CharDevice, 5, 1, attrs(0600));
    two.add_symlink("/a/b", "../a-b", attrs(0644));  // symlink permissions are not written
    two.add_file("/a-b", bytes("x"), attrs(04755, 5, 6));
    two.set_all_mtimes(1700000000);
    CHECK(write_newc(one) == write_newc(two));
    CHECK(write_newc(one) == write_newc(one));
}

TEST_CASE("newc: the streaming writer gives the same bytes without copying file data", "[cpio]") {
    FsTree t = golden_tree();
    const std::vector<std::uint8_t> big(200000, 0xab);  // larger than the writer's 64 KiB batches
    t.add_file("/big", big, attrs(0644));
    t.add_file("/small", bytes("s"), attrs(0644));
    const std::vector<std::uint8_t> whole = write_newc(t);
    std::vector<std::uint8_t> streamed;
    bool saw_tree_bytes = false;
    const std::uint8_t* big_in_tree = t.find("big")->content->data();
    const std::uint64_t size = write_newc(t, {}, [&](Bytes b) {
        saw_tree_bytes = saw_tree_bytes || b.data() == big_in_tree;
        CHECK(b.size() > 0);
        streamed.insert(streamed.end(), b.begin(), b.end());
    });
    CHECK(size == whole.size());
    CHECK(streamed == whole);
    CHECK(saw_tree_bytes);  // the big file went to the sink as a view into the tree
    tdx::builder::Compressor z(tdx::builder::Compression::Gzip, 9);
    write_newc(t, {}, [&](Bytes b) { z.write(b); });
    CHECK(z.finish() == tdx::builder::compress(tdx::builder::Compression::Gzip, 9, whole));
    // Checks come before the first byte: a failing tree calls the sink never.
    FsTree bad = golden_tree();
    FsAttrs late = attrs(0644);
    late.mtime = -5;
    bad.add_file("/zzz", bytes("z"), late);
    int calls = 0;
    CHECK_THAT(error_of([&] { write_newc(bad, {}, [&](Bytes) { ++calls; }); }), TDX_CONTAINS("/zzz: mtime -5"));
    CHECK(calls == 0);
}

TEST_CASE("newc: the reader is strict and names the offset", "[cpio]") {
    const std::string good = spec_archive(spec_entry(1, 040755, 0, 0, 2, 0, ".", "") + spec_entry(2, 0100644, 0, 0, 1, 0, "f", "abc"));
    REQUIRE(read_newc(bytes(good), "ok").size() == 2);

    std::string bad = good;
    bad[0] = 'X';
    CHECK_THAT(error_of([&] { read_newc(bytes(bad), "init.cpio"); }), TDX_CONTAINS("init.cpio: entry at offset 0x0: bad magic"));
    bad = good;
    bad.replace(0, 6, "070707");
    CHECK_THAT(error_of([&] { read_newc(bytes(bad), "x"); }), TDX_CONTAINS("old odc format"));
    bad = good;
    bad[112 + 6 + 8 + 3] = 'g';  // second entry's mode field
    CHECK_THAT(error_of([&] { read_newc(bytes(bad), "x"); }), TDX_CONTAINS("offset 0x70: field mode is not 8 hex digits"));
    CHECK_THAT(error_of([&] { read_newc(bytes(good.substr(0, 200)), "x"); }), TDX_CONTAINS("offset 0x70"));
    CHECK_THAT(error_of([&] { read_newc(bytes(good.substr(0, 112 + 110 + 4 + 1)), "x"); }), TDX_CONTAINS("past the end"));
    CHECK_THAT(error_of([&] { read_newc(bytes(good.substr(0, 112)), "x"); }), TDX_CONTAINS("without a TRAILER!!!"));
    bad = good;
    bad[bad.size() - 1] = 1;
    CHECK_THAT(error_of([&] { read_newc(bytes(bad), "x"); }), TDX_CONTAINS("after the trailer"));

    auto one = [](const std::string& entry) { return bytes(spec_archive(entry)); };
    CHECK_THAT(error_of([&] { read_newc(one(spec_entry(1, 0100644, 0, 0, 1, 0, "/etc/passwd", "")), "x"); }),
               TDX_CONTAINS("absolute name \"/etc/passwd\""));
    CHECK_THAT(error_of([&] { read_newc(one(spec_entry(1, 0100644, 0, 0, 1, 0, "a/../../x", "")), "x"); }), TDX_CONTAINS("\"..\" component"));
    CHECK(read_newc(one(spec_entry(1, 0100644, 0, 0, 1, 0, "a/..b", "")), "x").size() == 1);
    CHECK_THAT(error_of([&] { read_newc(one(spec_entry(1, 040755, 0, 0, 2, 0, "d", "data")), "x"); }), TDX_CONTAINS("4 bytes of data"));
    CHECK_THAT(error_of([&] { read_newc(one(spec_entry(1, 0120777, 0, 0, 1, 0, "l", "")), "x"); }), TDX_CONTAINS("empty target"));
    CHECK_THAT(error_of([&] { read_newc(one(spec_entry(1, 0170644, 0, 0, 1, 0, "w", "")), "x"); }), TDX_CONTAINS("no known file type"));

    // 070702: the check field is the byte sum of the data.
    std::string crc = spec_entry(1, 0100644, 0, 0, 1, 0, "f", "abc");
    crc.replace(0, 6, "070702");
    crc.replace(6 + 12 * 8, 8, "00000126");  // 'a'+'b'+'c' = 0x126
    CHECK(read_newc(bytes(spec_archive(crc)), "x").size() == 1);
    crc.replace(6 + 12 * 8, 8, "00000127");
    CHECK_THAT(error_of([&] { read_newc(bytes(spec_archive(crc)), "x"); }), TDX_CONTAINS("sums to 0x126"));
}

TEST_CASE("newc: GNU cpio extracts our archive to the same tree", "[cpio][oracle]") {
    if (!tdx::test::require_tool("/usr/bin/cpio")) return;
    FsTree t;
    t.add_directory("/etc", attrs(0755));
    t.add_file("/etc/passwd", bytes("root:x:0:0::/root:/bin/sh\n"), attrs(0644));
    t.add_directory("/usr/bin", attrs(0755));
    t.add_symlink("/bin", "usr/bin", attrs(0777));
    t.add_file("/bin/busybox", bytes(std::string(5000, 'B')), attrs(04755));
    t.add_hardlink("/usr/bin/sh", "/usr/bin/busybox", attrs(0755));
    t.add_hardlink("/usr/bin/ash", "/usr/bin/busybox", attrs(0755));
    t.add_directory("/tmp", attrs(01777));
    t.add_file("/tmp/empty", bytes(""), attrs(0600));
    t.add_file("/a-b", bytes("dash"), attrs(02711));
    t.add_device("/run/initctl", FsNode::Type::Fifo, 0, 0, attrs(0600));
    t.add_symlink("/usr/lib64", "/usr/lib", attrs(0777));  // dangling, absolute
    t.set_all_mtimes(1234567890);
    TempDir tmp;
    tdx::test::write_bytes(tmp / "a.cpio", write_newc(t));
    fs::create_directory(tmp / "x");
    const auto r = shell("cd '" + (tmp / "x").string() + "' && /usr/bin/cpio -idm --no-absolute-filenames --quiet < ../a.cpio");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    const fs::path x = tmp / "x";
    struct stat st {};
    for (const auto& [path, node] : t.entries()) {
        if (path.empty()) continue;
        INFO(path);
        REQUIRE(::lstat((x / path).c_str(), &st) == 0);
        switch (node.type) {
            case FsNode::Type::Directory: CHECK(S_ISDIR(st.st_mode)); break;
            case FsNode::Type::File:
                CHECK(S_ISREG(st.st_mode));
                CHECK(tdx::test::read_text(x / path) == text(*node.content));
                CHECK(st.st_mtime == 1234567890);
                break;
            case FsNode::Type::Symlink:
                CHECK(S_ISLNK(st.st_mode));
                CHECK(fs::read_symlink(x / path).string() == node.target);
                break;
            case FsNode::Type::Fifo: CHECK(S_ISFIFO(st.st_mode)); break;
            default: break;
        }
        if (node.type != FsNode::Type::Symlink) CHECK((st.st_mode & 07777) == node.mode);
        if (::geteuid() == 0) CHECK(st.st_uid == node.uid);
    }
    struct stat a {
    }, b{}, c{};
    REQUIRE(::lstat((x / "usr/bin/busybox").c_str(), &a) == 0);
    REQUIRE(::lstat((x / "usr/bin/sh").c_str(), &b) == 0);
    REQUIRE(::lstat((x / "usr/bin/ash").c_str(), &c) == 0);
    CHECK(a.st_ino == b.st_ino);
    CHECK(a.st_ino == c.st_ino);
    CHECK(a.st_nlink == 3);
}

TEST_CASE("newc: libarchive's cpio reader agrees", "[cpio][oracle]") {
    const std::vector<std::uint8_t> got = write_newc(golden_tree());
    struct archive* a = archive_read_new();
    archive_read_support_format_cpio(a);
    REQUIRE(archive_read_open_memory(a, got.data(), got.size()) == ARCHIVE_OK);
    std::vector<std::string> seen;
    struct archive_entry* e = nullptr;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const std::string name = archive_entry_pathname(e);
        seen.push_back(name);
        const unsigned mode = archive_entry_mode(e);
        if (name == "a") CHECK(mode == 041777);
        if (name == "a-b") {
            CHECK(mode == 0104755);
            CHECK(archive_entry_uid(e) == 5);
            CHECK(archive_entry_gid(e) == 6);
        }
        if (name == "a/b") CHECK(std::string(archive_entry_symlink(e)) == "../a-b");
        if (name == "a/e") {
            CHECK(archive_entry_filetype(e) == AE_IFBLK);
            CHECK(archive_entry_rdevmajor(e) == 8);
            CHECK(archive_entry_rdevminor(e) == 0x10);
        }
        if (name == "h2") {
            // libarchive reports the second name of an inode as a hard link to the first.
            REQUIRE(archive_entry_hardlink(e) != nullptr);
            CHECK(std::string(archive_entry_hardlink(e)) == "h1");
            CHECK(archive_entry_size(e) == 5);
            char buf[16];
            CHECK(archive_read_data(a, buf, sizeof buf) == 5);
            CHECK(std::string(buf, 5) == "hello");
        }
        CHECK(archive_entry_mtime(e) == 1700000000);
    }
    CHECK(archive_format(a) == ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
    archive_read_free(a);
    CHECK(seen == std::vector<std::string>{".", "a", "a-b", "a/b", "a/c", "a/d", "a/e", "h1", "h2", "z", "z/y"});
}

TEST_CASE("newc: read_newc reads GNU cpio's archive of a directory", "[cpio][oracle]") {
    if (!tdx::test::require_tool("/usr/bin/cpio")) return;
    TempDir tmp;
    const fs::path d = tmp / "root";
    make_sample_dir(d);
    fs::create_hard_link(d / "d" / "f", d / "e" / "g");
    REQUIRE(shell("touch -h -d @1000000 '" + (d / "e").string() + "'").exit_code == 0);
    const auto r = shell("cd '" + d.string() +
                         "' && find . | LC_ALL=C sort | /usr/bin/cpio -o -H newc --reproducible -R 0:0 --quiet > ../g.cpio");
    REQUIRE(r.exit_code == 0);
    const std::vector<std::uint8_t> gnu = bytes(tdx::test::read_text(tmp / "g.cpio"));
    const std::vector<NewcEntry> es = read_newc(gnu, "g.cpio");
    std::map<std::string, NewcEntry> by_name;
    for (const NewcEntry& e : es) by_name[e.name] = e;
    REQUIRE(by_name.count("."));
    CHECK(by_name.size() == es.size());
    CHECK(by_name.at("d/f").mode == 0100640);
    CHECK(by_name.at("e/setuid").mode == 0104755);
    CHECK(by_name.at("d/sub2").mode == 041777);
    CHECK(by_name.at("e/l").mode == 0120777);
    CHECK(text(by_name.at("e/l").data) == "../d/f");
    CHECK(text(by_name.at("a-b").data) == "dash");
    CHECK(by_name.at("a-b").mtime == 1000000);
    // GNU cpio, like us, puts a hard link's data on its last name.
    CHECK(by_name.at("d/f").ino == by_name.at("e/g").ino);
    CHECK(by_name.at("d/f").nlink == 2);
    CHECK(by_name.at("d/f").data.empty());
    CHECK(text(by_name.at("e/g").data) == "hello\n");
}

TEST_CASE("newc: equals GNU cpio --reproducible byte for byte, but for inode numbering", "[cpio][oracle]") {
    if (!tdx::test::require_tool("/usr/bin/cpio")) return;
    TempDir tmp;
    const fs::path d = tmp / "root";
    make_sample_dir(d);
    // GNU cpio copies a directory's link count from the disk: comparable only
    // where the file system counts 2 + subdirectories (ext4, tmpfs; not btrfs).
    struct stat st {};
    REQUIRE(::lstat((d / "d").c_str(), &st) == 0);
    if (!tdx::test::require(st.st_nlink == 4, "a file system that counts a directory's links as 2 + subdirectories (this one reports " +
                                                  std::to_string(st.st_nlink) + " for 2)"))
        return;
    const auto r = shell("cd '" + d.string() +
                         "' && find . | LC_ALL=C sort | /usr/bin/cpio -o -H newc --reproducible -R 0:0 --quiet > ../g.cpio");
    REQUIRE(r.exit_code == 0);
    std::string gnu = tdx::test::read_text(tmp / "g.cpio");
    // GNU cpio numbers inodes from 0, we from 1 (0 reads as "no inode"): shift
    // GNU's numbers, then every byte must agree.
    for (const NewcEntry& e : read_newc(bytes(gnu), "g.cpio")) {
        char ino[9];
        std::snprintf(ino, sizeof ino, "%08X", e.ino + 1);
        gnu.replace(static_cast<std::size_t>(e.offset) + 6, 8, ino);
    }
    FsTree t = tree_from_dir(d);
    t.set_all_mtimes(1000000);  // the root's too, which the tree made itself
    const std::vector<std::uint8_t> ours = write_newc(t);
    CHECK(text(ours) == gnu);
}
