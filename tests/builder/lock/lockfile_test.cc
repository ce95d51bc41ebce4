#include "builder/lock/lockfile.h"

#include "base/error.h"
#include "tests/builder/recipe/yaml_bomb.h"
#include "tests/support/catch.h"

using namespace tdx::builder;

namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

PackageRef pkg(const std::string& name, const std::string& version, const std::string& sha) {
    PackageRef p;
    p.name = name;
    p.version = version;
    p.architecture = "amd64";
    p.source = "http://deb.debian.org/debian/dists/trixie/InRelease";
    p.filename = "pool/main/" + name + "_" + version + ".deb";
    p.urls = {"http://deb.debian.org/debian/" + p.filename};
    p.size = 1234;
    p.sha256 = sha;
    return p;
}

Lockfile sample() {
    Lockfile l;
    l.recipe_file = "debian-13.yaml";
    l.recipe_sha256 = kHashA;
    l.indexes = {{"http://deb.debian.org/debian/dists/trixie/InRelease", 100, kHashB, ""},
                 {"http://deb.debian.org/debian/dists/trixie/main/binary-amd64/Packages.xz", 200, kHashA, "20261123T000000Z"}};
    l.packages = {pkg("zlib1g", "1:1.3.dfsg-3.1", kHashA), pkg("busybox-static", "1:1.37.0-6", kHashB)};
    l.files = {{"kernel", {"https://example.org/vmlinuz"}, 42, kHashB}};
    return l;
}

}  // namespace

TEST_CASE("lockfile: render is sorted and stable, parse round-trips") {
    Lockfile a = sample();
    Lockfile b = sample();
    std::reverse(b.packages.begin(), b.packages.end());
    std::reverse(b.indexes.begin(), b.indexes.end());
    const std::string text = render_lockfile(a);
    CHECK(render_lockfile(b) == text);
    CHECK(text.find("busybox-static") < text.find("zlib1g"));
    CHECK(text.find("version: \"1:1.37.0-6\"") != std::string::npos);  // quoted: YAML would not misread it
    Lockfile back = parse_lockfile(text, "x.lock");
    CHECK(render_lockfile(back) == text);
    CHECK(back.indexes[1].snapshot == "20261123T000000Z");
    CHECK(back.files[0].role == "kernel");
    CHECK(diff_lockfiles(a, back).empty());
}

TEST_CASE("lockfile: strings with quotes, backslashes and control characters survive") {
    Lockfile l = sample();
    l.packages[0].filename = "we\"ird\\name\tx";
    Lockfile back = parse_lockfile(render_lockfile(l), "x.lock");
    bool found = false;
    for (const auto& p : back.packages) found = found || p.filename == "we\"ird\\name\tx";
    CHECK(found);
}

TEST_CASE("lockfile: strict parsing names the line and column") {
    const std::string good = render_lockfile(sample());
    SECTION("unknown key") {
        std::string bad = good;
        bad.replace(bad.find("    size: 1234"), 14, "    sizes: 1234");
        CHECK_THROWS_WITH(parse_lockfile(bad, "x.lock"), TDX_CONTAINS("x.lock:") && TDX_CONTAINS("unknown key \"sizes\""));
    }
    SECTION("bad hash") {
        std::string bad = good;
        bad.replace(bad.find(kHashA), 64, std::string(63, 'a') + "G");
        CHECK_THROWS_WITH(parse_lockfile(bad, "x.lock"), TDX_CONTAINS("64 lowercase hex digits"));
    }
    SECTION("missing key") {
        std::string bad = good;
        bad.erase(bad.find("    architecture:"), bad.find('\n', bad.find("    architecture:")) - bad.find("    architecture:") + 1);
        CHECK_THROWS_WITH(parse_lockfile(bad, "x.lock"), TDX_CONTAINS("lacks \"architecture\""));
    }
    SECTION("a missing mapping (the lock_check fuzzer's finding: yaml-cpp's own exception escaped)") {
        std::string bad = good;
        const std::size_t at = bad.find("recipe:");
        bad.replace(at, 7, "recipf:");
        CHECK_THROWS_WITH(parse_lockfile(bad, "x.lock"), TDX_CONTAINS("unknown key \"recipf\""));
        CHECK_THROWS_WITH(parse_lockfile("schema: \"tdximage.lock/v1\"\n", "x.lock"), TDX_CONTAINS("x.lock: recipe must be a mapping"));
    }
    SECTION("other schema") {
        std::string bad = good;
        bad.replace(bad.find("tdximage.lock/v1"), 16, "tdximage.lock/v9");
        CHECK_THROWS_WITH(parse_lockfile(bad, "x.lock"), TDX_CONTAINS("is not tdximage.lock/v1"));
    }
    SECTION("not YAML") { CHECK_THROWS_WITH(parse_lockfile("a: [\n", "x.lock"), TDX_CONTAINS("x.lock:") && TDX_CONTAINS("not valid YAML")); }
    SECTION("a key that is a list (the lockfile fuzzer's finding)") {
        CHECK_THROWS_WITH(parse_lockfile("? [a]\n", "x.lock"),
                          TDX_CONTAINS("x.lock:1:3: keys in the lockfile must be plain names, not a list or a mapping"));
        CHECK_THROWS_AS(parse_lockfile("{[a]: 1}\n", "x.lock"), tdx::Error);
    }
    SECTION("size not a number") {
        std::string bad = good;
        bad.replace(bad.find("    size: 1234"), 14, "    size: -1");
        CHECK_THROWS_WITH(parse_lockfile(bad, "x.lock"), TDX_CONTAINS("non-negative integer"));
    }
}

TEST_CASE("lockfile diff: added, removed and changed packages, indexes and the recipe") {
    Lockfile a = sample();
    Lockfile b = sample();
    b.packages[0] = pkg("zlib1g", "1:1.3.dfsg-3.2", kHashB);  // changed
    b.packages.erase(b.packages.begin() + 1);                 // busybox removed
    b.packages.push_back(pkg("libc6", "2.41-12", kHashA));    // added
    b.indexes[0].sha256 = kHashA;
    b.recipe_sha256 = kHashB;
    auto changes = diff_lockfiles(a, b);
    auto has = [&](LockChange::Kind k, const std::string& what) {
        for (const auto& c : changes)
            if (c.kind == k && c.what.find(what) != std::string::npos) return true;
        return false;
    };
    CHECK(has(LockChange::Kind::Changed, "package zlib1g"));
    CHECK(has(LockChange::Kind::Removed, "package busybox-static"));
    CHECK(has(LockChange::Kind::Added, "package libc6"));
    CHECK(has(LockChange::Kind::Changed, "index http://deb.debian.org/debian/dists/trixie/InRelease"));
    CHECK(has(LockChange::Kind::Changed, "recipe"));
    CHECK(changes.size() == 5);
}

TEST_CASE("lockfile: an alias bomb and deep nesting are refused before the lock is walked") {
    // Nine nested anchors of ten aliases each: 10^9 nodes if walked.
    const std::string bomb = "schema: tdximage.lock/v1\n" + tdx::test::yaml_alias_bomb();
    CHECK_THROWS_WITH(parse_lockfile(bomb, "bomb.lock"),
                      TDX_CONTAINS("bomb.lock:") && TDX_CONTAINS("the lockfile expands to more than 100000 YAML nodes"));
    const std::string deep = "schema: " + std::string(100, '[') + std::string(100, ']') + "\n";
    CHECK_THROWS_WITH(parse_lockfile(deep, "deep.lock"), TDX_CONTAINS("values nested more than 64 levels deep; refusing the lockfile"));
}
