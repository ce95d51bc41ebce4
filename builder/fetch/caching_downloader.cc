#include "builder/fetch/caching_downloader.h"

#include <optional>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

std::string base_name(const std::string& url) {
    std::string s = url.substr(0, url.find_first_of("?#"));
    return s.substr(s.find_last_of('/') + 1);
}

std::string describe(const std::vector<std::string>& urls, const Expected& expected) {
    std::string what = urls.empty() ? std::string("entry") : base_name(urls.front());
    if (expected.sha256) what += " (sha256 " + *expected.sha256 + ")";
    return what;
}

// "every URL tried and why each failed", one per line after the first.
std::string failures(const std::vector<std::string>& why) {
    std::string s;
    for (const auto& w : why) s += "\n  " + w;
    return s;
}

void check_pin(const std::vector<std::string>& urls, const Expected& expected) {
    if (!is_sha256_hex(*expected.sha256))
        fail(describe(urls, expected) + ": the expected SHA-256 is not 64 lowercase hex digits", ErrorKind::BadInput);
}

}  // namespace

CachingDownloader::CachingDownloader(Cache& cache, CachingDownloaderOptions options)
    : cache_(cache), options_(options), fetcher_(options.fetch) {}

CachingDownloader::~CachingDownloader() {
    std::error_code ec;
    if (!private_dir_.empty()) fs::remove_all(private_dir_, ec);
}

void CachingDownloader::note(const std::string& message) const { reporter().note(message); }

void CachingDownloader::hold_cache() {
    if (!in_use_.held()) in_use_ = cache_.lock_in_use();
}

void CachingDownloader::take_verified(const std::vector<std::string>& urls, const Expected& expected, const std::function<bool(bool*)>& take) {
    check_pin(urls, expected);
    hold_cache();
    // One process downloads an entry at a time; the others wait and then
    // find it in the cache.
    CacheLock held = cache_.lock(*expected.sha256);
    bool discarded = false;
    if (take(&discarded)) return;
    if (discarded) note("cache entry " + *expected.sha256 + " was corrupted; discarded, fetching it again");
    fetch_missing(urls, expected);
    if (!take(&discarded)) fail(describe(urls, expected) + ": the cache entry changed right after it was fetched and verified", ErrorKind::Io);
}

std::vector<std::uint8_t> CachingDownloader::get(const std::vector<std::string>& urls, const Expected& expected) {
    if (!expected.sha256) {
        hold_cache();
        return fetch_unpinned(urls, expected);
    }
    // The bytes returned are the ones hashed: read once, under the entry's lock.
    std::optional<std::vector<std::uint8_t>> bytes;
    take_verified(urls, expected,
                  [&](bool* discarded) { return (bytes = cache_.read(*expected.sha256, expected.size, discarded)).has_value(); });
    return std::move(*bytes);
}

fs::path CachingDownloader::get_path(const std::vector<std::string>& urls, const Expected& expected) {
    if (!expected.sha256) fail("get_path needs an expected SHA-256 for " + describe(urls, expected), ErrorKind::Usage);
    if (const auto it = copies_.find(*expected.sha256); it != copies_.end()) return it->second;
    hold_cache();
    if (private_dir_.empty()) private_dir_ = cache_.make_private_dir();
    const fs::path copy = private_dir_ / *expected.sha256;
    take_verified(urls, expected, [&](bool* discarded) { return cache_.copy_verified(*expected.sha256, expected.size, copy, discarded); });
    return copies_[*expected.sha256] = copy;
}

void CachingDownloader::prefetch(const std::vector<std::string>& urls, const Expected& expected) {
    if (!expected.sha256) fail("prefetch needs an expected SHA-256 for " + describe(urls, expected), ErrorKind::Usage);
    take_verified(urls, expected, [&](bool* discarded) { return cache_.lookup(*expected.sha256, expected.size, discarded).has_value(); });
}

fs::path CachingDownloader::fetch_missing(const std::vector<std::string>& urls, const Expected& expected) {
    const std::string& sha = *expected.sha256;
    if (options_.offline)
        fail("offline: " + describe(urls, expected) + " is not in the cache " + cache_.root().string() +
                 (urls.empty() ? std::string() : "; it would be fetched from " + urls.front()) +
                 " (import a cache that has it, or run once with network access)",
             ErrorKind::Io);
    if (urls.empty()) fail(describe(urls, expected) + ": not in the cache and no URL to fetch it from", ErrorKind::BadInput);

    // The partial file survives failures so the next mirror, or the next run,
    // resumes after the bytes already fetched.
    const fs::path partial = cache_.partial_path(sha);
    std::vector<std::string> why;
    for (const std::string& url : urls) {
        Progress progress(base_name(url), reporter());
        try {
            fetcher_.fetch_to_file(url, expected, partial, &progress);
            progress.finish();
            return cache_.insert_file(partial, expected, url);
        } catch (const Error& e) {
            progress.finish();
            why.push_back(e.what());
        }
    }
    fail("cannot fetch " + describe(urls, expected) + " from any of " + std::to_string(urls.size()) + " URL(s):" + failures(why), ErrorKind::Io);
}

std::vector<std::uint8_t> CachingDownloader::fetch_unpinned(const std::vector<std::string>& urls, const Expected& expected) {
    if (options_.offline)
        fail("offline: " + describe(urls, expected) +
                 " has no expected SHA-256, so it cannot be taken from the cache; pin it in the lockfile or allow the network",
             ErrorKind::Io);
    if (urls.empty()) fail("nothing to fetch: no URL given", ErrorKind::BadInput);
    std::vector<std::string> why;
    for (const std::string& url : urls) {
        Progress progress(base_name(url), reporter());
        CacheTempFile tmp = cache_.temp_file();
        try {
            fetcher_.fetch_to_file(url, expected, tmp.path(), &progress);
            progress.finish();
            std::vector<std::uint8_t> bytes = read_file(tmp.path());
            if (options_.cache_unpinned) {
                cache_.insert_file(tmp.path(), expected, url);
                tmp.release();
            }
            return bytes;
        } catch (const Error& e) {
            progress.finish();
            why.push_back(e.what());
        }
    }
    fail("cannot fetch " + describe(urls, expected) + " from any of " + std::to_string(urls.size()) + " URL(s):" + failures(why), ErrorKind::Io);
}

}  // namespace tdx::builder
