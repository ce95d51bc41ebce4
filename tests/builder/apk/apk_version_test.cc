#include "tests/support/catch.h"

#include "base/error.h"
#include "builder/apk/apk_version.h"

using namespace tdx::builder;

TEST_CASE("apk versions order like apk's", "[apk]") {
    // Each pair: first < second.
    const char* less[][2] = {
        {"1.0", "1.1"},
        {"1.9", "1.10"},
        {"1.0", "1.0.1"},
        {"1.0", "1.0a"},
        {"1.0a", "1.0b"},
        {"1.0a", "1.0.1"},
        {"1.0_alpha", "1.0_beta"},
        {"1.0_beta", "1.0_pre"},
        {"1.0_pre", "1.0_rc"},
        {"1.0_rc1", "1.0"},
        {"1.0", "1.0_cvs"},
        {"1.0_cvs", "1.0_svn"},
        {"1.0_svn", "1.0_git"},
        {"1.0_git", "1.0_hg"},
        {"1.0_hg", "1.0_p1"},
        {"1.0_p1", "1.0_p2"},
        {"1.0_rc1", "1.0_rc2"},
        {"1.0_rc9", "1.0_rc10"},
        {"1.0_alpha", "1.0_alpha1"},
        {"1.0", "1.0-r1"},
        {"1.0-r1", "1.0-r2"},
        {"1.0-r9", "1.0-r10"},
        {"1.0-r5", "1.0_p1"},
        {"1.0-r5", "1.0.1-r0"},
        {"1.01", "1.1"},
        {"1.001", "1.01"},
        {"6.12.9-r0", "6.12.10-r0"},
        {"2.9.9", "10.0"},
        {"1.0_rc1-r3", "1.0-r0"},
        {"99999999999999999999", "100000000000000000000"},
    };
    for (const auto& p : less) {
        INFO(p[0] << " < " << p[1]);
        CHECK(apk_version_compare(p[0], p[1]) < 0);
        CHECK(apk_version_compare(p[1], p[0]) > 0);
    }
    CHECK(apk_version_compare("1.2.3-r4", "1.2.3-r4") == 0);
    CHECK(apk_version_compare("1.02", "1.02") == 0);
}

TEST_CASE("apk version grammar", "[apk]") {
    for (const char* ok : {"1", "1.2.3", "1.2a", "1.0_rc1", "1.0_p1_p2", "2.0~abc123-r0", "0.0.202308-r2", "1.36.1-r15"})
        CHECK(apk_version_valid(ok));
    for (const char* bad : {"", "a1", "1.", "1..2", "1.0-r", "1.0_foo", "1.0ab", "1.0-1", "1.0 ", "v1.0", "1.0~"})
        CHECK_FALSE(apk_version_valid(bad));
    CHECK_THROWS_WITH(apk_version_compare("1.0", "x"), TDX_CONTAINS("invalid apk version \"x\""));
}

TEST_CASE("apk constraints: operators and fuzzy match", "[apk]") {
    auto ok = [](const char* v, const char* atom) {
        ApkDependency d = parse_apk_dependency(atom, "test");
        return apk_version_matches(v, d.mask, d.version);
    };
    CHECK(ok("1.2", "a=1.2"));
    CHECK_FALSE(ok("1.2-r1", "a=1.2"));
    CHECK(ok("1.1", "a<1.2"));
    CHECK_FALSE(ok("1.2", "a<1.2"));
    CHECK(ok("1.2", "a<=1.2"));
    CHECK(ok("1.3", "a>1.2"));
    CHECK(ok("1.2", "a>=1.2"));
    CHECK_FALSE(ok("1.1", "a>=1.2"));
    CHECK(ok("1.2.7-r3", "a~1.2"));
    CHECK(ok("1.2", "a~1.2"));
    CHECK_FALSE(ok("1.20", "a~1.2"));
    CHECK_FALSE(ok("1.3", "a~1.2"));
    CHECK(ok("1.3", "a><1.2"));
    CHECK_FALSE(ok("1.2", "a><1.2"));
    CHECK(ok("anything-goes-not-checked", "a"));
}

TEST_CASE("apk dependency atoms", "[apk]") {
    ApkDependency d = parse_apk_dependency("so:libc.musl-x86_64.so.1", "t");
    CHECK(d.name == "so:libc.musl-x86_64.so.1");
    CHECK_FALSE(d.constrained());
    d = parse_apk_dependency("!openrc<0.50", "t");
    CHECK(d.conflict);
    CHECK(d.name == "openrc");
    CHECK(d.mask == (kApkLess));
    CHECK(d.version == "0.50");
    CHECK(d.to_string() == "!openrc<0.50");
    d = parse_apk_dependency("cmd:[=1.36.1-r15", "t");
    CHECK(d.name == "cmd:[");
    CHECK(d.mask == kApkEqual);
    CHECK(parse_apk_dependency("musl>=1.2.5", "t").to_string() == "musl>=1.2.5");
    CHECK(parse_apk_dependency("pc:zlib~1.3", "t").to_string() == "pc:zlib~1.3");
    auto list = parse_apk_dependencies("  a b>1  !c ", "t");
    REQUIRE(list.size() == 3);
    CHECK(list[1].to_string() == "b>1");
    CHECK_THROWS_WITH(parse_apk_dependency(">=1.0", "APKINDEX:7"), TDX_CONTAINS("APKINDEX:7") && TDX_CONTAINS("no package name"));
    CHECK_THROWS_WITH(parse_apk_dependency("a>=1.x", "APKINDEX:7"), TDX_CONTAINS("invalid version \"1.x\""));
    CHECK_THROWS_WITH(parse_apk_dependency("a@edge", "here"), TDX_CONTAINS("tagged repository"));
}
