#include "builder/spdx_sbom.h"

#include <cctype>
#include <ctime>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/catch.h"
#include "tests/support/error_of.h"

using namespace tdx::builder;
using nlohmann::json;
using tdx::test::error_of;

namespace {

const std::string kDigest(64, 'd');

Source source(const std::string& name, Distribution d, const std::string& mirror) {
    Source s;
    s.name = name;
    s.distribution = d;
    s.mirrors = {mirror};
    return s;
}

PackageRef deb(const std::string& name, const std::string& version, char hash, const std::string& mirror = "https://deb.debian.org/debian") {
    PackageRef p;
    p.name = name;
    p.version = version;
    p.architecture = "amd64";
    p.filename = "pool/main/x/" + name + "/" + name + "_" + version + "_amd64.deb";
    p.urls = {mirror + "/" + p.filename};
    p.size = 100;
    p.sha256 = std::string(64, hash);
    p.source = mirror + "/dists/trixie/main/binary-amd64/Packages.xz";
    return p;
}

SbomInput sample() {
    SbomInput in;
    in.image_name = "debian-13";
    in.image_digest = kDigest;
    in.tool_version = "0.4.0";
    in.source_date_epoch = 1700000000;
    in.sources = {source("trixie", Distribution::Debian, "https://deb.debian.org/debian/"),
                  source("alpine", Distribution::Alpine, "https://dl-cdn.alpinelinux.org/alpine"),
                  source("noble", Distribution::Ubuntu, "http://archive.ubuntu.com/ubuntu")};
    PackageRef musl;
    musl.name = "musl";
    musl.version = "1.2.5-r10";
    musl.architecture = "x86_64";
    musl.filename = "musl-1.2.5-r10.apk";
    musl.urls = {"https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/musl-1.2.5-r10.apk"};
    musl.sha256 = std::string(64, 'c');
    musl.apk_checksum = "Q1abc=";
    musl.source = "https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz";
    in.lock.packages = {deb("busybox-static", "1:1.37.0-6", 'a'), deb("attr", "1:2.4.47-2+b1", 'b'), musl,
                        deb("libstdc++6", "14.2.0-19", 'e', "http://archive.ubuntu.com/ubuntu")};
    in.lock.files = {{"kernel", {"https://example.org/kernels/vmlinuz-6.18?dl=1"}, 42, std::string(64, '1')},
                     {"file", {"recipe:overlay/app.conf"}, 7, std::string(64, '2')}};
    in.extra = {{"agent", "my-agent", std::string(64, '3')}};
    return in;
}

const json& package_named(const json& doc, const std::string& name) {
    for (const json& p : doc["packages"])
        if (p["name"] == name) return p;
    FAIL("no package " << name);
    static const json none;
    return none;
}

std::string purl_of(const json& p) { return p["externalRefs"][0]["referenceLocator"].get<std::string>(); }

}  // namespace

TEST_CASE("spdx: document structure") {
    const json doc = json::parse(render_spdx_sbom(sample()));
    CHECK(doc["spdxVersion"] == "SPDX-2.3");
    CHECK(doc["dataLicense"] == "CC0-1.0");
    CHECK(doc["SPDXID"] == "SPDXRef-DOCUMENT");
    CHECK(doc["name"] == "debian-13");
    CHECK(doc["documentNamespace"] == "https://tdximage.invalid/spdx/debian-13-" + kDigest);
    CHECK(doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z");
    CHECK(doc["creationInfo"]["creators"] == json::array({"Tool: tdximage-0.4.0"}));

    // The image, 4 packages, 2 locked files and the agent.
    const json& packages = doc["packages"];
    REQUIRE(packages.size() == 8);
    std::set<std::string> ids;
    for (const json& p : packages) {
        const std::string id = p["SPDXID"];
        CHECK(id.rfind("SPDXRef-", 0) == 0);
        CHECK(std::all_of(id.begin() + 8, id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }));
        CHECK(ids.insert(id).second);
        CHECK(p["filesAnalyzed"] == false);
        CHECK(p.contains("downloadLocation"));
        CHECK(p["licenseConcluded"] == "NOASSERTION");
        CHECK(p["licenseDeclared"] == "NOASSERTION");
        CHECK(p["supplier"] == "NOASSERTION");
    }

    const json& image = packages[0];
    CHECK(image["name"] == "debian-13");
    CHECK(image["versionInfo"] == kDigest);
    CHECK(image["primaryPackagePurpose"] == "OPERATING_SYSTEM");
    const json& rels = doc["relationships"];
    REQUIRE(rels.size() == packages.size());
    CHECK(rels[0] == json({{"spdxElementId", "SPDXRef-DOCUMENT"}, {"relationshipType", "DESCRIBES"}, {"relatedSpdxElement", image["SPDXID"]}}));
    for (std::size_t i = 1; i < packages.size(); ++i) {
        CHECK(rels[i]["spdxElementId"] == image["SPDXID"]);
        CHECK(rels[i]["relationshipType"] == "CONTAINS");
        CHECK(rels[i]["relatedSpdxElement"] == packages[i]["SPDXID"]);
    }

    const json& busybox = package_named(doc, "busybox-static");
    CHECK(busybox["SPDXID"] == "SPDXRef-Package-deb-busybox-static-1-1.37.0-6-amd64");
    CHECK(busybox["versionInfo"] == "1:1.37.0-6");
    CHECK(busybox["downloadLocation"] == "https://deb.debian.org/debian/pool/main/x/busybox-static/busybox-static_1:1.37.0-6_amd64.deb");
    CHECK(busybox["packageFileName"] == "busybox-static_1:1.37.0-6_amd64.deb");
    CHECK(busybox["checksums"] == json::array({{{"algorithm", "SHA256"}, {"checksumValue", std::string(64, 'a')}}}));
    CHECK(busybox["externalRefs"][0]["referenceCategory"] == "PACKAGE-MANAGER");
    CHECK(busybox["externalRefs"][0]["referenceType"] == "purl");
    CHECK_THAT(busybox["sourceInfo"].get<std::string>(), TDX_CONTAINS("dists/trixie/main/binary-amd64/Packages.xz"));

    const json& kernel = package_named(doc, "vmlinuz-6.18");
    CHECK(kernel["downloadLocation"] == "https://example.org/kernels/vmlinuz-6.18?dl=1");
    CHECK(kernel["primaryPackagePurpose"] == "OPERATING_SYSTEM");
    CHECK(kernel["checksums"][0]["checksumValue"] == std::string(64, '1'));
    const json& conf = package_named(doc, "app.conf");
    CHECK(conf["downloadLocation"] == "NOASSERTION");  // a file of the recipe's, not downloadable
    CHECK(conf["primaryPackagePurpose"] == "FILE");
    CHECK_THAT(conf["comment"].get<std::string>(), TDX_CONTAINS("recipe:overlay/app.conf"));
    const json& agent = package_named(doc, "my-agent");
    CHECK(agent["primaryPackagePurpose"] == "APPLICATION");
    CHECK(agent["checksums"][0]["checksumValue"] == std::string(64, '3'));
}

TEST_CASE("spdx: package URLs follow purl-spec, distribution taken from the matching source") {
    const json doc = json::parse(render_spdx_sbom(sample()));
    CHECK(purl_of(package_named(doc, "busybox-static")) == "pkg:deb/debian/busybox-static@1:1.37.0-6?arch=amd64");
    // purl-spec's own deb example: '+' encoded, the epoch colon left as it is
    // (the spec's character-encoding rules forbid encoding ':').
    CHECK(purl_of(package_named(doc, "attr")) == "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64");
    CHECK(purl_of(package_named(doc, "musl")) == "pkg:apk/alpine/musl@1.2.5-r10?arch=x86_64");
    CHECK(purl_of(package_named(doc, "libstdc++6")) == "pkg:deb/ubuntu/libstdc%2B%2B6@14.2.0-19?arch=amd64");
}

TEST_CASE("spdx: purl percent-encoding") {
    CHECK(package_purl(Distribution::Debian, "dpkg", "1.19.0.4", "amd64") == "pkg:deb/debian/dpkg@1.19.0.4?arch=amd64");
    CHECK(package_purl(Distribution::Debian, "x", "2:1.0~rc1+dfsg-1", "all") == "pkg:deb/debian/x@2:1.0~rc1%2Bdfsg-1?arch=all");
    CHECK(package_purl(Distribution::Ubuntu, "a", "1.0 b/c@d?e#f%", "amd64") == "pkg:deb/ubuntu/a@1.0%20b%2Fc%40d%3Fe%23f%25?arch=amd64");
    CHECK(package_purl(Distribution::Alpine, "Py3-X", "1.0_rc1-r0", "x86_64") == "pkg:apk/alpine/py3-x@1.0_rc1-r0?arch=x86_64");
    CHECK(package_purl(Distribution::Debian, "n", "", "") == "pkg:deb/debian/n");
    CHECK(package_purl(Distribution::Debian, "n", "\xc3\xa9", "amd64") == "pkg:deb/debian/n@%C3%A9?arch=amd64");  // UTF-8 bytes
}

TEST_CASE("spdx: the same inputs give the same bytes, whatever their order") {
    const SbomInput a = sample();
    SbomInput b = sample();
    std::reverse(b.lock.packages.begin(), b.lock.packages.end());
    std::reverse(b.lock.files.begin(), b.lock.files.end());
    const std::string text = render_spdx_sbom(a);
    CHECK(render_spdx_sbom(a) == text);
    CHECK(render_spdx_sbom(b) == text);
    CHECK(text.back() == '\n');
    b.source_date_epoch += 1;
    CHECK(render_spdx_sbom(b) != text);
}

TEST_CASE("spdx: SPDXIDs stay unique when names sanitise alike") {
    SbomInput in = sample();
    in.lock.packages = {deb("a+b", "1", 'a'), deb("a-b", "1", 'b'), deb("a_b", "1", 'c')};
    in.lock.files.clear();
    in.extra.clear();
    const json doc = json::parse(render_spdx_sbom(in));
    std::set<std::string> ids;
    for (const json& p : doc["packages"]) ids.insert(p["SPDXID"].get<std::string>());
    CHECK(ids.size() == 4);
    CHECK(ids.count("SPDXRef-Package-deb-a-b-1-amd64"));
    CHECK(ids.count("SPDXRef-Package-deb-a-b-1-amd64-2"));
    CHECK(ids.count("SPDXRef-Package-deb-a-b-1-amd64-3"));
}

TEST_CASE("spdx: created is SOURCE_DATE_EPOCH in UTC") {
    CHECK(utc_iso8601(0) == "1970-01-01T00:00:00Z");
    CHECK(utc_iso8601(2147483648) == "2038-01-19T03:14:08Z");  // 2^31: one past the 32-bit time_t limit
    CHECK(utc_iso8601(951782400) == "2000-02-29T00:00:00Z");   // leap day of a century leap year
    CHECK(utc_iso8601(4107542399) == "2100-02-28T23:59:59Z");  // 2100 is not a leap year...
    CHECK(utc_iso8601(4107542400) == "2100-03-01T00:00:00Z");  // ...so March follows February 28
    CHECK(utc_iso8601(253402300799) == "9999-12-31T23:59:59Z");
    CHECK_THROWS_WITH(utc_iso8601(-1), TDX_CONTAINS("SOURCE_DATE_EPOCH -1 is outside"));
    CHECK_THROWS_WITH(utc_iso8601(253402300800), TDX_CONTAINS("outside 0..253402300799"));
    // Independently, against the C library's UTC conversion over 1970-2200.
    for (std::int64_t t = 0; t < 7258118400; t += 86400 * 37 + 3599) {
        const std::time_t tt = static_cast<std::time_t>(t);
        std::tm tm{};
        REQUIRE(::gmtime_r(&tt, &tm) != nullptr);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        INFO(t);
        CHECK(utc_iso8601(t) == buf);
    }
}

TEST_CASE("spdx: inconsistent inputs are refused with what is wrong") {
    SbomInput in = sample();
    in.image_digest = "xyz";
    CHECK_THROWS_WITH(render_spdx_sbom(in), TDX_CONTAINS("image digest 'xyz' is not 64 lowercase hex digits"));
    in = sample();
    in.lock.packages.push_back(deb("stray", "1.0", 'f', "https://mirror.example/debian"));
    const std::string e = error_of([&] { render_spdx_sbom(in); });
    CHECK_THAT(e, TDX_CONTAINS("package stray 1.0 (https://mirror.example/debian/pool/"));
    CHECK_THAT(e, TDX_CONTAINS("no source of the recipe has a mirror"));
    in = sample();
    in.lock.packages[0].sha256 = "ABC";
    CHECK_THROWS_WITH(render_spdx_sbom(in), TDX_CONTAINS("package busybox-static: sha256 'ABC'"));
    in = sample();
    in.source_date_epoch = -5;
    CHECK_THROWS_WITH(render_spdx_sbom(in), TDX_CONTAINS("SOURCE_DATE_EPOCH -5"));
}

TEST_CASE("spdx: a snapshot mirror is matched after {snapshot} is filled in") {
    SbomInput in = sample();
    Source snap = source("snap", Distribution::Debian, "https://snapshot.debian.org/archive/debian/{snapshot}");
    snap.snapshot = "20261123T000000Z";
    in.sources = {snap};
    in.lock.packages = {deb("busybox-static", "1:1.37.0-6", 'a', "https://snapshot.debian.org/archive/debian/20261123T000000Z")};
    const json doc = json::parse(render_spdx_sbom(in));
    CHECK(purl_of(package_named(doc, "busybox-static")) == "pkg:deb/debian/busybox-static@1:1.37.0-6?arch=amd64");
}
