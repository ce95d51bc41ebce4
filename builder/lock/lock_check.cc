#include "builder/lock/lock_check.h"

#include <algorithm>
#include <map>
#include <utility>

#include "base/error.h"
#include "builder/apt/apt_release.h"

namespace tdx::builder {
namespace {

std::string lock_line(const PackageRef& p) { return p.where.empty() ? std::string("the lockfile") : p.where; }

std::string label(const PackageRef& p) { return lock_line(p) + ": package " + p.name + " " + p.version + " (" + p.architecture + ")"; }

std::string joined(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

// The record of the file the lock would fetch, found by what identifies a
// file in that index: apk's C: identity, apt's Filename.
const IndexedFile* record_of(const PinnedIndex& idx, const PackageRef& p, bool apk) {
    for (const IndexedFile& f : idx.files)
        if (apk ? (!p.apk_checksum.empty() && f.apk_checksum == p.apk_checksum) : f.filename == p.filename) return &f;
    return nullptr;
}

[[noreturn]] void not_in_index(const PinnedIndex& idx, const PackageRef& p, bool apk) {
    std::string msg = label(p) + ": " + (apk ? "apk identity \"" + p.apk_checksum + "\"" : "file " + p.filename) +
                      " is not in the signed index " + idx.url;
    for (const IndexedFile& f : idx.files)
        if (f.name == p.name) {
            msg += "; the index has " + f.name + " " + f.version + " as " + f.filename + " (" + f.where + ")";
            break;
        }
    fail(msg);
}

// Every field where the lock and the index's record disagree, in words.
std::vector<std::string> differences(const PackageRef& p, const IndexedFile& f) {
    std::vector<std::string> d;
    auto field = [&](const char* what, const std::string& lock, const std::string& index) {
        if (lock != index) d.push_back(std::string(what) + " \"" + lock + "\" where the index has \"" + index + "\"");
    };
    if (p.name != f.name) d.push_back("is named \"" + p.name + "\" but the index's record for its file is \"" + f.name + "\" (renamed)");
    field("version", p.version, f.version);
    field("architecture", p.architecture, f.architecture);
    field("filename", p.filename, f.filename);
    if (p.size != f.size) d.push_back("size " + std::to_string(p.size) + " where the index has " + std::to_string(f.size));
    // APKINDEX carries no SHA-256 of the file; the apk identity stands for it
    // (the build checks every .apk against it).
    if (!f.sha256.empty()) field("SHA-256", p.sha256, f.sha256);
    field("apk identity", p.apk_checksum, f.apk_checksum);
    return d;
}

void check_urls(const PinnedIndex& idx, const PackageRef& p, const IndexedFile& f) {
    std::vector<std::string> allowed;
    for (const std::string& base : idx.bases) allowed.push_back(join_url(base, f.filename));
    for (const std::string& u : p.urls)
        if (std::find(allowed.begin(), allowed.end(), u) == allowed.end())
            fail(label(p) + ": URL " + u + " is not one of the recipe's mirrors followed by the file name the signed index " + idx.url +
                 " gives (" + joined(allowed, ", ") + ")");
}

}  // namespace

void check_lock_packages(const Lockfile& lock, const std::vector<PinnedIndex>& indexes) {
    // Twice first: a second entry is refused as such, whichever is listed first.
    std::map<std::pair<std::string, std::string>, const PackageRef*> seen;
    for (const PackageRef& p : lock.packages) {
        const auto [first, fresh] = seen.emplace(std::make_pair(p.name, p.architecture), &p);
        if (!fresh) fail(label(p) + ": listed twice in the lock (also at " + lock_line(*first->second) + ")");
    }
    for (const PackageRef& p : lock.packages) {
        const auto idx = std::find_if(indexes.begin(), indexes.end(), [&](const PinnedIndex& i) { return i.url == p.source; });
        if (idx == indexes.end())
            fail(label(p) + ": its source " + p.source + " is not a signed index the lock pins for one of the recipe's sources");
        if (std::find(idx->architectures.begin(), idx->architectures.end(), p.architecture) == idx->architectures.end())
            fail(label(p) + ": architecture " + p.architecture + " is not the recipe's (" + joined(idx->architectures, " or ") + ", index " +
                 idx->url + ")");
        const IndexedFile* f = record_of(*idx, p, idx->apk);
        if (!f) not_in_index(*idx, p, idx->apk);
        const std::vector<std::string> d = differences(p, *f);
        if (!d.empty()) fail(label(p) + ": " + joined(d, "; ") + " (signed index " + f->where + ")");
        check_urls(*idx, p, *f);
    }
}

}  // namespace tdx::builder
