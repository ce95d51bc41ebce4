#include "tests/support/catch.h"
#include "tests/support/test_env.h"

#include "base/error.h"
#include "builder/apk/apk_index.h"
#include "tests/builder/apk/apk_fixture.h"

using namespace tdx::builder;
using namespace tdx::test;
using namespace tdx::test::apk;

namespace {

const TestKey& signing_key() {
    static TestKey k("test@example.org-61234567.rsa.pub");
    return k;
}

ApkKeyring ring_with(const TestKey& k) {
    ApkKeyring r;
    r.add_pem(k.name(), k.public_pem(), "test key");
    return r;
}

const char* kText =
    "C:Q1pnXmBGfnIwxlVu3MG+SMeJRp9aM=\nP:musl\nV:1.2.5-r9\nA:x86_64\nS:411323\nI:647168\nT:the musl c library\n"
    "U:https://musl.libc.org/\nL:MIT\no:musl\nm:Someone <s@example.org>\nt:1736000000\nc:0123abcd\n"
    "p:so:libc.musl-x86_64.so.1=1\nz:future-extension\n\n"
    "C:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:busybox\nV:1.37.0-r12\nA:x86_64\nS:100\nI:200\nk:100\n"
    "D:so:libc.musl-x86_64.so.1\np:/bin/sh cmd:sh=1.37.0-r12\ni:foo bar<2\n";

}  // namespace

TEST_CASE("APKINDEX text: fields, lists and line numbers", "[apk]") {
    auto pkgs = parse_apkindex_text(kText, "APKINDEX");
    REQUIRE(pkgs.size() == 2);
    CHECK(pkgs[0].name == "musl");
    CHECK(pkgs[0].version == "1.2.5-r9");
    CHECK(pkgs[0].size == 411323);
    CHECK(pkgs[0].installed_size == 647168);
    CHECK(pkgs[0].license == "MIT");
    CHECK(pkgs[0].build_time == 1736000000);
    CHECK(pkgs[0].provides.at(0).to_string() == "so:libc.musl-x86_64.so.1=1");
    CHECK_FALSE(pkgs[0].provider_priority.has_value());
    CHECK(pkgs[1].line == 17);
    CHECK(pkgs[1].provider_priority == 100);
    CHECK(pkgs[1].provides.size() == 2);
    CHECK(pkgs[1].install_if.size() == 2);

    CHECK_THROWS_WITH(parse_apkindex_text("P:a\nV:1\nA:x86_64\nC:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nS:x\n", "IDX"),
                      TDX_CONTAINS("IDX:5") && TDX_CONTAINS("not a number"));
    CHECK_THROWS_WITH(parse_apkindex_text("P:a\nV:1\nA:x86_64\n", "IDX"), TDX_CONTAINS("IDX:1") && TDX_CONTAINS("no C:"));
    CHECK_THROWS_WITH(parse_apkindex_text("P:a\nV:1.0-x\n", "IDX"), TDX_CONTAINS("invalid version"));
    CHECK_THROWS_WITH(parse_apkindex_text("P:a\nQ:zzz\n", "IDX"), TDX_CONTAINS("IDX:2") && TDX_CONTAINS("unknown field"));
    CHECK_THROWS_WITH(parse_apkindex_text("garbage\n", "IDX"), TDX_CONTAINS("IDX:1"));
    CHECK_THROWS_WITH(parse_apkindex_text("C:Q1short\nP:a\nV:1\nA:x86_64\n", "IDX"), TDX_CONTAINS("Q1short"));
}

TEST_CASE("APKINDEX.tar.gz: signed index verifies and parses", "[apk]") {
    std::string idx = build_index(kText, signing_key());
    ApkIndex i = read_apkindex(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(idx.data()), idx.size()), ring_with(signing_key()),
                               "repo/x86_64/APKINDEX.tar.gz");
    CHECK(i.signer == signing_key().name());
    CHECK(i.description == "v3.99.0-1-gtest");
    CHECK(i.packages.size() == 2);

    std::string idx256 = build_index(kText, signing_key(), "RSA256");
    CHECK(read_apkindex(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(idx256.data()), idx256.size()), ring_with(signing_key()), "x")
              .packages.size() == 2);
}

TEST_CASE("APKINDEX.tar.gz: tampering, unknown keys and corruption are refused", "[apk]") {
    std::string good = build_index(kText, signing_key());
    auto read = [](const std::string& b, const ApkKeyring& r) {
        return read_apkindex(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()), r, "main/x86_64/APKINDEX.tar.gz");
    };
    ApkKeyring ring = ring_with(signing_key());

    SECTION("content signed by another key with the same name (tampered)") {
        TestKey mallory(signing_key().name());
        std::string evil = build_index(std::string(kText) + "\nC:Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nP:evil\nV:1\nA:x86_64\nS:1\n", mallory);
        CHECK_THROWS_WITH(read(evil, ring), TDX_CONTAINS("APKINDEX.tar.gz") && TDX_CONTAINS("does not match") && TDX_CONTAINS("tampered"));
    }
    SECTION("index member swapped under a valid signature") {
        std::string other_body = gzip(tar({{"DESCRIPTION", "x\n"}, {"APKINDEX", "P:other\n"}}, true));
        std::size_t sig_len = good.size() - gzip(tar({{"DESCRIPTION", "v3.99.0-1-gtest\n"}, {"APKINDEX", kText}}, true)).size();
        CHECK_THROWS_WITH(read(good.substr(0, sig_len) + other_body, ring), TDX_CONTAINS("does not match"));
    }
    SECTION("unknown key") {
        TestKey other("someone-else@example.org-1.rsa.pub");
        CHECK_THROWS_WITH(read(good, ring_with(other)),
                          TDX_CONTAINS("untrusted") && TDX_CONTAINS(signing_key().name()) && TDX_CONTAINS("someone-else"));
    }
    SECTION("unsigned") {
        std::string body = gzip(tar({{"DESCRIPTION", "x\n"}, {"APKINDEX", kText}}, true));
        CHECK_THROWS_WITH(read(body, ring), TDX_CONTAINS("not signed"));
    }
    SECTION("truncated") {
        CHECK_THROWS_WITH(read(good.substr(0, good.size() - 9), ring), TDX_CONTAINS("truncated or corrupt"));
        CHECK_THROWS_WITH(read(good.substr(0, 10), ring), TDX_CONTAINS("offset 0x0"));
    }
    SECTION("corrupt byte inside the index member") {
        std::string bad = good;
        bad[bad.size() - 30] = static_cast<char>(bad[bad.size() - 30] ^ 0x55);
        CHECK_THROWS_AS(read(bad, ring), tdx::Error);
    }
    SECTION("trailing garbage") {
        // The junk ends the last member where its trailer should be.
        CHECK_THROWS_WITH(read(good + "junk-after-the-index", ring), TDX_CONTAINS("offset 0x") && TDX_CONTAINS("truncated or corrupt"));
        // A second gzip member after the index is refused by name.
        CHECK_THROWS_WITH(read(good + gzip("more"), ring), TDX_CONTAINS("unexpected data after the index"));
    }
    SECTION("not gzip at all") { CHECK_THROWS_WITH(read(std::string(200, 'x'), ring), TDX_CONTAINS("not a gzip member")); }
}

TEST_CASE("fetch_apkindex: URL layout, lock data and the shipped key directory", "[apk]") {
    TempDir t;
    Repo repo{t / "v3.99/main", {}, {}};
    repo.add({"musl", "1.2.5-r9"}, signing_key());
    repo.publish(signing_key());
    std::filesystem::create_directories(t / "keys");
    signing_key().write_public(t / "keys");
    write_text(t / "keys/README.md", "not a key\n");
    ApkKeyring ring = ApkKeyring::from_directory(t / "keys");
    CHECK(ring.names() == std::vector<std::string>{signing_key().name()});

    FileDownloader dl;
    IndexRef ref;
    ApkIndex idx = fetch_apkindex(dl, repo.url() + "/", "x86_64", ring, {}, &ref);
    CHECK(idx.url == repo.url() + "/x86_64/APKINDEX.tar.gz");
    CHECK(idx.repository == repo.url());
    CHECK(ref.url == idx.url);
    CHECK(ref.size == std::filesystem::file_size(t / "v3.99/main/x86_64/APKINDEX.tar.gz"));
    CHECK(ref.sha256.size() == 64);
    CHECK(idx.packages.at(0).checksum == repo.packages.at(0).second.identity);

    // The recipes' key directory (found from this source file's path) loads: Alpine's real x86_64 keys.
    ApkKeyring alpine = ApkKeyring::from_directory(tdx::test::source_dir() / "recipes/keys");
    CHECK(alpine.has("alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"));
    CHECK(alpine.has("alpine-devel@lists.alpinelinux.org-4a6a0840.rsa.pub"));
    CHECK(alpine.has("alpine-devel@lists.alpinelinux.org-5261cecb.rsa.pub"));
}
