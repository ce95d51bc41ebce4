// dpkg version ordering and relationship parsing, against the rules in
// deb-version(7) and the cases dpkg's own test-suite is known to cover.
#include "tests/support/catch.h"

#include "base/error.h"
#include "builder/apt/deb_version.h"

using namespace tdx::builder;

TEST_CASE("compare_versions follows dpkg's ordering") {
    struct Case {
        const char* a;
        const char* b;
        int sign;
    };
    const Case cases[] = {
        {"1.0", "1.0", 0},
        {"1.0", "0:1.0", 0},  // missing epoch is 0
        {"1.0", "1.0-0", 0},  // missing revision equals "0"
        {"1.0", "1.00", 0},   // digit runs compare numerically
        {"1.0", "1.1", -1},
        {"1.2", "1.10", -1},
        {"1:0.1", "2.0", 1},  // epoch dominates
        {"2:1", "10:0", -1},
        {"1.0~rc1", "1.0", -1},  // ~ sorts before the end
        {"1.0~~", "1.0~", -1},
        {"1.0~rc1", "1.0~rc2", -1},
        {"1.0a", "1.0", 1},
        {"1.0a", "1.0+", -1},  // letters before non-letters
        {"1.0-1", "1.0-2", -1},
        {"1.0-1", "1.0-1ubuntu1", -1},
        {"1.0-1+deb12u1", "1.0-1", 1},
        {"2.36-9+deb12u14", "2.36-9+deb12u4", 1},
        {"1.0-10", "1.0-9", 1},
        {"3.0.22-1~deb12u2", "3.0.22-1", -1},
        {"1:2.5.1-4", "2.5.1-5", 1},
        {"0.1-a-b", "0.1-a", 1},  // the revision is what follows the last dash
    };
    for (const Case& c : cases) {
        INFO(c.a << " vs " << c.b);
        int r = compare_versions(c.a, c.b);
        CHECK((r > 0) - (r < 0) == c.sign);
        int back = compare_versions(c.b, c.a);
        CHECK((back > 0) - (back < 0) == -c.sign);
    }
}

TEST_CASE("check_version rejects what dpkg rejects") {
    CHECK_NOTHROW(check_version("1:2.0-1+b1", "t"));
    CHECK_THROWS_WITH(check_version("", "f:3"), TDX_CONTAINS("f:3: empty version"));
    CHECK_THROWS_WITH(check_version("a:1.0", "f"), TDX_CONTAINS("non-numeric epoch"));
    CHECK_THROWS_WITH(check_version("1.0-", "f"), TDX_CONTAINS("empty revision"));
    CHECK_THROWS_WITH(check_version("1.0 beta", "f"), TDX_CONTAINS("invalid character"));
}

TEST_CASE("relation operators") {
    CHECK(parse_relop("<<", "w") == RelOp::Less);
    CHECK(parse_relop("<=", "w") == RelOp::LessEqual);
    CHECK(parse_relop("<", "w") == RelOp::LessEqual);  // obsolete spelling
    CHECK(parse_relop(">", "w") == RelOp::GreaterEqual);
    CHECK(parse_relop(">>", "w") == RelOp::Greater);
    CHECK_THROWS_WITH(parse_relop("=>", "Packages:7"), TDX_CONTAINS("Packages:7: unknown relation operator \"=>\""));
    CHECK(version_satisfies("1.0", RelOp::Less, "1.1"));
    CHECK_FALSE(version_satisfies("1.1", RelOp::Less, "1.1"));
    CHECK(version_satisfies("1.1", RelOp::LessEqual, "1.1"));
    CHECK(version_satisfies("0:1.1-0", RelOp::Equal, "1.1"));
    CHECK(version_satisfies("1.1~rc1", RelOp::Less, "1.1"));
    CHECK(version_satisfies("2", RelOp::Greater, "1:0") == false);
    CHECK(version_satisfies("anything", RelOp::Any, ""));
}

TEST_CASE("parse_relations: groups, alternatives, versions, qualifiers") {
    auto g = parse_relations("libc6 (>= 2.34), debconf (>= 0.5) | debconf-2.0,\n python3:any, foo:native (<< 2~)", "amd64", "P:1");
    REQUIRE(g.size() == 4);
    CHECK(g[0][0].name == "libc6");
    CHECK(g[0][0].op == RelOp::GreaterEqual);
    CHECK(g[0][0].version == "2.34");
    REQUIRE(g[1].size() == 2);
    CHECK(g[1][1].name == "debconf-2.0");
    CHECK(g[1][1].op == RelOp::Any);
    CHECK(g[2][0].arch_qualifier == "any");
    CHECK(g[3][0].arch_qualifier == "native");
    CHECK(to_string(g[1]) == "debconf (>= 0.5) | debconf-2.0");
    CHECK(to_string(g[3][0]) == "foo:native (<< 2~)");
}

TEST_CASE("parse_relations: architecture lists and build profiles") {
    auto g = parse_relations("a [amd64], b [!amd64], c [i386 arm64] | d, e <!nocheck>, f <stage1>, g <stage1> <!cross>", "amd64", "w");
    std::vector<std::string> names;
    for (auto& grp : g)
        for (auto& a : grp) names.push_back(a.name);
    CHECK(names == std::vector<std::string>{"a", "d", "e", "g"});
    CHECK(parse_relations("x,", "amd64", "w").size() == 1);  // trailing comma tolerated
}

TEST_CASE("parse_relations: errors name the field and the text") {
    CHECK_THROWS_WITH(parse_relations("a (>= 1", "amd64", "Packages:12: Depends of x"),
                      TDX_CONTAINS("Packages:12: Depends of x: \"a (>= 1\": unterminated version relation"));
    CHECK_THROWS_WITH(parse_relations("a, , b", "amd64", "w"), TDX_CONTAINS("empty dependency"));
    CHECK_THROWS_WITH(parse_relations("a (~ 1)", "amd64", "w"), TDX_CONTAINS("unknown relation operator"));
    CHECK_THROWS_WITH(parse_relations("(>= 1)", "amd64", "w"), TDX_CONTAINS("missing package name"));
    CHECK_THROWS_WITH(parse_relations("a [amd64 !i386]", "amd64", "w"), TDX_CONTAINS("mixes negated"));
    CHECK_THROWS_WITH(parse_relations("a junk", "amd64", "w"), TDX_CONTAINS("unexpected text"));
}
