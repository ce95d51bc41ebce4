// The lock-to-index check (builder/lock/lock_check.h): a lockfile, an apt
// Packages index and an APKINDEX, separated by NUL bytes, each read by the
// project's own parser; then every lock entry is checked against the two
// indexes. A lock the check passes must really be made of the indexes'
// records: each package has a record with its file name, size and hash (or
// apk identity) and each URL is a base plus that file name, else abort.
#include <cstdio>
#include <cstdlib>

#include "builder/apk/apk_index.h"
#include "builder/apt/apt_release.h"
#include "builder/lock/lock_check.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using namespace tdx;
using namespace tdx::builder;

const char kAptIndex[] = "http://deb.example/debian/dists/trixie/main/binary-amd64/Packages.xz";
const char kAptBase[] = "http://deb.example/debian";
const char kApkIndex[] = "http://apk.example/alpine/v3.22/main/x86_64/APKINDEX.tar.gz";
const char kApkBase[] = "http://apk.example/alpine/v3.22/main/x86_64";

std::string_view part(std::string_view& rest) {
    const std::size_t nul = rest.find('\0');
    const std::string_view p = rest.substr(0, nul);
    rest = nul == std::string_view::npos ? std::string_view() : rest.substr(nul + 1);
    return p;
}

std::vector<PinnedIndex> indexes(std::string_view packages, std::string_view apkindex) {
    std::vector<PinnedIndex> out(2);
    out[0].url = kAptIndex;
    out[0].bases = {kAptBase};
    out[0].architectures = {"amd64", "all"};
    fuzz::rejecting([&] {
        for (const AptPackage& p : parse_packages_index(packages, "amd64", kAptIndex))
            out[0].files.push_back({p.name, p.version, p.architecture, p.filename, p.size, p.sha256, "", p.where});
    });
    out[1].url = kApkIndex;
    out[1].apk = true;
    out[1].bases = {kApkBase};
    out[1].architectures = {"x86_64", "noarch"};
    fuzz::rejecting([&] {
        for (const ApkIndexPackage& p : parse_apkindex_text(apkindex, kApkIndex))
            out[1].files.push_back({p.name, p.version, p.arch, p.name + "-" + p.version + ".apk", p.size, "", p.checksum, kApkIndex});
    });
    return out;
}

bool backed_by_index(const PackageRef& p, const std::vector<PinnedIndex>& idx) {
    for (const PinnedIndex& i : idx) {
        if (i.url != p.source) continue;
        for (const IndexedFile& f : i.files) {
            if (f.name != p.name || f.filename != p.filename || f.size != p.size || f.apk_checksum != p.apk_checksum) continue;
            if (!f.sha256.empty() && f.sha256 != p.sha256) continue;
            for (const std::string& u : p.urls)
                if (u != join_url(i.bases.front(), f.filename)) return false;
            return true;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::lower_limits();
    std::string_view rest = fuzz::text_of(data, size);
    const std::string_view lock_text = part(rest);
    const std::string_view packages = part(rest);
    const std::vector<PinnedIndex> idx = indexes(packages, rest);
    Lockfile lock;
    try {
        lock = parse_lockfile(std::string(lock_text), "fuzz.lock");
        check_lock_packages(lock, idx);
    } catch (const Error&) {
        return 0;
    }
    for (const PackageRef& p : lock.packages)
        if (!backed_by_index(p, idx)) {
            std::fprintf(stderr, "the check passed %s %s, which no index record backs\n", p.name.c_str(), p.version.c_str());
            std::abort();
        }
    return 0;
}
