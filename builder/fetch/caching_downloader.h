// The Downloader the build uses: the cache first, then the mirrors in order,
// and nothing enters the cache (or reaches the caller) before its size and
// SHA-256 are checked. In offline mode (air-gapped builders, `--offline`,
// `build --locked` without network) a missing entry is an error that names it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/reporter.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/downloader.h"
#include "builder/fetch/fetcher.h"

namespace tdx::builder {

struct CachingDownloaderOptions {
    bool offline = false;
    Reporter* reporter = nullptr;  // notes and progress bars; none when null
    // Content fetched without an expected hash (InRelease, APKINDEX) is also
    // stored under its computed hash, so a later lockfile pinning it can be
    // satisfied offline.
    bool cache_unpinned = true;
    FetchOptions fetch;
};

class CachingDownloader : public Downloader {
public:
    CachingDownloader(Cache& cache, CachingDownloaderOptions options = {});

    ~CachingDownloader() override;
    CachingDownloader(const CachingDownloader&) = delete;
    CachingDownloader& operator=(const CachingDownloader&) = delete;

    std::vector<std::uint8_t> get(const std::vector<std::string>& urls, const Expected& expected) override;

    // Like get, but for large pinned files (packages): the path of a private
    // copy, made while the entry was verified and under its lock, in a
    // directory of this downloader's own (removed with it). The cache entry
    // itself is never handed out: another process may replace or rewrite it
    // at any time, and what the build uses must be what was checked. The
    // same hash asked for again gives the same copy. `expected.sha256` is
    // required.
    std::filesystem::path get_path(const std::vector<std::string>& urls, const Expected& expected);

    // Makes sure a pinned entry is in the cache (verified, fetched when
    // missing) without copying it anywhere: `lock --fetch`.
    void prefetch(const std::vector<std::string>& urls, const Expected& expected);

private:
    // Holds the cache's in-use lock from the first use on, so gc waits.
    void hold_cache();
    // With the entry's lock held: `take` it from the cache (true when it was
    // there and verified), else fetch it and `take` it again.
    void take_verified(const std::vector<std::string>& urls, const Expected& expected, const std::function<bool(bool* discarded)>& take);
    // With the entry's lock held and the entry missing: the mirrors in order.
    std::filesystem::path fetch_missing(const std::vector<std::string>& urls, const Expected& expected);
    std::vector<std::uint8_t> fetch_unpinned(const std::vector<std::string>& urls, const Expected& expected);
    void note(const std::string& message) const;
    Reporter& reporter() const { return options_.reporter ? *options_.reporter : silent_reporter(); }

    Cache& cache_;
    CachingDownloaderOptions options_;
    Fetcher fetcher_;
    CacheLock in_use_;
    std::filesystem::path private_dir_;                    // created on the first get_path
    std::map<std::string, std::filesystem::path> copies_;  // sha256 -> private copy
};

}  // namespace tdx::builder
