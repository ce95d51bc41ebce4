// builder/lock/lock_check: each way a lock entry can disagree with the signed
// index it names, on an index built in memory (the loading and signature
// half is covered end to end in tests/cli/lock_check_cli_test.cc).
#include "builder/lock/lock_check.h"

#include "tests/support/catch.h"
#include "tests/support/error_of.h"

using namespace tdx::builder;
using tdx::test::error_of;

namespace {

const std::string kIndex = "http://deb.example/debian/dists/trixie/main/binary-amd64/Packages.xz";
const std::string kApkIndex = "http://apk.example/alpine/v3.22/main/x86_64/APKINDEX.tar.gz";
const std::string kShaBusybox(64, 'b');
const std::string kShaOther(64, 'e');

PinnedIndex apt_index() {
    PinnedIndex i;
    i.url = kIndex;
    i.bases = {"http://deb.example/debian", "http://mirror2.example/debian/"};
    i.architectures = {"amd64", "all"};
    i.files = {{"busybox-static", "1:1.37.0-6", "amd64", "pool/main/b/busybox/busybox-static_1.37.0-6_amd64.deb", 1000, kShaBusybox, "",
                kIndex + ":10"},
               {"busybox", "1:1.37.0-6", "amd64", "pool/main/b/busybox/busybox_1.37.0-6_amd64.deb", 2000, std::string(64, 'c'), "",
                kIndex + ":20"},
               {"tzdata", "2025b-4", "all", "pool/main/t/tzdata/tzdata_2025b-4_all.deb", 3000, std::string(64, 'd'), "", kIndex + ":30"}};
    return i;
}

PinnedIndex apk_index() {
    PinnedIndex i;
    i.url = kApkIndex;
    i.apk = true;
    i.bases = {"http://apk.example/alpine/v3.22/main/x86_64"};
    i.architectures = {"x86_64", "noarch"};
    i.files = {{"busybox", "1.37.0-r18", "x86_64", "busybox-1.37.0-r18.apk", 500, "", "Q1busyboxidentity=", kApkIndex + ":1"},
               {"musl", "1.2.5-r10", "x86_64", "musl-1.2.5-r10.apk", 400, "", "Q1muslidentity=", kApkIndex + ":12"}};
    return i;
}

PackageRef entry(const PinnedIndex& idx, std::size_t which) {
    const IndexedFile& f = idx.files.at(which);
    PackageRef p;
    p.name = f.name;
    p.version = f.version;
    p.architecture = f.architecture;
    p.filename = f.filename;
    p.size = f.size;
    p.sha256 = f.sha256.empty() ? kShaOther : f.sha256;
    p.apk_checksum = f.apk_checksum;
    p.source = idx.url;
    p.urls = {(idx.bases.front().back() == '/' ? idx.bases.front() : idx.bases.front() + "/") + f.filename};
    return p;
}

// The lock as `build` reads it: rendered and parsed, so entries carry their lines.
std::string check(std::vector<PackageRef> packages, const std::vector<PinnedIndex>& indexes = {apt_index(), apk_index()}) {
    Lockfile l;
    l.recipe_file = "r.yaml";
    l.recipe_sha256 = std::string(64, 'a');
    l.packages = std::move(packages);
    const Lockfile parsed = parse_lockfile(render_lockfile(l), "r.yaml.lock");
    return error_of([&] { check_lock_packages(parsed, indexes); });
}

// The check's verdict on entry `which` of `idx` after `change`.
template <typename Change>
std::string changed(const PinnedIndex& idx, std::size_t which, Change change) {
    PackageRef p = entry(idx, which);
    change(p);
    return check({p});
}

}  // namespace

TEST_CASE("lock check: entries that match their signed index pass") {
    PackageRef mirror2 = entry(apt_index(), 0);
    mirror2.urls.push_back("http://mirror2.example/debian/" + mirror2.filename);
    CHECK(check({mirror2, entry(apt_index(), 2), entry(apk_index(), 0), entry(apk_index(), 1)}) == "(no error)");
}

TEST_CASE("lock check: a repacked file with its own hash and size is refused") {
    const std::string e = changed(apt_index(), 0, [](PackageRef& p) { p.sha256 = kShaOther; });
    CHECK_THAT(e, TDX_CONTAINS("r.yaml.lock:"));
    CHECK_THAT(e, TDX_CONTAINS("package busybox-static"));
    CHECK_THAT(e, TDX_CONTAINS("SHA-256 \"" + kShaOther + "\" where the index has \"" + kShaBusybox + "\""));
    CHECK_THAT(e, TDX_CONTAINS(kIndex + ":10"));
    CHECK_THAT(changed(apt_index(), 0, [](PackageRef& p) { p.size = 999; }), TDX_CONTAINS("size 999 where the index has 1000"));
}

TEST_CASE("lock check: another version or file name than the index's is refused") {
    CHECK_THAT(changed(apt_index(), 0, [](PackageRef& p) { p.version = "1:1.37.0-7"; }),
               TDX_CONTAINS("version \"1:1.37.0-7\" where the index has \"1:1.37.0-6\""));
    const std::string e = changed(apt_index(), 0, [](PackageRef& p) {
        p.filename = "pool/main/b/busybox/evil.deb";
        p.urls = {"http://deb.example/debian/pool/main/b/busybox/evil.deb"};
    });
    CHECK_THAT(e, TDX_CONTAINS("file pool/main/b/busybox/evil.deb is not in the signed index " + kIndex));
    CHECK_THAT(e, TDX_CONTAINS("the index has busybox-static 1:1.37.0-6 as pool/main/b/busybox/busybox-static_1.37.0-6_amd64.deb"));
}

TEST_CASE("lock check: a URL that is not a recipe mirror plus the index's file name is refused") {
    PackageRef p = entry(apt_index(), 0);
    SECTION("file URL") { p.urls = {"file:///tmp/busybox-static.deb"}; }
    SECTION("another host") { p.urls.push_back("http://evil.example/debian/" + p.filename); }
    SECTION("mirror, other path") { p.urls = {"http://deb.example/debian/pool/main/b/busybox/x.deb"}; }
    const std::string e = check({p});
    CHECK_THAT(e, TDX_CONTAINS("package busybox-static"));
    CHECK_THAT(e, TDX_CONTAINS("is not one of the recipe's mirrors followed by the file name the signed index " + kIndex));
}

TEST_CASE("lock check: an architecture other than the recipe's is refused") {
    const std::string e = changed(apt_index(), 0, [](PackageRef& p) { p.architecture = "arm64"; });
    CHECK_THAT(e, TDX_CONTAINS("r.yaml.lock:"));
    CHECK_THAT(e, TDX_CONTAINS("architecture arm64 is not the recipe's (amd64 or all"));
    // "all" is admitted, but only where the index's record says so.
    CHECK_THAT(changed(apt_index(), 0, [](PackageRef& p) { p.architecture = "all"; }),
               TDX_CONTAINS("architecture \"all\" where the index has \"amd64\""));
}

TEST_CASE("lock check: a package listed twice is refused naming both lines") {
    PackageRef again = entry(apt_index(), 0);
    again.version = "1:1.36.1-9";
    const std::string e = check({entry(apt_index(), 0), again});
    CHECK_THAT(e, TDX_CONTAINS("listed twice in the lock (also at r.yaml.lock:"));
    CHECK_THAT(e, TDX_CONTAINS("package busybox-static"));
}

TEST_CASE("lock check: a renamed package is refused") {
    // busybox-static's file, hash and size under busybox's name.
    CHECK_THAT(changed(apt_index(), 0, [](PackageRef& p) { p.name = "busybox"; }),
               TDX_CONTAINS("is named \"busybox\" but the index's record for its file is \"busybox-static\" (renamed)"));
    CHECK_THAT(changed(apk_index(), 1, [](PackageRef& p) { p.name = "busybox"; }), TDX_CONTAINS("(renamed)"));
}

TEST_CASE("lock check: apk entries are checked by their identity, size and URL") {
    CHECK_THAT(changed(apk_index(), 0, [](PackageRef& p) { p.apk_checksum = "Q1repacked="; }),
               TDX_CONTAINS("apk identity \"Q1repacked=\" is not in the signed index " + kApkIndex));
    CHECK_THAT(changed(apk_index(), 0, [](PackageRef& p) { p.size = 501; }),
               TDX_CONTAINS("size 501 where the index has 500 (signed index " + kApkIndex + ":1)"));
    CHECK_THAT(changed(apk_index(), 0, [](PackageRef& p) { p.apk_checksum.clear(); }), TDX_CONTAINS("is not in the signed index"));
    CHECK_THAT(changed(apk_index(), 0, [](PackageRef& p) { p.urls = {"file:///tmp/busybox-1.37.0-r18.apk"}; }),
               TDX_CONTAINS("URL file:///tmp/busybox-1.37.0-r18.apk is not one of the recipe's mirrors"));
    CHECK_THAT(changed(apk_index(), 0, [](PackageRef& p) { p.architecture = "aarch64"; }),
               TDX_CONTAINS("architecture aarch64 is not the recipe's (x86_64 or noarch"));
}

TEST_CASE("lock check: a package whose source is no pinned index is refused") {
    const std::string evil = "http://evil.example/debian/dists/trixie/main/binary-amd64/Packages.xz";
    CHECK_THAT(changed(apt_index(), 0, [&](PackageRef& p) { p.source = evil; }),
               TDX_CONTAINS("its source " + evil + " is not a signed index the lock pins"));
    // An apt entry cannot borrow an apk identity.
    CHECK_THAT(changed(apt_index(), 0, [](PackageRef& p) { p.apk_checksum = "Q1busyboxidentity="; }),
               TDX_CONTAINS("apk identity \"Q1busyboxidentity=\" where the index has \"\""));
}
