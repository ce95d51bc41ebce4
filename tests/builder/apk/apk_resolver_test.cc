#include "tests/support/catch.h"

#include "base/error.h"
#include "builder/apk/apk_resolver.h"

using namespace tdx::builder;

namespace {

// A record with a placeholder identity; resolution never looks at it.
std::string rec(const std::string& name, const std::string& ver, const std::string& extra = "") {
    return "C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:" + name + "\nV:" + ver + "\nA:x86_64\nS:1234\n" + extra + "\n";
}

ApkIndex index(const std::string& repo, const std::string& text) {
    ApkIndex i;
    i.repository = repo;
    i.arch = "x86_64";
    i.url = repo + "/x86_64/APKINDEX.tar.gz";
    i.packages = parse_apkindex_text(text, repo);
    return i;
}

std::vector<std::string> picked(const std::vector<PackageRef>& refs) {
    std::vector<std::string> out;
    for (const PackageRef& r : refs) out.push_back(r.name + "-" + r.version);
    return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("apk resolver: closure, newest version, output fields", "[apk]") {
    ApkIndex main = index("https://m/alpine/v3.22/main", rec("musl", "1.2.5-r9", "p:so:libc.musl-x86_64.so.1=1\n") +
                                                             rec("busybox", "1.37.0-r12", "D:so:libc.musl-x86_64.so.1\n") +
                                                             rec("busybox", "1.37.0-r9", "D:so:libc.musl-x86_64.so.1\n") + rec("unused", "1"));
    auto refs = apk_resolve({main}, {"busybox"});
    CHECK(picked(refs) == V{"busybox-1.37.0-r12", "musl-1.2.5-r9"});
    const PackageRef& bb = refs.at(0);
    CHECK(bb.filename == "busybox-1.37.0-r12.apk");
    CHECK(bb.urls == V{"https://m/alpine/v3.22/main/x86_64/busybox-1.37.0-r12.apk"});
    CHECK(bb.size == 1234);
    CHECK(bb.architecture == "x86_64");
    CHECK(bb.apk_checksum == "Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    CHECK(bb.source == "https://m/alpine/v3.22/main/x86_64/APKINDEX.tar.gz");
    CHECK(bb.sha256.empty());
}

TEST_CASE("apk resolver: version constraints", "[apk]") {
    ApkIndex i = index("r", rec("lib", "1.0-r0") + rec("lib", "2.0-r0") + rec("lib", "2.1_rc1-r0") + rec("app", "1", "D:lib<2\n") +
                                rec("app2", "1", "D:lib~2.1\n") + rec("tool", "1", "D:lib>=3\n"));
    CHECK(picked(apk_resolve({i}, {"lib"})) == V{"lib-2.1_rc1-r0"});  // 2.1_rc1 is newer than 2.0
    CHECK(picked(apk_resolve({i}, {"app"})) == V{"app-1", "lib-1.0-r0"});
    CHECK(picked(apk_resolve({i}, {"app2"})) == V{"app2-1", "lib-2.1_rc1-r0"});
    CHECK(picked(apk_resolve({i}, {"lib=1.0-r0"})) == V{"lib-1.0-r0"});
    CHECK_THROWS_WITH(apk_resolve({i}, {"tool"}), TDX_CONTAINS("unsatisfiable dependency lib>=3") && TDX_CONTAINS("world[tool] → tool-1") &&
                                                      TDX_CONTAINS("lib-2.1_rc1-r0: version does not match"));
    CHECK(picked(apk_resolve({i}, {"lib<2.1"})) == V{"lib-2.1_rc1-r0"});  // a pre-release sorts below 2.1
    CHECK(picked(apk_resolve({i}, {"lib<2.1_alpha"})) == V{"lib-2.0-r0"});
    // The request picks lib 2.1_rc1 first; app then needs lib<2 (no backtracking).
    CHECK_THROWS_WITH(apk_resolve({i}, {"lib", "app"}), TDX_CONTAINS("lib<2") && TDX_CONTAINS("world[app] → app-1") &&
                                                            TDX_CONTAINS("lib-2.1_rc1-r0 is already selected (world[lib])"));
}

TEST_CASE("apk resolver: so:, cmd: and provider choices", "[apk]") {
    ApkIndex i = index("r", rec("musl", "1.2.5-r9", "p:so:libc.musl-x86_64.so.1=1\n") +
                                rec("busybox", "1.37.0-r12", "p:cmd:sh=1.37.0-r12 cmd:ls=1.37.0-r12\n") +
                                rec("coreutils", "9.5-r2", "p:cmd:ls=9.5-r2\n") + rec("zlib", "1.3.1-r2", "p:so:libz.so.1=1.3.1\n") +
                                rec("zlib-ng-compat", "2.2.2-r0", "p:so:libz.so.1=1.3.1\nk:10\n") +
                                rec("app", "1", "D:so:libc.musl-x86_64.so.1 cmd:sh so:libz.so.1\n"));
    SECTION("so: and cmd: names resolve to their providers; higher k: wins") {
        CHECK(picked(apk_resolve({i}, {"app"})) == V{"app-1", "busybox-1.37.0-r12", "musl-1.2.5-r9", "zlib-ng-compat-2.2.2-r0"});
    }
    SECTION("higher provided version wins when priorities tie") { CHECK(picked(apk_resolve({i}, {"cmd:ls"})) == V{"coreutils-9.5-r2"}); }
    SECTION("an already selected provider satisfies later dependencies") {
        CHECK(picked(apk_resolve({i}, {"zlib", "app"})) == V{"app-1", "busybox-1.37.0-r12", "musl-1.2.5-r9", "zlib-1.3.1-r2"});
    }
    SECTION("a package named like the dependency beats providers") {
        ApkIndex j = index("r", rec("sh", "1") + rec("dash", "9", "p:sh=99\nk:100\n"));
        CHECK(picked(apk_resolve({j}, {"sh"})) == V{"sh-1"});
    }
}

TEST_CASE("apk resolver: virtual packages", "[apk]") {
    SECTION("unversioned providers with equal priority are ambiguous") {
        ApkIndex i = index("r", rec("a", "1", "p:virt\n") + rec("b", "1", "p:virt\n"));
        CHECK_THROWS_WITH(apk_resolve({i}, {"virt"}),
                          TDX_CONTAINS("ambiguous dependency virt") && TDX_CONTAINS("a, b") && TDX_CONTAINS("name one of them"));
        CHECK(picked(apk_resolve({i}, {"b", "virt"})) == V{"b-1"});
    }
    SECTION("provider_priority breaks the tie; a single provider is taken") {
        ApkIndex i = index("r", rec("a", "1", "p:virt\n") + rec("b", "1", "p:virt\nk:5\n") + rec("c", "1", "p:only\n"));
        CHECK(picked(apk_resolve({i}, {"virt", "only"})) == V{"b-1", "c-1"});
    }
    SECTION("an unversioned provide does not meet a versioned dependency") {
        ApkIndex i = index("r", rec("a", "1", "p:virt\n"));
        CHECK_THROWS_WITH(apk_resolve({i}, {"virt>1"}), TDX_CONTAINS("provides virt without a version"));
    }
}

TEST_CASE("apk resolver: repositories, conflicts, install_if, missing names", "[apk]") {
    ApkIndex main = index("main", rec("pkg", "1.0-r0") + rec("same", "2.0-r0", "D:dep\n") + rec("dep", "1"));
    ApkIndex community = index("community", rec("pkg", "1.1-r0") + rec("same", "2.0-r0") + rec("extra", "1", "D:nothere>=2\n"));
    SECTION("newest version wins across repositories; order breaks ties") {
        auto refs = apk_resolve({main, community}, {"pkg", "same"});
        CHECK(picked(refs) == V{"dep-1", "pkg-1.1-r0", "same-2.0-r0"});
        CHECK(refs.at(1).urls.at(0) == "community/x86_64/pkg-1.1-r0.apk");
        CHECK(refs.at(2).urls.at(0) == "main/x86_64/same-2.0-r0.apk");
    }
    SECTION("missing names name the chain") {
        CHECK_THROWS_WITH(apk_resolve({main, community}, {"extra"}),
                          TDX_CONTAINS("nothere>=2 (world[extra] → extra-1)") && TDX_CONTAINS("no package is named or provides nothere"));
        CHECK_THROWS_WITH(apk_resolve({main}, {"ghost"}), TDX_CONTAINS("world[ghost]"));
    }
    SECTION("conflicts") {
        ApkIndex i = index("r", rec("a", "1", "D:!b\n") + rec("b", "1") + rec("c", "1", "D:b\n") + rec("d", "1", "p:x=1\n") +
                                    rec("e", "1", "p:x=2\n"));
        CHECK_THROWS_WITH(apk_resolve({i}, {"b", "a"}),
                          TDX_CONTAINS("conflict: world[a] → a-1 excludes b") && TDX_CONTAINS("b-1 is selected (world[b])"));
        CHECK_THROWS_WITH(apk_resolve({i}, {"a", "c"}), TDX_CONTAINS("excluded by !b (world[a] → a-1)"));
        CHECK(picked(apk_resolve({i}, {"!e", "x"})) == V{"d-1"});
        CHECK(picked(apk_resolve({i}, {"x"})) == V{"e-1"});
    }
    SECTION("install_if adds packages whose conditions all hold") {
        ApkIndex i = index("r", rec("a", "1") + rec("b", "1") + rec("a-b-glue", "1", "i:a b\nD:helper\n") + rec("helper", "1") +
                                    rec("a-doc", "1", "i:a docs\n"));
        CHECK(picked(apk_resolve({i}, {"a", "b"})) == V{"a-1", "a-b-glue-1", "b-1", "helper-1"});
        CHECK(picked(apk_resolve({i}, {"a"})) == V{"a-1"});
        CHECK(picked(apk_resolve({i}, {"a", "b"}, {.install_if = false})) == V{"a-1", "b-1"});
    }
}
