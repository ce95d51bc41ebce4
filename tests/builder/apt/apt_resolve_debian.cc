// The apt resolver against apt itself, on this Debian machine's own verified
// indexes: for each package set, the install set must equal what
// `apt-get install --simulate --no-install-recommends` reports for an empty
// dpkg status file. The indexes come from /var/lib/apt/lists (apt keeps them
// lz4-compressed; the uncompressed content's hash is the one InRelease lists
// for ".../Packages", so they are checked exactly as downloads would be).
#include "tests/support/catch.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/apt/apt_release.h"
#include "builder/apt/apt_resolver.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;

namespace {

const std::filesystem::path kLists = "/var/lib/apt/lists";
const std::filesystem::path kKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

struct Suite {
    std::string mirror, suite, prefix;
};
// sources.list order on this machine (see /etc/apt/sources.list.d).
const std::vector<Suite> kSuites = {
    {"http://deb.debian.org/debian", "bookworm", "deb.debian.org_debian_dists_bookworm"},
    {"http://deb.debian.org/debian", "bookworm-updates", "deb.debian.org_debian_dists_bookworm-updates"},
    {"http://deb.debian.org/debian-security", "bookworm-security", "deb.debian.org_debian-security_dists_bookworm-security"},
};

// Serves the InRelease and uncompressed Packages files apt stored, by URL.
class ListsDownloader : public Downloader {
public:
    std::vector<std::uint8_t> get(const std::vector<std::string>& urls, const Expected&) override {
        for (const std::string& url : urls)
            for (const Suite& s : kSuites) {
                std::string dists = s.mirror + "/dists/" + s.suite + "/";
                if (url == dists + "InRelease") return tdx::read_file(kLists / (s.prefix + "_InRelease"));
                if (url == dists + "main/binary-amd64/Packages")
                    return decompress_index(tdx::read_file(kLists / (s.prefix + "_main_binary-amd64_Packages.lz4")), url);
            }
        throw tdx::Error("ListsDownloader: no local copy of " + (urls.empty() ? std::string("?") : urls.front()));
    }
};

bool lists_present() {
    for (const Suite& s : kSuites)
        if (!std::filesystem::exists(kLists / (s.prefix + "_InRelease")) ||
            !std::filesystem::exists(kLists / (s.prefix + "_main_binary-amd64_Packages.lz4")))
            return false;
    return std::filesystem::exists(kKeyring);
}

const std::vector<AptIndex>& indexes() {
    static std::unique_ptr<std::vector<AptIndex>> cached;
    if (!cached) {
        ListsDownloader dl;
        cached = std::make_unique<std::vector<AptIndex>>();
        for (const Suite& s : kSuites) {
            AptSource src;
            src.mirrors = {s.mirror};
            src.suite = s.suite;
            src.keyrings = {kKeyring};
            src.packages_variants = {"Packages"};
            // The lists are whatever `apt-get update` last fetched; their
            // freshness is not what this test is about.
            src.check_valid_until = false;
            cached->push_back(load_apt_index(dl, src));
        }
    }
    return *cached;
}

std::map<std::string, std::string> apt_get_simulate(const std::vector<std::string>& pkgs, const std::filesystem::path& status) {
    std::vector<std::string> argv{
        "/usr/bin/apt-get",  "install", "--simulate", "--no-install-recommends", "-o", "Dir::State::status=" + status.string(), "-o",
        "Debug::NoLocking=1"};
    argv.insert(argv.end(), pkgs.begin(), pkgs.end());
    RunResult r = run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::map<std::string, std::string> out;
    std::regex inst(R"(^Inst (\S+) \((\S+) )");
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, inst)) out[m[1]] = m[2];
    }
    return out;
}

void compare_with_apt(const std::vector<std::string>& pkgs) {
    if (!require(lists_present(), "apt's lists of bookworm in " + kLists.string() + " and the Debian keyring (apt-get update)")) return;
    TempDir tmp;
    write_text(tmp / "status", "");
    std::map<std::string, std::string> want = apt_get_simulate(pkgs, tmp / "status");
    std::vector<PackageRequest> reqs;
    for (const std::string& p : pkgs) reqs.push_back(parse_package_request(p));
    std::vector<PackageRef> got_refs = resolve_apt_packages(indexes(), reqs);
    std::map<std::string, std::string> got;
    for (const PackageRef& r : got_refs) got[r.name] = r.version;
    for (const auto& [n, v] : want)
        if (!got.count(n) || got[n] != v)
            UNSCOPED_INFO("apt installs " << n << " " << v << (got.count(n) ? ", we chose " + got[n] : ", we do not"));
    for (const auto& [n, v] : got)
        if (!want.count(n)) UNSCOPED_INFO("we install " << n << " " << v << ", apt does not");
    CHECK(got == want);
    for (const PackageRef& r : got_refs) {
        CHECK(r.sha256.size() == 64);
        CHECK(!r.urls.empty());
        CHECK(r.urls.front().find(r.filename) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("this machine's InRelease files verify with the Debian archive keyring") {
    if (!require(lists_present(), "apt's lists of bookworm in " + kLists.string() + " and the Debian keyring (apt-get update)")) return;
    const auto& idx = indexes();
    REQUIRE(idx.size() == 3);
    for (const AptIndex& i : idx) {
        CHECK(!i.signer.empty());
        CHECK(i.packages.size() > 10);
        CHECK(i.pin_priority == 500);
    }
    CHECK(idx[0].release.codename == "bookworm");
    CHECK(idx[0].packages.size() > 50000);
}

TEST_CASE("a tampered copy of a real InRelease is rejected by gpgv") {
    if (!require(lists_present(), "apt's lists of bookworm in " + kLists.string() + " and the Debian keyring (apt-get update)")) return;
    std::vector<std::uint8_t> bytes = tdx::read_file(kLists / "deb.debian.org_debian_dists_bookworm-updates_InRelease");
    std::string text(bytes.begin(), bytes.end());
    std::size_t at = text.find("Suite: ");
    REQUIRE(at != std::string::npos);
    text.replace(at, 7, "Suite:  ");
    std::vector<std::uint8_t> tampered(text.begin(), text.end());
    CHECK_THROWS_WITH(verify_inrelease_signature(tampered, {kKeyring}, "tampered"), TDX_CONTAINS("BAD signature"));
}

TEST_CASE("resolution equals apt-get --simulate: busybox-static") { compare_with_apt({"busybox-static"}); }
TEST_CASE("resolution equals apt-get --simulate: linux-image-cloud-amd64") { compare_with_apt({"linux-image-cloud-amd64"}); }
TEST_CASE("resolution equals apt-get --simulate: ovmf") { compare_with_apt({"ovmf"}); }
TEST_CASE("resolution equals apt-get --simulate: ca-certificates") { compare_with_apt({"ca-certificates"}); }
TEST_CASE("resolution equals apt-get --simulate: openssl curl") { compare_with_apt({"openssl", "curl"}); }
TEST_CASE("resolution equals apt-get --simulate: systemd udev kmod") { compare_with_apt({"systemd", "udev", "kmod"}); }
TEST_CASE("resolution equals apt-get --simulate: cryptsetup-bin e2fsprogs iproute2") {
    compare_with_apt({"cryptsetup-bin", "e2fsprogs", "iproute2"});
}
TEST_CASE("resolution equals apt-get --simulate: python3") { compare_with_apt({"python3"}); }
