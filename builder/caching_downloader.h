// The Downloader the build uses: the cache first, then the mirrors in order,
// and nothing enters the cache (or reaches the caller) before its size and
// SHA-256 are checked. In offline mode (air-gapped builders, `--offline`,
// `build --locked` without network) a missing entry is an error that names it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builder/cache.h"
#include "builder/downloader.h"
#include "builder/fetcher.h"

namespace tdx::builder {

struct CachingDownloaderOptions {
    bool offline = false;
    bool quiet = false;            // no progress bar and no notes on stderr
    // Content fetched without an expected hash (InRelease, APKINDEX) is also
    // stored under its computed hash, so a later lockfile pinning it can be
    // satisfied offline.
    bool cache_unpinned = true;
    FetchOptions fetch;
};

class CachingDownloader : public Downloader {
public:
    CachingDownloader(Cache& cache, CachingDownloaderOptions options = {});

    std::vector<std::uint8_t> get(const std::vector<std::string>& urls, const Expected& expected) override;

    // Like get, but for large pinned files (kernel and module packages): the
    // verified entry's path in the cache, without reading it into memory.
    // `expected.sha256` is required.
    std::filesystem::path get_path(const std::vector<std::string>& urls, const Expected& expected);

private:
    // With the entry's lock held and the entry missing: the mirrors in order.
    std::filesystem::path fetch_missing(const std::vector<std::string>& urls, const Expected& expected);
    std::vector<std::uint8_t> fetch_unpinned(const std::vector<std::string>& urls, const Expected& expected);
    void note(const std::string& message) const;

    Cache& cache_;
    CachingDownloaderOptions options_;
    Fetcher fetcher_;
};

}  // namespace tdx::builder
