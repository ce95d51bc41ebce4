// The loading half of builder/lock/lock_check.h: the indexes a lock pins, read
// by their pinned hashes and verified exactly as `lock` verified them.
#include <map>

#include "base/error.h"
#include "builder/apk/apk_index.h"
#include "builder/apt/apt_release.h"
#include "builder/lock/lock_check.h"
#include "builder/lock/recipe_sources.h"

namespace tdx::builder {
namespace {

using Pins = std::map<std::string, const IndexRef*>;

void check_pin(const IndexRef& got, const IndexRef& pin, const std::string& lock_name, const std::string& why) {
    if (got.sha256 != pin.sha256 || got.size != pin.size)
        fail(lock_name + ": index " + pin.url + " is pinned as " + std::to_string(pin.size) + " bytes, SHA-256 " + pin.sha256 + ", but " + why +
             " " + std::to_string(got.size) + " bytes, SHA-256 " + got.sha256);
}

// One suite: InRelease by its pin (gpgv-checked), then each Packages index
// by the hash the signed InRelease lists, which must be the one pinned too.
void load_apt_suite(const Source& s, const std::string& suite, const Pins& pins, Downloader& dl, const std::string& lock_name,
                    std::vector<PinnedIndex>& out) {
    AptSource a = apt_suite_source(s, suite);
    if (a.mirrors.empty()) return;
    const auto pin = pins.find(join_url(a.mirrors.front(), "dists/" + suite + "/InRelease"));
    if (pin == pins.end()) return;  // nothing was taken from this suite
    a.inrelease_sha256 = pin->second->sha256;
    const AptIndex idx = load_apt_index(dl, a);
    check_pin(idx.inrelease, *pin->second, lock_name, "it is");
    std::map<std::string, PinnedIndex> by_url;
    for (const IndexRef& r : idx.packages_indexes) {
        const auto p = pins.find(r.url);
        if (p == pins.end()) fail(lock_name + ": the signed " + idx.inrelease.url + " lists " + r.url + ", which the lock does not pin");
        check_pin(r, *p->second, lock_name, "the signed " + idx.inrelease.url + " lists");
        PinnedIndex& pi = by_url[r.url];
        pi.url = r.url;
        pi.bases = a.mirrors;
        pi.architectures = {a.architecture, "all"};
    }
    for (const AptPackage& p : idx.packages)
        by_url.at(p.index_url).files.push_back({p.name, p.version, p.architecture, p.filename, p.size, p.sha256, "", p.where});
    for (auto& [url, pi] : by_url) out.push_back(std::move(pi));
}

void load_apk_repository(const Source& s, const std::string& repo, const ApkKeyring& keys, const IndexRef& pin, Downloader& dl,
                         const std::string& lock_name, std::vector<PinnedIndex>& out) {
    const std::vector<std::string> mirrors = s.mirror_urls();
    Expected e;
    e.size = pin.size;
    e.sha256 = pin.sha256;
    IndexRef got;
    const ApkIndex idx = fetch_apkindex(dl, alpine_repository(mirrors.front(), s, repo), s.architecture, keys, e, &got);
    check_pin(got, pin, lock_name, "it is");
    PinnedIndex pi;
    pi.url = idx.url;
    pi.apk = true;
    pi.architectures = {s.architecture, "noarch"};
    // Packages sit next to the index: <repository>/<arch>/NAME-VERSION.apk.
    for (const std::string& m : mirrors) pi.bases.push_back(alpine_repository(m, s, repo) + "/" + s.architecture);
    for (const ApkIndexPackage& p : idx.packages)
        pi.files.push_back(
            {p.name, p.version, p.arch, p.name + "-" + p.version + ".apk", p.size, "", p.checksum, idx.url + ":" + std::to_string(p.line)});
    out.push_back(std::move(pi));
}

}  // namespace

std::vector<PinnedIndex> load_pinned_indexes(const Recipe& recipe, const Lockfile& lock, Downloader& dl, const std::string& lock_name) {
    Pins pins;
    for (const IndexRef& i : lock.indexes) pins.emplace(i.url, &i);
    std::vector<PinnedIndex> out;
    for (const Source& s : recipe.sources) {
        if (s.is_apt()) {
            for (const std::string& suite : s.suites) load_apt_suite(s, suite, pins, dl, lock_name, out);
            continue;
        }
        const std::vector<std::string> mirrors = s.mirror_urls();
        if (mirrors.empty()) continue;
        std::optional<ApkKeyring> keys;  // read only for a source the lock takes packages from
        for (const std::string& repo : s.repositories) {
            const auto pin = pins.find(apk_index_url(alpine_repository(mirrors.front(), s, repo), s.architecture));
            if (pin == pins.end()) continue;
            if (!keys) keys = apk_source_keyring(s);
            load_apk_repository(s, repo, *keys, *pin->second, dl, lock_name, out);
        }
    }
    return out;
}

void check_lock_against_indexes(const Recipe& recipe, const Lockfile& lock, Downloader& dl, const std::string& lock_name) {
    check_lock_packages(lock, load_pinned_indexes(recipe, lock, dl, lock_name));
}

}  // namespace tdx::builder
