#include "tests/support/catch.h"

#include "base/error.h"
#include "builder/apk/apk_index.h"
#include "builder/apk/apk_package.h"
#include "builder/apk/apk_resolver.h"
#include "builder/rootfs/fs_tree.h"
#include "builder/rootfs/rootfs_stage.h"
#include "tests/builder/apk/apk_fixture.h"

using namespace tdx::builder;
using namespace tdx::test;
using namespace tdx::test::apk;

namespace {

const TestKey& key() {
    static TestKey k("build@example.org-5f00aa11.rsa.pub");
    return k;
}

ApkKeyring ring() {
    ApkKeyring r;
    r.add_pem(key().name(), key().public_pem(), "test key");
    return r;
}

tdx::Bytes view(const std::string& s) { return tdx::Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

PkgSpec hello() {
    PkgSpec s{"hello", "1.0-r0"};
    s.files = {{"usr", "", AE_IFDIR, "", 0755},
               {"usr/bin", "", AE_IFDIR, "", 0755},
               {"usr/bin/hello", "#!/bin/sh\necho hi\n", AE_IFREG, "", 04755},
               {"usr/bin/hi", "", AE_IFLNK, "hello"},
               {"usr/lib/libx.so.1", "", AE_IFLNK, "../../lib/libx.so.1"},
               {"usr/bin/hello2", "", AE_IFREG, "usr/bin/hello"}};
    return s;
}

}  // namespace

TEST_CASE("apk package: identity, signature, entries and staging", "[apk]") {
    BuiltApk b = build_apk(hello(), key());
    ApkKeyring r = ring();
    ApkPackage p = read_apk(view(b.bytes), "hello-1.0-r0.apk", {b.identity, &r});
    CHECK(p.name == "hello");
    CHECK(p.version == "1.0-r0");
    CHECK(p.identity == b.identity);
    CHECK(p.signer == key().name());
    REQUIRE(p.entries.size() == 6);
    CHECK(p.entries[2].path == "usr/bin/hello");
    CHECK(p.entries[2].mode == 04755);
    CHECK(p.entries[2].size == 18);
    CHECK(p.entries[3].type == ApkEntry::Type::Symlink);
    CHECK(p.entries[3].link_target == "hello");
    CHECK(p.entries[5].type == ApkEntry::Type::Hardlink);
    CHECK(p.entries[5].link_target == "usr/bin/hello");

    // Staged into the in-memory image tree: content, links and modes as packaged.
    FsTree tree;
    stage_apk(tree, p, "hello");
    const FsNode* hello2 = tree.find("/usr/bin/hello2");
    REQUIRE(hello2);
    CHECK(std::string(hello2->content->begin(), hello2->content->end()) == "#!/bin/sh\necho hi\n");
    REQUIRE(tree.find("/usr/bin/hi"));
    CHECK(tree.find("/usr/bin/hi")->target == "hello");
    CHECK(tree.find("/usr/bin/hello")->mode == 04755);
    CHECK(tree.find("/usr/bin/hello")->link_id == hello2->link_id);
    CHECK(hello2->link_id != 0);

    SECTION("SHA-256 signature and packages without datahash") {
        PkgSpec s = hello();
        s.sig_type = "RSA256";
        s.datahash = false;
        BuiltApk old = build_apk(s, key());
        CHECK(read_apk(view(old.bytes), "old.apk", {old.identity, &r}).entries.size() == 6);
    }
}

TEST_CASE("apk package: mismatches, bad signatures and damaged files", "[apk]") {
    BuiltApk b = build_apk(hello(), key());
    ApkKeyring r = ring();
    SECTION("C: mismatch") {
        BuiltApk other = build_apk(PkgSpec{"other", "1"}, key());
        CHECK_THROWS_WITH(read_apk(view(b.bytes), "hello-1.0-r0.apk", {other.identity, nullptr}),
                          TDX_CONTAINS("hello-1.0-r0.apk") && TDX_CONTAINS("differs from the index's C:" + other.identity));
    }
    SECTION("data swapped: datahash catches it") {
        BuiltApk other = build_apk(PkgSpec{"hello", "1.0-r0"}, key());
        std::string mixed = b.bytes.substr(0, b.data_offset) + other.bytes.substr(other.data_offset);
        CHECK_THROWS_WITH(read_apk(view(mixed), "mixed.apk", {b.identity, &r}), TDX_CONTAINS("datahash") && TDX_CONTAINS("offset 0x"));
    }
    SECTION("signature by an untrusted key, or not matching") {
        TestKey mallory(key().name());
        BuiltApk evil = build_apk(hello(), mallory);
        CHECK_THROWS_WITH(read_apk(view(evil.bytes), "evil.apk", {"", &r}), TDX_CONTAINS("does not match"));
        ApkKeyring none;
        CHECK_THROWS_WITH(read_apk(view(b.bytes), "hello.apk", {"", &none}), TDX_CONTAINS("untrusted"));
    }
    SECTION("truncated anywhere") {
        for (std::size_t cut : {std::size_t{5}, b.control_offset - 3, b.control_offset, b.data_offset - 1, b.data_offset, b.data_offset + 20,
                                b.bytes.size() - 4}) {
            INFO("cut at " << cut);
            CHECK_THROWS_AS(read_apk(view(b.bytes.substr(0, cut)), "cut.apk", {b.identity, &r}), tdx::Error);
        }
    }
    SECTION("corrupt bytes") {
        for (std::size_t at : {std::size_t{12}, b.control_offset + 12, b.data_offset + 12, b.bytes.size() - 6}) {
            INFO("flip at " << at);
            std::string bad = b.bytes;
            bad[at] = static_cast<char>(bad[at] ^ 0x20);
            CHECK_THROWS_AS(read_apk(view(bad), "bad.apk", {b.identity, &r}), tdx::Error);
        }
    }
}

TEST_CASE("apk package: traversal, absolute links and devices are refused when read", "[apk]") {
    struct Case {
        TarMember m;
        const char* msg;
    };
    const Case cases[] = {
        {{"../escape", "x"}, "path traversal"},
        {{"usr/../../escape", "x"}, "path traversal"},
        {{"/etc/escape", "x"}, "absolute path"},
        {{"usr/lib/abs", "", AE_IFLNK, "/etc/passwd"}, "is absolute"},
        {{"usr/up", "", AE_IFLNK, "../../etc"}, "climbs above"},
        {{"usr/hard", "", AE_IFREG, "../outside"}, "path traversal"},
        {{"usr/hard", "", AE_IFREG, "usr/missing"}, "earlier regular file"},
        {{"dev/null", "", AE_IFCHR}, "device node"},
    };
    for (const Case& c : cases) {
        INFO(c.m.name << " -> " << c.m.link);
        PkgSpec s{"bad", "1"};
        s.files = {{"usr", "", AE_IFDIR, "", 0755}, c.m, {"usr/after", "y"}};
        BuiltApk b = build_apk(s, key());
        CHECK_THROWS_WITH(read_apk(view(b.bytes), "bad-1.apk", {b.identity, nullptr}), TDX_CONTAINS("bad-1.apk") && TDX_CONTAINS(c.msg));
    }
}

TEST_CASE("apk end to end: signed repository, resolve, fetch, check, stage", "[apk]") {
    TempDir t;
    Repo main{t / "alpine/v3.99/main", {}, {}};
    PkgSpec musl{"musl", "1.2.5-r9"};
    musl.provides = "so:libc.musl-x86_64.so.1=1";
    musl.files = {{"lib", "", AE_IFDIR, "", 0755},
                  {"lib/ld-musl-x86_64.so.1", "ELF"},
                  {"lib/libc.musl-x86_64.so.1", "", AE_IFLNK, "ld-musl-x86_64.so.1"}};
    PkgSpec app = hello();
    app.depends = "so:libc.musl-x86_64.so.1";
    main.add(musl, key());
    main.add(app, key());
    main.publish(key());

    FileDownloader dl;
    ApkKeyring r = ring();
    ApkIndex idx = fetch_apkindex(dl, main.url(), "x86_64", r);
    auto refs = apk_resolve({idx}, {"hello"});
    REQUIRE(refs.size() == 2);
    FsTree tree;
    for (const PackageRef& ref : refs) {
        CHECK(ref.urls.at(0) == main.url() + "/x86_64/" + ref.filename);
        std::vector<std::uint8_t> bytes = dl.get(ref.urls, {ref.size, std::nullopt});
        ApkPackage p = read_apk(tdx::Bytes(bytes.data(), bytes.size()), ref.filename, {ref.apk_checksum, &r});
        stage_apk(tree, p, ref.filename);
    }
    REQUIRE(tree.find("/lib/ld-musl-x86_64.so.1"));
    CHECK(tree.find("/lib/ld-musl-x86_64.so.1")->content->size() == 3);
    REQUIRE(tree.find("/usr/bin/hello"));
    CHECK(tree.find("/usr/bin/hello")->type == FsNode::Type::File);
}
