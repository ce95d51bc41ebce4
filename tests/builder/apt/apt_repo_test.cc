// A throw-away apt repository on disk, signed with a throw-away OpenPGP key:
// InRelease verification (good, tampered, wrong keyring), Packages fetched by
// the hash InRelease lists, and the resolver's choices on small indexes.
#include "tests/support/catch.h"

#include <archive.h>
#include <archive_entry.h>

#include <map>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "builder/apt/apt_release.h"
#include "builder/apt/apt_resolver.h"
#include "builder/apt/deb822.h"
#include "tests/builder/apt/apt_repo_fixture.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;

namespace {

// Serves file:// URLs from disk; deliberately checks nothing so the index
// loader's own hash check is what the tests exercise.
class FileDownloader : public Downloader {
public:
    std::vector<std::uint8_t> get(const std::vector<std::string>& urls, const Expected&) override {
        std::string tried;
        for (const std::string& url : urls) {
            REQUIRE(url.rfind("file://", 0) == 0);
            std::filesystem::path p = url.substr(7);
            if (std::filesystem::exists(p)) return tdx::read_file(p);
            tried += " " + url;
        }
        throw tdx::Error("FileDownloader: none of" + tried + " exists");
    }
};

const char* kPackages =
    "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nDepends: libc6 (>= 2.34)\n"
    "Filename: pool/main/h/hello/hello_2.10-3_amd64.deb\nSize: 100\n"
    "SHA256: 1111111111111111111111111111111111111111111111111111111111111111\n\n"
    "Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\nPriority: optional\n"
    "Filename: pool/main/g/glibc/libc6_2.36-9_amd64.deb\nSize: 200\n"
    "SHA256: 2222222222222222222222222222222222222222222222222222222222222222\n";

// The repository with the default Packages text, in a directory of its own.
struct Repo : TempDir, apt::Repo {
    explicit Repo(const apt::TestKey& key, const std::string& packages = kPackages) : apt::Repo(path(), key, packages) {}
};
using apt::have_gpg;
using apt::sha_hex;
using apt::TestKey;
using apt::xz;

}  // namespace

TEST_CASE("clearsigned_text strips armor and dash-escaping, and refuses unsigned extras") {
    std::string msg =
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSuite: x\n- -dashed\n-----BEGIN PGP SIGNATURE-----\n\nabc\n"
        "-----END PGP SIGNATURE-----\n";
    CHECK(clearsigned_text(msg, "m") == "Suite: x\n-dashed\n");
    CHECK_THROWS_WITH(clearsigned_text("Suite: evil\n" + msg, "InRelease"),
                      TDX_CONTAINS("InRelease:1: not an OpenPGP cleartext-signed message"));
    CHECK_THROWS_WITH(clearsigned_text(msg + "Suite: evil\n", "InRelease"), TDX_CONTAINS("InRelease:10: unsigned data after the signature"));
    CHECK_THROWS_WITH(clearsigned_text("-----BEGIN PGP SIGNED MESSAGE-----\n\nx\n", "m"), TDX_CONTAINS("no \"-----BEGIN PGP SIGNATURE-----\""));
}

TEST_CASE("deb822: continuation lines, line numbers and errors") {
    auto st = parse_deb822("A: 1\nB: x\n y\n .\n\n\nC: 3\n", "f");
    REQUIRE(st.size() == 2);
    CHECK(st[0].get("b") == "x\ny\n.");
    CHECK(st[1].line == 7);
    CHECK(st[1].find("C")->line == 7);
    CHECK_THROWS_WITH(parse_deb822("A: 1\nbroken line\n", "Packages"), TDX_CONTAINS("Packages:2: expected \"Name: value\""));
    CHECK_THROWS_WITH(parse_deb822(" x\n", "P"), TDX_CONTAINS("P:1: continuation line before any field"));
    CHECK_THROWS_WITH(parse_deb822("A: 1\na: 2\n", "P"), TDX_CONTAINS("P:2: field a given twice"));
}

TEST_CASE("Release parsing: dates, hash list, errors with line numbers") {
    Release r = parse_release("Suite: s\nDate: Sat, 21 Nov 2026 00:53:02 UTC\nNotAutomatic: yes\nSHA256:\n " + std::string(64, 'a') +
                                  " 12 main/binary-amd64/Packages\n",
                              "R");
    CHECK(r.date == 1795222382);
    CHECK(r.not_automatic);
    REQUIRE(r.find("main/binary-amd64/Packages"));
    CHECK(r.find("main/binary-amd64/Packages")->size == 12);
    CHECK_THROWS_WITH(parse_release("Suite: s\nSHA256:\n zz 1 p\n", "R"), TDX_CONTAINS("R:3: SHA256: \"zz\" is not a SHA-256"));
    CHECK_THROWS_WITH(parse_release("Suite: s\n", "R"), TDX_CONTAINS("no SHA256 file list"));
    CHECK_THROWS_WITH(parse_release("Suite: s\nDate: yesterday\nSHA256:\n", "R"), TDX_CONTAINS("R:2: Date: date \"yesterday\""));
}

TEST_CASE("Packages parsing names file:line of a bad stanza") {
    CHECK_THROWS_WITH(parse_packages_index("Package: a\nVersion: 1\nArchitecture: amd64\n", "amd64", "P"),
                      TDX_CONTAINS("P:1: stanza of a has no Filename field"));
    CHECK_THROWS_WITH(parse_packages_index(std::string(kPackages) +
                                               "\nPackage: b\nVersion: 1\nArchitecture: all\nFilename: f\nSize: 1\n"
                                               "SHA256: " +
                                               std::string(64, '0') + "\nDepends: c (>= )\n",
                                           "amd64", "P"),
                      TDX_CONTAINS("P:23: Depends of b"));
    auto pk = parse_packages_index(std::string(kPackages) + "\nPackage: arm\nVersion: 1\nArchitecture: arm64\n", "amd64", "P");
    CHECK(pk.size() == 2);  // foreign architecture skipped
}

TEST_CASE("a correctly signed repository loads, Packages.xz is checked and decompressed") {
    if (!tdx::test::require(have_gpg(), "gpg and gpgv (to sign the test repository)")) return;
    TestKey key("tdximage test <test@example.invalid>");
    Repo repo(key);
    FileDownloader dl;
    AptIndex idx = load_apt_index(dl, repo.source(key));
    CHECK(!idx.signer.empty());
    CHECK(idx.release.codename == "testy");
    REQUIRE(idx.packages_indexes.size() == 1);
    CHECK(idx.packages_indexes[0].url.find("Packages.xz") != std::string::npos);
    REQUIRE(idx.packages.size() == 2);
    CHECK(idx.packages[0].name == "hello");

    SECTION("a tampered InRelease is rejected with a clear error") {
        std::string text = read_text(repo.dists / "InRelease");
        std::size_t at = text.find("Suite: test");
        text.replace(at, 11, "Suite: TEST");
        write_text(repo.dists / "InRelease", text);
        CHECK_THROWS_WITH(load_apt_index(dl, repo.source(key)), TDX_CONTAINS("BAD signature"));
    }
    SECTION("a keyring without the signing key is rejected") {
        TestKey other("someone else <other@example.invalid>");
        CHECK_THROWS_WITH(load_apt_index(dl, repo.source(other)), TDX_CONTAINS("not in the keyring"));
        CHECK_THROWS_WITH(load_apt_index(dl, repo.source(other)), TDX_CONTAINS(other.keyring.string()));
    }
    SECTION("a Packages file that differs from InRelease's hash is rejected") {
        write_bytes(repo.dists / "main/binary-amd64/Packages.xz", xz(std::string(kPackages) + "\n" + std::string(5000, '#')));
        CHECK_THROWS_WITH(load_apt_index(dl, repo.source(key)), TDX_CONTAINS("Packages.xz: size"));
    }
    SECTION("a Packages file of the right size but other content is rejected") {
        std::vector<std::uint8_t> bytes = tdx::read_file(repo.dists / "main/binary-amd64/Packages.xz");
        bytes[bytes.size() / 2] ^= 1;
        write_bytes(repo.dists / "main/binary-amd64/Packages.xz", bytes);
        CHECK_THROWS_WITH(load_apt_index(dl, repo.source(key)), TDX_CONTAINS("differs from"));
    }
    SECTION("a pinned InRelease hash must match") {
        AptSource s = repo.source(key);
        s.inrelease_sha256 = std::string(64, '0');
        CHECK_THROWS_WITH(load_apt_index(dl, s), TDX_CONTAINS("differs from the pinned"));
    }
    SECTION("an expired Valid-Until is refused unless pinned") {
        AptSource s = repo.source(key);
        s.now = 2600000000;  // 2052
        CHECK_THROWS_WITH(load_apt_index(dl, s), TDX_CONTAINS("expired"));
        s.inrelease_sha256 = idx.inrelease.sha256;
        CHECK_NOTHROW(load_apt_index(dl, s));
    }
    SECTION("the suite must be the one asked for") {
        AptSource s = repo.source(key);
        s.suite = "other";
        std::filesystem::create_directories(repo.root / "dists/other");
        std::filesystem::copy_file(repo.dists / "InRelease", repo.root / "dists/other/InRelease");
        CHECK_THROWS_WITH(load_apt_index(dl, s), TDX_CONTAINS("not \"other\""));
    }
}

// ---- resolution on in-memory indexes -----------------------------------------

namespace {

// One stanza per entry: "name version [extra fields]"; SHA256/Size/Filename filled in.
std::string stanza(const std::string& name, const std::string& version, const std::string& extra = "") {
    return "Package: " + name + "\nVersion: " + version + "\nArchitecture: amd64\nFilename: pool/" + name + "_" + version +
           ".deb\nSize: 10\nSHA256: " + std::string(64, 'a') + "\n" + extra + "\n";
}

AptIndex index_of(const std::string& text, const std::string& suite = "s", int pin = 500) {
    AptIndex idx;
    idx.source.mirrors = {"http://mirror.invalid/debian"};
    idx.source.suite = suite;
    idx.release.suite = suite;
    idx.pin_priority = pin;
    idx.packages = parse_packages_index(text, "amd64", suite + "/Packages");
    return idx;
}

std::map<std::string, std::string> resolve(const std::vector<AptIndex>& idx, const std::vector<std::string>& names) {
    std::vector<PackageRequest> reqs;
    for (const auto& n : names) reqs.push_back(parse_package_request(n));
    std::map<std::string, std::string> out;
    for (const PackageRef& r : resolve_apt_packages(idx, reqs)) out[r.name] = r.version;
    return out;
}

using M = std::map<std::string, std::string>;

}  // namespace

TEST_CASE("resolver: first satisfiable alternative wins") {
    auto idx = index_of(stanza("app", "1", "Depends: missing | libb (>= 2) | liba\n") + stanza("liba", "1") + stanza("libb", "1"));
    // "missing" does not exist and libb 1 is too old, so liba is chosen.
    CHECK(resolve({idx}, {"app"}) == M{{"app", "1"}, {"liba", "1"}});
    auto idx2 = index_of(stanza("app", "1", "Depends: liba | libb\n") + stanza("liba", "1", "Depends: nothere\n") + stanza("libb", "1"));
    // liba exists but its own dependency cannot be met: apt moves to libb.
    CHECK(resolve({idx2}, {"app"}) == M{{"app", "1"}, {"libb", "1"}});
}

TEST_CASE("resolver: highest version across indexes, pins and versioned requests") {
    auto a = index_of(stanza("lib", "1.0-1") + stanza("app", "1", "Pre-Depends: lib (>= 1.0-1)\n"), "stable");
    auto b = index_of(stanza("lib", "1.0-1+deb12u1"), "security");
    CHECK(resolve({a, b}, {"app"}) == M{{"app", "1"}, {"lib", "1.0-1+deb12u1"}});
    auto c = index_of(stanza("lib", "9"), "experimental", 1);  // NotAutomatic
    CHECK(resolve({a, b, c}, {"lib"}) == M{{"lib", "1.0-1+deb12u1"}});
    CHECK(resolve({a, b, c}, {"lib=9"}) == M{{"lib", "9"}});
    CHECK(resolve({a, b, c}, {"lib (<< 1.0-1+deb12u1)"}) == M{{"lib", "1.0-1"}});
    CHECK_THROWS_WITH(resolve({a}, {"lib (>= 5)"}), TDX_CONTAINS("lib has 1.0-1 (stable)"));
}

TEST_CASE("resolver: virtual packages") {
    SECTION("one provider") {
        auto idx = index_of(stanza("app", "1", "Depends: mta\n") + stanza("exim", "4", "Provides: mta\n"));
        CHECK(resolve({idx}, {"app"}) == M{{"app", "1"}, {"exim", "4"}});
        CHECK(resolve({idx}, {"mta"}) == M{{"exim", "4"}});  // apt-get selects the only provider
    }
    SECTION("several providers: Priority decides, then apt's cache order") {
        auto idx = index_of(stanza("app", "1", "Depends: mta\n") + stanza("postfix", "3", "Priority: optional\nProvides: mta\n") +
                            stanza("exim", "4", "Priority: standard\nProvides: mta\n"));
        CHECK(resolve({idx}, {"app"}) == M{{"app", "1"}, {"exim", "4"}});
        CHECK_THROWS_WITH(resolve({idx}, {"mta"}), TDX_CONTAINS("virtual package provided by postfix, exim"));
        // A requested provider is preferred over the others (apt's Protected rule).
        CHECK(resolve({idx}, {"app", "postfix"}) == M{{"app", "1"}, {"postfix", "3"}});
    }
    SECTION("versioned dependency needs a versioned Provides") {
        auto idx = index_of(stanza("app", "1", "Depends: api (>= 2)\n") + stanza("old", "1", "Provides: api\n") +
                            stanza("new", "1", "Provides: api (= 2.5)\n"));
        CHECK(resolve({idx}, {"app"}) == M{{"app", "1"}, {"new", "1"}});
    }
    SECTION(":any needs Multi-Arch: allowed") {
        auto idx = index_of(stanza("app", "1", "Depends: py:any\n") + stanza("py", "3", "Multi-Arch: allowed\n"));
        CHECK(resolve({idx}, {"app"}) == M{{"app", "1"}, {"py", "3"}});
        auto bad = index_of(stanza("app", "1", "Depends: py:any\n") + stanza("py", "3"));
        CHECK_THROWS_WITH(resolve({bad}, {"app"}), TDX_CONTAINS("not Multi-Arch: allowed"));
    }
}

TEST_CASE("resolver: Essential packages are not added unless asked") {
    auto idx = index_of(stanza("app", "1") + stanza("base-files", "12", "Essential: yes\n"));
    CHECK(resolve({idx}, {"app"}) == M{{"app", "1"}});
    ResolveOptions opt;
    opt.add_essential = true;
    CHECK(resolve_apt_packages({idx}, {parse_package_request("app")}, opt).size() == 2);
}

TEST_CASE("resolver: dependency cycles and output fields") {
    auto idx = index_of(stanza("a", "1", "Depends: b\n") + stanza("b", "1", "Depends: a\n"));
    auto refs = resolve_apt_packages({idx}, {parse_package_request("a")});
    REQUIRE(refs.size() == 2);
    CHECK(refs[0].name == "a");
    CHECK(refs[0].urls == std::vector<std::string>{"http://mirror.invalid/debian/pool/a_1.deb"});
    CHECK(refs[0].size == 10);
    CHECK(refs[0].source == "s/Packages");
}

TEST_CASE("resolver: unsatisfiable requests name the dependency chain") {
    auto idx = index_of(stanza("a", "1", "Depends: b\n") + stanza("b", "2", "Depends: c (>= 2)\n") + stanza("c", "1.5"));
    CHECK_THROWS_WITH(resolve({idx}, {"a"}), TDX_CONTAINS("cannot install a: a 1 → b → b 2 → c (>= 2) → not satisfiable: c has 1.5 (s)"));
    CHECK_THROWS_WITH(resolve({idx}, {"zzz"}), TDX_CONTAINS("cannot install zzz: no package or provider"));
    auto conflict = index_of(stanza("a", "1", "Depends: b\nConflicts: b\n") + stanza("b", "1"));
    CHECK_THROWS_WITH(resolve({conflict}, {"a"}), TDX_CONTAINS("a 1 conflicts with b 1"));
    CHECK_THROWS_WITH(parse_package_request("a (>= "), TDX_CONTAINS("package request"));
}
