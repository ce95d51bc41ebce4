#include "builder/fetch/fetcher.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "base/error.h"
#include "base/file_io.h"
#include "base/limits.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

// Where the body of one attempt goes: appended to what is on disk when the
// server honoured our Range request, otherwise written from offset 0.
struct Sink {
    CURL* curl = nullptr;
    int fd = -1;
    std::uint64_t start = 0;             // bytes on disk before this attempt
    std::uint64_t received = 0;          // bytes written by this attempt
    std::optional<std::uint64_t> limit;  // the expected size
    std::uint64_t max_bytes = 0;         // the expected size, else the download-size limit
    bool checked = false;                // status looked at (on the first body bytes)
    bool discard = false;                // error page: not content
    bool too_big = false;
    int write_errno = 0;
    Progress* progress = nullptr;
};

bool truncate_to_zero(int fd) { return ::ftruncate(fd, 0) == 0 && ::lseek(fd, 0, SEEK_SET) == 0; }

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    Sink& s = *static_cast<Sink*>(user);
    const std::size_t len = size * count;
    if (!s.checked) {
        s.checked = true;
        long code = 0;
        curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 400) {
            s.discard = true;
        } else if (s.start > 0 && code != 0 && code != 206) {
            // The server ignored the Range header and sends the whole file.
            if (!truncate_to_zero(s.fd)) {
                s.write_errno = errno;
                return 0;
            }
            s.start = 0;
        }
    }
    // An error page is only read to keep the connection usable; one without
    // end is cut (the status alone decides what happens next).
    if (s.discard) return (s.received += len) > (1u << 20) ? 0 : len;
    // A server that sends more than the expected size is wrong, and one that
    // sends an index without end is hostile; stop instead of filling the disk.
    if (s.start + s.received + len > s.max_bytes) {
        s.too_big = true;
        return 0;
    }
    std::size_t left = len;
    while (left > 0) {
        ssize_t w = ::write(s.fd, data + (len - left), left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            s.write_errno = errno ? errno : EIO;
            return 0;
        }
        left -= static_cast<std::size_t>(w);
    }
    s.received += len;
    return len;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
    Sink& s = *static_cast<Sink*>(user);
    if (s.progress && !s.discard) {
        const auto now = s.start + static_cast<std::uint64_t>(std::max<curl_off_t>(dlnow, 0));
        const std::uint64_t total = s.limit ? *s.limit : dltotal > 0 ? s.start + static_cast<std::uint64_t>(dltotal) : 0;
        s.progress->update(now, total);
    }
    return 0;
}

bool transient_status(long code) { return code == 408 || code == 429 || (code >= 500 && code <= 599); }

bool transient_curl(CURLcode rc) {
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_COULDNT_CONNECT:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM: return true;
        default: return false;
    }
}

// The outcome of one attempt.
struct Attempt {
    bool ok = false;
    bool transient = false;
    bool restart = false;  // retry from byte 0 (bad partial content)
    std::string why;
};

std::uint64_t file_size(int fd) {
    off_t end = ::lseek(fd, 0, SEEK_END);
    return end > 0 ? static_cast<std::uint64_t>(end) : 0;
}

}  // namespace

Fetcher::Fetcher(FetchOptions options) : options_(options) { global_init(); }

FileDigest Fetcher::fetch_to_file(const std::string& url, const Expected& expected, const fs::path& dest, Progress* progress) {
    OwnedFd out;
    out.fd = ::open(dest.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (out.fd < 0) fail(dest.string() + ": cannot open for the download of " + url + ": " + std::strerror(errno), ErrorKind::Io);

    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) fail(url + ": cannot initialise libcurl", ErrorKind::Io);
    char errbuf[CURL_ERROR_SIZE];

    auto truncate_or_fail = [&] {
        if (!truncate_to_zero(out.fd)) fail(dest.string() + ": cannot truncate: " + std::strerror(errno), ErrorKind::Io);
    };

    auto attempt_once = [&]() -> Attempt {
        Sink sink;
        sink.curl = curl.get();
        sink.fd = out.fd;
        sink.start = file_size(out.fd);
        sink.limit = expected.size;
        sink.max_bytes = expected.size ? *expected.size : limit(Limit::DownloadSize);
        sink.progress = progress;
        if (expected.size && sink.start > *expected.size) {
            truncate_or_fail();
            sink.start = 0;
        }
        if (expected.size && sink.start == *expected.size) return {true, false, false, {}};  // complete already: only verify

        CURL* c = curl.get();
        curl_easy_reset(c);
        errbuf[0] = '\0';
        curl_easy_setopt(c, CURLOPT_URL, url.c_str());
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        // A redirect must not turn an http URL into a local file read.
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_s);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
        curl_easy_setopt(c, CURLOPT_USERAGENT,
                         "tdximage/"
                         "0.1");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &sink);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, progress && progress->enabled() ? 0L : 1L);
        // A plain Range header rather than CURLOPT_RESUME_FROM: libcurl fails
        // the latter when the server answers 200, where we just start over.
        const std::string range = std::to_string(sink.start) + "-";
        if (sink.start > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

        const CURLcode rc = curl_easy_perform(c);
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        const std::string detail = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
        if (sink.write_errno)
            fail(dest.string() + ": write error while fetching " + url + ": " + std::strerror(sink.write_errno), ErrorKind::Io);
        if (sink.too_big) {
            truncate_or_fail();
            if (!expected.size) exceeded(Limit::DownloadSize, url, "the body of a download no lock pins yet");
            // The bytes we resumed after may have been the wrong ones.
            if (sink.start > 0)
                return {false, true, true, "more data than the expected " + std::to_string(*expected.size) + " bytes after resuming"};
            return {false, false, false, "sends more than the expected " + std::to_string(*expected.size) + " bytes"};
        }
        if (code == 416 && sink.start > 0) {
            truncate_or_fail();
            return {false, true, true, "HTTP 416 (range not satisfiable) resuming at byte " + std::to_string(sink.start)};
        }
        if (code >= 400) {
            // The discarded error page may have been the only thing sent.
            return {false, transient_status(code), false, "HTTP " + std::to_string(code)};
        }
        if (rc != CURLE_OK) return {false, transient_curl(rc), false, detail};
        if (!sink.checked && sink.start > 0 && code != 0 && code != 206) {
            // Empty 200 body to a Range request: the file is empty now.
            truncate_or_fail();
        }
        return {true, false, false, {}};
    };

    std::string last_why;
    bool restarted = false;
    const int max_attempts = std::max(1, options_.max_attempts);
    auto backoff = options_.initial_backoff;
    for (int attempt = 1;; ++attempt) {
        const bool resumed = file_size(out.fd) > 0;
        Attempt a = attempt_once();
        if (a.ok) {
            FileDigest d = hash_file(dest);
            std::string bad = mismatch(d, expected);
            if (bad.empty()) return d;
            truncate_or_fail();
            // A partial file from an earlier attempt or run may hold the bad
            // bytes rather than the server: fetch everything once more.
            if (resumed && !restarted && attempt < max_attempts) {
                restarted = true;
                continue;
            }
            fail(url + ": " + bad, ErrorKind::BadInput);
        }
        last_why = a.why;
        if (a.restart && !restarted) restarted = true;
        if (!a.transient || attempt >= max_attempts)
            fail(url + ": " + last_why + (attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : ""), ErrorKind::Io);
        if (progress) progress->set_label("retrying " + url.substr(url.find_last_of('/') + 1));
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, options_.max_backoff);
    }
}

std::vector<std::uint8_t> Fetcher::fetch(const std::string& url, const Expected& expected, Progress* progress) {
    std::string tmpl = (fs::temp_directory_path() / "tdximage-fetch-XXXXXX").string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) fail(tmpl + ": cannot create a temporary file: " + std::strerror(errno), ErrorKind::Io);
    ::close(fd);
    struct Unlink {
        std::string p;
        ~Unlink() { ::unlink(p.c_str()); }
    } cleanup{tmpl};
    fetch_to_file(url, expected, tmpl, progress);
    return read_file(tmpl);
}

}  // namespace tdx::builder
