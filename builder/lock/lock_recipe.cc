#include "builder/lock/lock_recipe.h"

#include <fnmatch.h>
#include <algorithm>
#include <map>

#include "base/digest.h"
#include "base/error.h"
#include "builder/apk/apk_index.h"
#include "builder/apk/apk_resolver.h"
#include "builder/apt/apt_release.h"
#include "builder/apt/apt_resolver.h"
#include "builder/fetch/caching_downloader.h"
#include "builder/fetch/file_hash.h"
#include "builder/lock/recipe_sources.h"

namespace tdx::builder {
namespace {

// Local files are recorded relative to the recipe, so the lock does not
// depend on where the checkout lives.
constexpr char kLocalScheme[] = "recipe:";

// The packages a source contributes: the recipe's own list (whole dependency
// closure), and the kernel or firmware package (itself, plus for the kernel
// what `follow` selects from its closure).
struct SourceRequests {
    std::vector<std::string> packages;
    std::vector<const ArtifactSpec*> artifacts;
};

class SourceResolver {
public:
    SourceResolver(const Source& s, Downloader& dl, Lockfile& lock) : source_(s), dl_(dl), lock_(lock) {}

    void load_indexes() {
        if (source_.is_apt()) {
            for (const std::string& suite : source_.suites) {
                AptIndex idx = load_apt_index(dl_, apt_suite_source(source_, suite));
                add_index(idx.inrelease);
                for (const IndexRef& r : idx.packages_indexes) add_index(r);
                apt_.push_back(std::move(idx));
            }
        } else {
            const ApkKeyring keys = apk_source_keyring(source_);
            for (const std::string& repo : source_.repositories) {
                // Every mirror serves the same index; the first one is the
                // repository the package URLs are built from.
                const std::vector<std::string> mirrors = source_.mirror_urls();
                IndexRef ref;
                ApkIndex idx = fetch_apkindex(dl_, alpine_repository(mirrors.front(), source_, repo), source_.architecture, keys, {}, &ref);
                add_index(ref);
                apk_.push_back(std::move(idx));
            }
        }
    }

    std::vector<PackageRef> resolve(const std::vector<std::string>& names) {
        if (names.empty()) return {};
        std::vector<PackageRef> out;
        if (source_.is_apt()) {
            std::vector<PackageRequest> reqs;
            for (const std::string& n : names) reqs.push_back(parse_package_request(n));
            out = resolve_apt_packages(apt_, reqs, ResolveOptions{source_.architecture, false});
        } else {
            out = apk_resolve(apk_, names);
            // APKINDEX carries no SHA-256 of the files: fetch each (size
            // checked against S:) and pin what arrived.
            for (PackageRef& p : out) {
                Expected e;
                e.size = p.size;
                const std::vector<std::uint8_t> bytes = dl_.get(p.urls, e);
                p.sha256 = to_hex(sha256(Bytes(bytes.data(), bytes.size())));
            }
        }
        return out;
    }

private:
    void add_index(IndexRef r) {
        r.snapshot = source_.snapshot;
        lock_.indexes.push_back(std::move(r));
    }
    const Source& source_;
    Downloader& dl_;
    Lockfile& lock_;
    std::vector<AptIndex> apt_;
    std::vector<ApkIndex> apk_;
};

LockedFile pin_artifact(const ArtifactSpec& a, const std::string& role, Downloader& dl, const std::filesystem::path& recipe_dir) {
    LockedFile f;
    f.role = role;
    f.sha256 = a.sha256;
    if (a.kind == ArtifactSpec::Kind::Url) {
        Expected e;
        e.sha256 = a.sha256;
        f.size = dl.get({a.url}, e).size();
        f.urls = {a.url};
    } else {
        const FileDigest d = hash_file(a.file.resolved);
        Expected e;
        e.sha256 = a.sha256;
        const std::string why = mismatch(d, e);
        if (!why.empty()) fail(a.file.resolved.string() + ": " + why + " (the recipe pins it)");
        f.size = d.size;
        f.urls = {local_file_url(a.file.resolved, recipe_dir)};
    }
    return f;
}

}  // namespace

bool matches_any(const std::string& name, const std::vector<std::string>& globs) {
    return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return fnmatch(g.c_str(), name.c_str(), 0) == 0; });
}

std::string local_file_url(const std::filesystem::path& file, const std::filesystem::path& recipe_dir) {
    return kLocalScheme + std::filesystem::relative(file, recipe_dir).generic_string();
}

Lockfile lock_recipe(const Recipe& recipe, Downloader& dl) {
    Lockfile lock;
    lock.recipe_file = recipe.file.filename().string();
    lock.recipe_sha256 = recipe_sha256(recipe);
    const std::filesystem::path recipe_dir = recipe.file.parent_path();

    std::map<std::string, SourceRequests> by_source;
    for (const PackageSpec& p : recipe.packages) by_source[p.source].packages.push_back(p.name);
    for (const ArtifactSpec* a : {&recipe.kernel, &recipe.ovmf})
        if (a->kind == ArtifactSpec::Kind::Package) by_source[a->source].artifacts.push_back(a);

    for (const Source& s : recipe.sources) {
        auto it = by_source.find(s.name);
        if (it == by_source.end()) continue;  // a source nothing is taken from needs no index
        SourceResolver resolver(s, dl, lock);
        resolver.load_indexes();
        std::vector<PackageRef> selected = resolver.resolve(it->second.packages);
        for (const ArtifactSpec* a : it->second.artifacts) {
            std::vector<PackageRef> closure = resolver.resolve({a->package});
            std::vector<std::string> keep = a->follow;
            keep.push_back(a->package);
            for (PackageRef& p : closure)
                if (p.name == a->package || (a == &recipe.kernel && matches_any(p.name, keep))) selected.push_back(std::move(p));
        }
        std::sort(selected.begin(), selected.end(), [](const PackageRef& x, const PackageRef& y) { return x.name < y.name; });
        selected.erase(std::unique(selected.begin(), selected.end(),
                                   [](const PackageRef& x, const PackageRef& y) { return x.name == y.name && x.version == y.version; }),
                       selected.end());
        for (PackageRef& p : selected) lock.packages.push_back(std::move(p));
    }
    if (recipe.kernel.kind != ArtifactSpec::Kind::Package) lock.files.push_back(pin_artifact(recipe.kernel, "kernel", dl, recipe_dir));
    if (recipe.ovmf.kind != ArtifactSpec::Kind::Package) lock.files.push_back(pin_artifact(recipe.ovmf, "ovmf", dl, recipe_dir));
    for (const FileSpec& f : recipe.files) {
        const FileDigest d = hash_file(f.src.resolved);
        lock.files.push_back({"file", {local_file_url(f.src.resolved, recipe_dir)}, d.size, d.sha256});
    }
    return lock;
}

void check_lock_matches(const Recipe& recipe, const Lockfile& lock, const std::string& lock_name) {
    const std::string now = recipe_sha256(recipe);
    if (now != lock.recipe_sha256)
        fail(lock_name + ": made from a different recipe (recipe sha256 " + lock.recipe_sha256.substr(0, 16) + "…, " +
                 recipe.file.filename().string() + " now " + now.substr(0, 16) + "…); run `tdximage lock --update " + recipe.file.string() +
                 "` to re-resolve",
             ErrorKind::Usage);
}

FetchSummary fetch_locked(const Recipe& recipe, const Lockfile& lock, Downloader& dl) {
    FetchSummary sum;
    const std::filesystem::path recipe_dir = recipe.file.parent_path();
    auto pinned = [](std::uint64_t size, const std::string& sha) {
        Expected e;
        e.size = size;
        e.sha256 = sha;
        return e;
    };
    // Kernel packages are large: the caching downloader checks them in the
    // cache without reading them into memory.
    auto* caching = dynamic_cast<CachingDownloader*>(&dl);
    for (const PackageRef& p : lock.packages) {
        if (caching) caching->prefetch(p.urls, pinned(p.size, p.sha256));
        else
            dl.get(p.urls, pinned(p.size, p.sha256));
        ++sum.packages;
        sum.bytes += p.size;
    }
    for (const LockedFile& f : lock.files) {
        if (!f.urls.empty() && f.urls.front().rfind(kLocalScheme, 0) == 0) {
            const std::filesystem::path path = recipe_dir / f.urls.front().substr(sizeof(kLocalScheme) - 1);
            const std::string why = mismatch(hash_file(path), pinned(f.size, f.sha256));
            if (!why.empty()) fail(path.string() + ": " + why + " (pinned by the lockfile)");
        } else {
            dl.get(f.urls, pinned(f.size, f.sha256));
        }
        ++sum.files;
        sum.bytes += f.size;
    }
    return sum;
}

}  // namespace tdx::builder
