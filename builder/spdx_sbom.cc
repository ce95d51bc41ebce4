#include "builder/spdx_sbom.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/error.h"

namespace tdx::builder {

namespace {

using nlohmann::json;

constexpr std::int64_t kLastEpoch = 253402300799;  // 9999-12-31T23:59:59Z: four-digit years only
constexpr char kNoAssertion[] = "NOASSERTION";
constexpr char kRecipeScheme[] = "recipe:";  // how the lock names files of the recipe's (lock_recipe.cc)

// purl-spec "Character encoding": alphanumerics, the punctuation . - _ ~ and
// the colon stay as they are (the spec forbids encoding ':'); every other
// byte, '+' of Debian versions included, becomes %XX.
std::string purl_encode(const std::string& s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
                          c == '~' || c == ':';
        if (keep) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string lowercase(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::string strip_slash(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// The lock records URLs, not distributions: a package is attributed to the
// first recipe source (in recipe order) one of whose mirrors prefixes one of
// its URLs or the index it was resolved from.
const Source& source_of(const PackageRef& p, const std::vector<Source>& sources) {
    for (const Source& s : sources)
        for (const std::string& m : s.mirror_urls()) {
            const std::string prefix = strip_slash(m) + "/";
            if (starts_with(p.source, prefix)) return s;
            for (const std::string& u : p.urls)
                if (starts_with(u, prefix)) return s;
        }
    fail("SBOM: package " + p.name + " " + p.version + " (" + (p.urls.empty() ? p.source : p.urls.front()) +
         "): no source of the recipe has a mirror this URL starts with");
}

// The last path segment of a URL, a "recipe:PATH" or a repository path,
// without query or fragment. Debian versions put ':' in names, so only '/'
// separates.
std::string basename_of(const std::string& location) {
    std::string clean = location.substr(0, location.find_first_of("?#"));
    if (starts_with(clean, kRecipeScheme)) clean.erase(0, sizeof(kRecipeScheme) - 1);
    const std::size_t slash = clean.find_last_of('/');
    return slash == std::string::npos ? clean : clean.substr(slash + 1);
}

// Files of the recipe's cannot be downloaded by a reader of the SBOM, so
// SPDX's NOASSERTION is the honest value for them.
std::string download_location(const std::vector<std::string>& urls) {
    if (urls.empty()) return kNoAssertion;
    const std::string& u = urls.front();
    for (const char* scheme : {"https://", "http://", "file://", "ftp://"})
        if (starts_with(u, scheme)) return u;
    return kNoAssertion;
}

void check_sha256(const std::string& sha, const std::string& what) {
    if (!is_sha256_hex(sha)) fail("SBOM: " + what + ": sha256 '" + sha + "' is not 64 lowercase hex digits");
}

// SPDX 2.3 allows only letters, digits, '.' and '-' after "SPDXRef-"; the
// counter keeps ids unique when two names sanitise to the same text.
class IdAllocator {
public:
    std::string make(const std::string& base) {
        std::string id = "SPDXRef-";
        for (char c : base) id += ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '-';
        std::string unique = id;
        for (int n = 2; !used_.insert(unique).second; ++n) unique = id + "-" + std::to_string(n);
        return unique;
    }

private:
    std::set<std::string> used_;
};

json checksums(const std::string& sha) { return json::array({{{"algorithm", "SHA256"}, {"checksumValue", sha}}}); }

json common_package(const std::string& id, const std::string& name, const std::string& download, const std::string& sha) {
    json j = {{"SPDXID", id},
              {"name", name},
              {"downloadLocation", download},
              {"filesAnalyzed", false},
              {"supplier", kNoAssertion},
              {"licenseConcluded", kNoAssertion},
              {"licenseDeclared", kNoAssertion},
              {"copyrightText", kNoAssertion}};
    if (!sha.empty()) j["checksums"] = checksums(sha);
    return j;
}

std::string purpose_of_role(const std::string& role) {
    if (role == "kernel") return "OPERATING_SYSTEM";
    if (role == "ovmf") return "FIRMWARE";
    if (role == "agent") return "APPLICATION";
    return "FILE";
}

}  // namespace

std::string utc_iso8601(std::int64_t epoch) {
    if (epoch < 0 || epoch > kLastEpoch)
        fail("SOURCE_DATE_EPOCH " + std::to_string(epoch) + " is outside 0.." + std::to_string(kLastEpoch) + " (1970 to 9999)");
    using namespace std::chrono;
    const sys_seconds t{seconds{epoch}};
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{t - day};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

std::string package_purl(Distribution distribution, const std::string& name, const std::string& version, const std::string& architecture) {
    const std::string type = distribution == Distribution::Alpine ? "apk" : "deb";
    std::string purl = "pkg:" + type + "/" + to_string(distribution) + "/" + purl_encode(lowercase(name));
    if (!version.empty()) purl += "@" + purl_encode(version);
    if (!architecture.empty()) purl += "?arch=" + purl_encode(architecture);
    return purl;
}

std::string render_spdx_sbom(const SbomInput& in) {
    if (!is_sha256_hex(in.image_digest)) fail("SBOM: image digest '" + in.image_digest + "' is not 64 lowercase hex digits");
    const std::string created = utc_iso8601(in.source_date_epoch);
    IdAllocator ids;

    json packages = json::array();
    json relationships = json::array();
    const std::string image_id = ids.make("Image-" + in.image_name);
    json image = common_package(image_id, in.image_name, kNoAssertion, "");
    image["versionInfo"] = in.image_digest;
    image["primaryPackagePurpose"] = "OPERATING_SYSTEM";
    image["comment"] = "The TDX guest image. Its version is the image digest: the SHA-256 of the sha256sum lines of its output files.";
    packages.push_back(image);
    relationships.push_back({{"spdxElementId", "SPDXRef-DOCUMENT"}, {"relationshipType", "DESCRIBES"}, {"relatedSpdxElement", image_id}});
    auto contains = [&](const json& pkg) {
        relationships.push_back({{"spdxElementId", image_id}, {"relationshipType", "CONTAINS"}, {"relatedSpdxElement", pkg["SPDXID"]}});
        packages.push_back(pkg);
    };

    std::vector<PackageRef> pkgs = in.lock.packages;
    std::sort(pkgs.begin(), pkgs.end(), [](const PackageRef& a, const PackageRef& b) {
        return std::tie(a.name, a.version, a.architecture, a.sha256, a.urls) < std::tie(b.name, b.version, b.architecture, b.sha256, b.urls);
    });
    for (const PackageRef& p : pkgs) {
        check_sha256(p.sha256, "package " + p.name);
        const Source& src = source_of(p, in.sources);
        const std::string type = src.is_apt() ? "deb" : "apk";
        json j = common_package(ids.make("Package-" + type + "-" + p.name + "-" + p.version + "-" + p.architecture), p.name,
                                download_location(p.urls), p.sha256);
        j["versionInfo"] = p.version;
        if (!p.filename.empty()) j["packageFileName"] = basename_of(p.filename);
        if (!p.source.empty()) j["sourceInfo"] = "resolved from the signed index " + p.source;
        j["externalRefs"] = json::array({{{"referenceCategory", "PACKAGE-MANAGER"},
                                          {"referenceType", "purl"},
                                          {"referenceLocator", package_purl(src.distribution, p.name, p.version, p.architecture)}}});
        contains(j);
    }

    std::vector<LockedFile> files = in.lock.files;
    std::sort(files.begin(), files.end(),
              [](const LockedFile& a, const LockedFile& b) { return std::tie(a.role, a.urls, a.sha256) < std::tie(b.role, b.urls, b.sha256); });
    for (const LockedFile& f : files) {
        check_sha256(f.sha256, f.role + " file");
        const std::string name = f.urls.empty() ? f.role : basename_of(f.urls.front());
        json j = common_package(ids.make("File-" + f.role + "-" + name), name, download_location(f.urls), f.sha256);
        j["packageFileName"] = name;
        j["primaryPackagePurpose"] = purpose_of_role(f.role);
        j["comment"] = "role: " + f.role + (f.urls.empty() ? std::string() : "; locked as " + f.urls.front());
        contains(j);
    }

    std::vector<SbomArtifact> extra = in.extra;
    std::sort(extra.begin(), extra.end(), [](const SbomArtifact& a, const SbomArtifact& b) {
        return std::tie(a.role, a.name, a.sha256) < std::tie(b.role, b.name, b.sha256);
    });
    for (const SbomArtifact& a : extra) {
        check_sha256(a.sha256, a.role + " " + a.name);
        json j = common_package(ids.make("File-" + a.role + "-" + a.name), a.name, kNoAssertion, a.sha256);
        j["packageFileName"] = a.name;
        j["primaryPackagePurpose"] = purpose_of_role(a.role);
        j["comment"] = "role: " + a.role;
        contains(j);
    }

    // SPDX wants a unique URI that need not resolve; the reserved .invalid
    // domain (RFC 6761) says so, and the digest makes it unique per image.
    const json doc = {
        {"spdxVersion", "SPDX-2.3"},
        {"dataLicense", "CC0-1.0"},
        {"SPDXID", "SPDXRef-DOCUMENT"},
        {"name", in.image_name},
        {"documentNamespace", "https://tdximage.invalid/spdx/" + purl_encode(in.image_name) + "-" + in.image_digest},
        {"creationInfo", {{"created", created}, {"creators", json::array({"Tool: tdximage-" + in.tool_version})}}},
        {"packages", packages},
        {"relationships", relationships},
    };
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace tdx::builder
