// One URL to one file with libcurl: http, https and file://. Transient
// failures (5xx, 408, 429, timeouts, resets, truncated bodies) are retried
// with exponential backoff, resuming with a Range request from the bytes
// already on disk when the server honours it; permanent ones (404 and other
// 4xx, unknown host, missing local file) fail at once so the caller can move
// to the next mirror. Proxies come from libcurl's own reading of http_proxy,
// https_proxy, ALL_PROXY and no_proxy: nothing here sets or disables them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "builder/fetch/downloader.h"
#include "builder/fetch/file_hash.h"
#include "builder/fetch/progress.h"

namespace tdx::builder {

struct FetchOptions {
    long connect_timeout_s = 30;
    // A transfer slower than low_speed_bytes per second for low_speed_time_s
    // seconds is abandoned (and retried): a stalled mirror must not hang a build.
    long low_speed_bytes = 1024;
    long low_speed_time_s = 60;
    int max_attempts = 5;                             // per URL, first try included
    std::chrono::milliseconds initial_backoff{1000};  // doubled after every failure
    std::chrono::milliseconds max_backoff{30000};
};

class Fetcher {
public:
    explicit Fetcher(FetchOptions options = {});

    // Fetches `url` into `dest`. When `dest` already holds bytes (an earlier
    // attempt or run stopped midway) the transfer resumes after them if the
    // server answers 206, and starts over when it sends the whole file.
    // The complete file is hashed and checked against `expected`; on a
    // mismatch `dest` is truncated and tdx::Error thrown naming the URL, what
    // was expected and what arrived. Other failures throw naming the URL and
    // the HTTP status or libcurl error, leaving `dest` for a later resume.
    FileDigest fetch_to_file(const std::string& url, const Expected& expected, const std::filesystem::path& dest, Progress* progress = nullptr);

    // Convenience for small files (indexes): fetched through a temporary file
    // next to nothing else, returned in memory.
    std::vector<std::uint8_t> fetch(const std::string& url, const Expected& expected, Progress* progress = nullptr);

    const FetchOptions& options() const { return options_; }

private:
    FetchOptions options_;
};

}  // namespace tdx::builder
