// Fetching over file:// and over HTTP from a small server run by the test
// itself (POSIX sockets, one connection at a time): retries on 503, none on
// 404, resume with Range after a cut connection, hash mismatches rejected,
// mirrors in order, and the caching downloader's cache hits, refetch of a
// corrupted entry and offline errors.
#include "tests/support/catch.h"
#include "tests/support/error_of.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"
#include "builder/fetch/caching_downloader.h"
#include "builder/fetch/fetcher.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using tdx::test::error_of;
using tdx::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Request {
    std::string path;
    std::optional<std::uint64_t> range_from;  // "Range: bytes=N-"
};

struct Reply {
    int status = 200;
    std::string body;
    std::optional<std::uint64_t> cut_after;  // announce the whole body, send this much, hang up
    std::uint64_t content_range_from = 0;    // for 206 answers
};

// Serves one request per connection on 127.0.0.1 from a background thread;
// `handler` decides the answer and may count calls.
class TestServer {
public:
    using Handler = std::function<Reply(const Request&, int call)>;

    TestServer() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~TestServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    void on(const std::string& path, Handler h) {
        std::lock_guard<std::mutex> g(mu_);
        handlers_[path] = std::move(h);
    }
    // A plain file that honours Range.
    void file(const std::string& path, const std::string& body) {
        on(path, [body](const Request& r, int) { return ranged(body, r); });
    }
    static Reply ranged(const std::string& body, const Request& r) {
        if (r.range_from && *r.range_from <= body.size()) return {206, body.substr(*r.range_from), {}, *r.range_from};
        return {200, body, {}, 0};
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    int calls(const std::string& path) {
        std::lock_guard<std::mutex> g(mu_);
        return calls_[path];
    }
    std::vector<Request> requests(const std::string& path) {
        std::lock_guard<std::mutex> g(mu_);
        return seen_[path];
    }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            handle(c);
            ::close(c);
        }
    }

    void handle(int c) {
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
            ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            head.append(buf, static_cast<std::size_t>(n));
        }
        Request req;
        const auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
        req.path = head.substr(sp1 + 1, sp2 - sp1 - 1);
        const auto range = head.find("Range: bytes=");
        if (range != std::string::npos) req.range_from = std::stoull(head.substr(range + 13));
        Handler h;
        int call = 0;
        {
            std::lock_guard<std::mutex> g(mu_);
            call = ++calls_[req.path];
            seen_[req.path].push_back(req);
            auto it = handlers_.find(req.path);
            if (it != handlers_.end()) h = it->second;
        }
        Reply r = h ? h(req, call) : Reply{404, "not found\n", {}, 0};
        std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Length: " + std::to_string(r.body.size()) +
                          "\r\nConnection: close\r\n";
        if (r.status == 206)
            out += "Content-Range: bytes " + std::to_string(r.content_range_from) + "-" +
                   std::to_string(r.content_range_from + r.body.size() - 1) + "/" + std::to_string(r.content_range_from + r.body.size()) +
                   "\r\n";
        out += "\r\n";
        out += r.cut_after ? r.body.substr(0, *r.cut_after) : r.body;
        send_all(c, out);
    }

    static void send_all(int c, const std::string& s) {
        std::size_t done = 0;
        while (done < s.size()) {
            ssize_t n = ::send(c, s.data() + done, s.size() - done, MSG_NOSIGNAL);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mu_;
    std::map<std::string, Handler> handlers_;
    std::map<std::string, int> calls_;
    std::map<std::string, std::vector<Request>> seen_;
};

std::string hex_of(const std::string& s) {
    return tdx::to_hex(tdx::sha256(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
}

Expected pinned(const std::string& content) {
    Expected e;
    e.sha256 = hex_of(content);
    e.size = content.size();
    return e;
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

// Retries in milliseconds, so the suite stays fast.
FetchOptions fast() {
    FetchOptions o;
    o.connect_timeout_s = 2;
    o.low_speed_time_s = 2;
    o.max_attempts = 4;
    o.initial_backoff = std::chrono::milliseconds(1);
    o.max_backoff = std::chrono::milliseconds(5);
    return o;
}

CachingDownloaderOptions quiet_fast() {
    CachingDownloaderOptions o;
    o.fetch = fast();
    return o;
}

CachingDownloaderOptions quiet_offline() {
    CachingDownloaderOptions o = quiet_fast();
    o.offline = true;
    return o;
}

// A body large enough to be cut in the middle (and to span several reads).
const std::string kBody = [] {
    std::string s;
    for (int i = 0; s.size() < 200000; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
}();

}  // namespace

TEST_CASE("fetcher: file:// URLs, with verification and resume") {
    TempDir d;
    tdx::test::write_text(d / "pkg.deb", kBody);
    Fetcher f(fast());
    const std::string url = "file://" + (d / "pkg.deb").string();
    REQUIRE(f.fetch(url, pinned(kBody)) == bytes_of(kBody));

    // A partial file continues where it stopped.
    tdx::test::write_text(d / "partial", kBody.substr(0, 1000));
    FileDigest got = f.fetch_to_file(url, pinned(kBody), d / "partial");
    REQUIRE(got.sha256 == hex_of(kBody));
    REQUIRE(tdx::test::read_text(d / "partial") == kBody);

    std::string err = error_of([&] { f.fetch("file://" + (d / "nope.deb").string(), {}); });
    REQUIRE_THAT(err, TDX_CONTAINS("nope.deb"));
    REQUIRE_THAT(err, !TDX_CONTAINS("attempts"));  // a missing file is not retried
}

TEST_CASE("fetcher: 503 twice, then 200: retried with backoff") {
    TestServer s;
    s.on("/flaky", [](const Request&, int call) { return call <= 2 ? Reply{503, "busy", {}, 0} : Reply{200, kBody, {}, 0}; });
    Fetcher f(fast());
    REQUIRE(f.fetch(s.url("/flaky"), pinned(kBody)) == bytes_of(kBody));
    REQUIRE(s.calls("/flaky") == 3);
}

TEST_CASE("fetcher: persistent 503 gives up after the configured attempts") {
    TestServer s;
    s.on("/down", [](const Request&, int) { return Reply{503, "busy", {}, 0}; });
    Fetcher f(fast());
    std::string err = error_of([&] { f.fetch(s.url("/down"), {}); });
    REQUIRE_THAT(err, TDX_CONTAINS(s.url("/down")));
    REQUIRE_THAT(err, TDX_CONTAINS("HTTP 503"));
    REQUIRE_THAT(err, TDX_CONTAINS("after 4 attempts"));
    REQUIRE(s.calls("/down") == 4);
}

TEST_CASE("fetcher: 404 is not retried and the error names URL and status") {
    TestServer s;
    Fetcher f(fast());
    std::string err = error_of([&] { f.fetch(s.url("/gone.deb"), {}); });
    REQUIRE_THAT(err, TDX_CONTAINS(s.url("/gone.deb")));
    REQUIRE_THAT(err, TDX_CONTAINS("HTTP 404"));
    REQUIRE(s.calls("/gone.deb") == 1);
}

TEST_CASE("fetcher: a connection cut mid-body resumes with a Range request") {
    TestServer s;
    const std::uint64_t cut = 70000;
    s.on("/big", [cut](const Request& r, int call) {
        if (call == 1) return Reply{200, kBody, cut, 0};
        return TestServer::ranged(kBody, r);
    });
    Fetcher f(fast());
    REQUIRE(f.fetch(s.url("/big"), pinned(kBody)) == bytes_of(kBody));
    auto reqs = s.requests("/big");
    REQUIRE(reqs.size() == 2);
    REQUIRE_FALSE(reqs[0].range_from);
    REQUIRE(reqs[1].range_from == cut);
}

TEST_CASE("fetcher: a server that ignores Range is read from the start again") {
    TestServer s;
    s.on("/norange", [](const Request&, int call) {
        return Reply{200, kBody, call == 1 ? std::optional<std::uint64_t>(5000) : std::nullopt, 0};
    });
    Fetcher f(fast());
    REQUIRE(f.fetch(s.url("/norange"), pinned(kBody)) == bytes_of(kBody));
    REQUIRE(s.calls("/norange") == 2);
}

TEST_CASE("fetcher: wrong content is rejected with both hashes named") {
    TestServer s;
    s.file("/evil.deb", std::string(kBody.size(), 'x'));
    Fetcher f(fast());
    std::string err = error_of([&] { f.fetch(s.url("/evil.deb"), pinned(kBody)); });
    REQUIRE_THAT(err, TDX_CONTAINS(s.url("/evil.deb")));
    REQUIRE_THAT(err, TDX_CONTAINS(hex_of(kBody)));
    REQUIRE_THAT(err, TDX_CONTAINS(hex_of(std::string(kBody.size(), 'x'))));
    // Too long is stopped early, too short is caught by the size.
    s.file("/long.deb", kBody + "trailing");
    REQUIRE_THAT(error_of([&] { f.fetch(s.url("/long.deb"), pinned(kBody)); }), TDX_CONTAINS("more than the expected"));
    s.file("/short.deb", kBody.substr(1));
    REQUIRE_THAT(error_of([&] { f.fetch(s.url("/short.deb"), pinned(kBody)); }), TDX_CONTAINS("expected " + std::to_string(kBody.size())));
}

TEST_CASE("downloader: wrong content never enters the cache") {
    TestServer s;
    s.file("/evil.deb", std::string(kBody.size(), 'x'));
    TempDir d;
    Cache cache(d / "c");
    CachingDownloader dl(cache, quiet_fast());
    std::string err = error_of([&] { dl.get({s.url("/evil.deb")}, pinned(kBody)); });
    REQUIRE_THAT(err, TDX_CONTAINS(s.url("/evil.deb")));
    REQUIRE_THAT(err, TDX_CONTAINS("SHA-256"));
    REQUIRE(cache.list().empty());
    REQUIRE_FALSE(cache.lookup(hex_of(kBody)));
}

TEST_CASE("downloader: mirrors are tried in order, the first 404 falls through to the second") {
    TestServer s;
    s.file("/m2/pool/k.deb", kBody);
    TempDir d;
    Cache cache(d / "c");
    CachingDownloader dl(cache, quiet_fast());
    const std::vector<std::string> urls = {s.url("/m1/pool/k.deb"), s.url("/m2/pool/k.deb"), s.url("/m3/pool/k.deb")};
    REQUIRE(dl.get(urls, pinned(kBody)) == bytes_of(kBody));
    REQUIRE(s.calls("/m1/pool/k.deb") == 1);
    REQUIRE(s.calls("/m2/pool/k.deb") == 1);
    REQUIRE(s.calls("/m3/pool/k.deb") == 0);
    auto entries = cache.list();
    REQUIRE(entries.size() == 1);
    REQUIRE(entries[0].name == urls[1]);

    // Every URL and its failure is named when none works.
    std::string err = error_of([&] { dl.get({s.url("/a/x.deb"), s.url("/b/x.deb")}, pinned("other")); });
    REQUIRE_THAT(err, TDX_CONTAINS(s.url("/a/x.deb") + ": HTTP 404"));
    REQUIRE_THAT(err, TDX_CONTAINS(s.url("/b/x.deb") + ": HTTP 404"));
}

TEST_CASE("downloader: a cache hit needs no network, a corrupted entry is fetched again") {
    TestServer s;
    s.file("/k.deb", kBody);
    TempDir d;
    Cache cache(d / "c");
    CachingDownloader dl(cache, quiet_fast());
    REQUIRE(dl.get({s.url("/k.deb")}, pinned(kBody)) == bytes_of(kBody));
    REQUIRE(dl.get({s.url("/k.deb")}, pinned(kBody)) == bytes_of(kBody));
    const fs::path copy = dl.get_path({s.url("/k.deb")}, pinned(kBody));
    REQUIRE(copy != cache.path_for(hex_of(kBody)));
    REQUIRE(tdx::test::read_text(copy) == kBody);
    REQUIRE(s.calls("/k.deb") == 1);

    tdx::test::write_text(cache.path_for(hex_of(kBody)), "bit rot");
    REQUIRE(dl.get({s.url("/k.deb")}, pinned(kBody)) == bytes_of(kBody));
    REQUIRE(s.calls("/k.deb") == 2);
    REQUIRE(tdx::test::read_text(cache.path_for(hex_of(kBody))) == kBody);
}

TEST_CASE("downloader: a partial download left by an earlier run is resumed") {
    TestServer s;
    s.file("/k.deb", kBody);
    TempDir d;
    Cache cache(d / "c");
    tdx::test::write_text(cache.partial_path(hex_of(kBody)), kBody.substr(0, 12345));
    CachingDownloader dl(cache, quiet_fast());
    REQUIRE(dl.get({s.url("/k.deb")}, pinned(kBody)) == bytes_of(kBody));
    auto reqs = s.requests("/k.deb");
    REQUIRE(reqs.size() == 1);
    REQUIRE(reqs[0].range_from == 12345u);
    REQUIRE_FALSE(fs::exists(cache.partial_path(hex_of(kBody))));
}

TEST_CASE("downloader: offline mode serves the cache and names what is missing") {
    TempDir d;
    Cache cache(d / "c");
    cache.insert(bytes_of("have"), {}, "have.deb");
    CachingDownloader dl(cache, quiet_offline());
    REQUIRE(dl.get({"http://127.0.0.1:1/have.deb"}, pinned("have")) == bytes_of("have"));
    std::string err = error_of([&] { dl.get({"http://deb.example/pool/linux-image.deb"}, pinned("missing")); });
    REQUIRE_THAT(err, TDX_CONTAINS("offline"));
    REQUIRE_THAT(err, TDX_CONTAINS("linux-image.deb"));
    REQUIRE_THAT(err, TDX_CONTAINS(hex_of("missing")));
    REQUIRE_THAT(err, TDX_CONTAINS((d / "c").string()));
    err = error_of([&] { dl.get({"http://deb.example/dists/bookworm/InRelease"}, {}); });
    REQUIRE_THAT(err, TDX_CONTAINS("InRelease"));
    REQUIRE_THAT(err, TDX_CONTAINS("no expected SHA-256"));
}

TEST_CASE("downloader: unpinned content is returned and cached under its hash") {
    TestServer s;
    s.file("/dists/InRelease", "Origin: Debian\n");
    TempDir d;
    Cache cache(d / "c");
    CachingDownloader dl(cache, quiet_fast());
    REQUIRE(dl.get({s.url("/dists/InRelease")}, {}) == bytes_of("Origin: Debian\n"));
    REQUIRE(cache.lookup(hex_of("Origin: Debian\n")));
    REQUIRE(cache.list()[0].name == s.url("/dists/InRelease"));
}

TEST_CASE("downloader: get_path hands out a private copy that a rewritten or replaced cache entry does not change") {
    TestServer s;
    s.file("/k.deb", kBody);
    TempDir d;
    Cache cache(d / "c");
    fs::path copy;
    {
        CachingDownloader dl(cache, quiet_fast());
        copy = dl.get_path({s.url("/k.deb")}, pinned(kBody));
        // Another process writes into the entry's inode, then renames other bytes over it.
        const fs::path entry = cache.path_for(hex_of(kBody));
        {
            std::ofstream inplace(entry, std::ios::in | std::ios::out | std::ios::binary);
            inplace << "SWAPPED";
        }
        tdx::test::write_text(d / "other", std::string(kBody.size(), 'x'));
        fs::rename(d / "other", entry);
        REQUIRE(tdx::test::read_text(copy) == kBody);
        // Asked again, the same verified copy: the entry is not read again.
        REQUIRE(dl.get_path({s.url("/k.deb")}, pinned(kBody)) == copy);
        REQUIRE(tdx::test::read_text(copy) == kBody);
        // A private directory, not another user's to write in.
        REQUIRE((fs::status(copy.parent_path()).permissions() & fs::perms::all) == fs::perms::owner_all);
    }
    // Gone with the downloader.
    REQUIRE_FALSE(fs::exists(copy.parent_path()));
}

TEST_CASE("downloader: an expected size off by one keeps the entry that hashes to its name and names both sizes") {
    TempDir d;
    Cache cache(d / "c");
    cache.insert(bytes_of("valid entry"), {}, "v.deb");
    CachingDownloader dl(cache, quiet_offline());
    Expected wrong = pinned("valid entry");
    *wrong.size += 1;
    const std::vector<std::function<void()>> readers = {
        [&] { dl.get({"http://deb.example/v.deb"}, wrong); },
        [&] { dl.get_path({"http://deb.example/v.deb"}, wrong); },
        [&] { dl.prefetch({"http://deb.example/v.deb"}, wrong); },
    };
    for (const auto& read : readers) {
        const std::string err = error_of(read);
        CHECK_THAT(err, TDX_CONTAINS("12 bytes expected"));
        CHECK_THAT(err, TDX_CONTAINS("is 11 bytes"));
        CHECK_THAT(err, TDX_CONTAINS(hex_of("valid entry")));
        REQUIRE(cache.lookup(hex_of("valid entry")));
    }
    // The right size still reads it, offline.
    REQUIRE(dl.get({"http://deb.example/v.deb"}, pinned("valid entry")) == bytes_of("valid entry"));
}

TEST_CASE("downloader: an unpinned download is cut at download-size, naming the URL and the limit, and leaves nothing in tmp") {
    TempDir d;
    // A sparse file stands for an endless InRelease: without the limit all
    // of it would be copied into the cache's tmp/.
    const fs::path endless = d / "InRelease";
    { std::ofstream(endless).put('\0'); }
    fs::resize_file(endless, 64u << 20);
    TestServer s;
    s.file("/InRelease", std::string(3u << 20, 'x'));
    tdx::ScopedLimit small(tdx::Limit::DownloadSize, 1u << 20);
    Cache cache(d / "c");
    CachingDownloader dl(cache, quiet_fast());
    for (const std::string& url : {"file://" + endless.string(), s.url("/InRelease")}) {
        INFO(url);
        const std::string err = error_of([&] { dl.get({url}, {}); });
        CHECK_THAT(err, TDX_CONTAINS(url));
        CHECK_THAT(err, TDX_CONTAINS("download-size"));
        CHECK(fs::is_empty(d / "c" / "tmp"));
        CHECK(cache.list().empty());
    }
    // Fetcher::fetch, used for indexes outside the cache, stops as early.
    Fetcher f;
    CHECK_THAT(error_of([&] { f.fetch("file://" + endless.string(), {}); }), TDX_CONTAINS("download-size"));
}
