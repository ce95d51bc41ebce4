#include "builder/fetch/cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "builder/fetch/file_hash.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

void make_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(dir.string() + ": cannot create the cache directory: " + ec.message(), ErrorKind::Io);
}

void check_key(const std::string& sha256) {
    if (!is_sha256_hex(sha256)) fail("'" + sha256 + "' is not a SHA-256 (64 lowercase hex digits)", ErrorKind::BadInput);
}

}  // namespace

CacheLock::~CacheLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

CacheLock& CacheLock::operator=(CacheLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

CacheTempFile::~CacheTempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
}

Cache::Cache(fs::path root) : root_(std::move(root)) {
    for (const char* sub : {"sha256", "names", "tmp", "locks"}) make_dir(root_ / sub);
}

fs::path Cache::root_for(const std::string& option) { return option.empty() ? default_root() : fs::path(option); }

fs::path Cache::default_root() {
    // The XDG base directory spec says relative values are to be ignored.
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && *xdg && xdg[0] == '/') return fs::path(xdg) / "tdximage";
    const char* home = std::getenv("HOME");
    if (home && *home) return fs::path(home) / ".cache" / "tdximage";
    fail("no cache directory: set XDG_CACHE_HOME or HOME, or pass --cache-dir", ErrorKind::Usage);
}

fs::path Cache::path_for(const std::string& sha256) const {
    check_key(sha256);
    return root_ / "sha256" / sha256;
}

fs::path Cache::partial_path(const std::string& sha256) const {
    check_key(sha256);
    return root_ / "tmp" / (sha256 + ".part");
}

std::optional<FileDigest> Cache::verify(const std::string& sha256, std::optional<std::uint64_t> size, bool* discarded,
                                        const std::function<void(Bytes)>& sink) {
    if (discarded) *discarded = false;
    const fs::path p = path_for(sha256);
    // O_NONBLOCK: something other than a file planted under the name (a
    // FIFO) must not hang the reader; it is not an entry.
    OwnedFd in;
    in.fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st {};
    if (in.fd < 0 || ::fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    const FileDigest d = hash_fd(in.fd, p.string(), sink);
    if (d.sha256 == sha256) {
        // The bytes are the ones their name promises; a different expected
        // size is the expectation's error, and deleting the entry would only
        // turn it into a missing (offline: unobtainable) one.
        if (size && *size != d.size)
            fail("sha256 " + sha256 + ": " + std::to_string(*size) + " bytes expected, but the cache entry " + p.string() + " is " +
                     std::to_string(d.size) + " bytes and hashes to its name, so the expected size (the lockfile's) is wrong; the entry is kept",
                 ErrorKind::BadInput);
        return d;
    }
    // Disk corruption or tampering: the name promises content it no longer
    // has. Dropping it makes the caller fetch a good copy.
    remove(sha256);
    if (discarded) *discarded = true;
    return std::nullopt;
}

std::optional<fs::path> Cache::lookup(const std::string& sha256, std::optional<std::uint64_t> size, bool* discarded) {
    if (!verify(sha256, size, discarded, {})) return std::nullopt;
    return path_for(sha256);
}

std::optional<std::vector<std::uint8_t>> Cache::read(const std::string& sha256, std::optional<std::uint64_t> size, bool* discarded) {
    std::vector<std::uint8_t> bytes;
    const auto keep = [&](Bytes chunk) {
        check_limit(Limit::InputSize, bytes.size() + chunk.size(), path_for(sha256).string(), "the cache entry's size");
        bytes.insert(bytes.end(), chunk.begin(), chunk.end());
    };
    if (!verify(sha256, size, discarded, keep)) return std::nullopt;
    return bytes;
}

bool Cache::copy_verified(const std::string& sha256, std::optional<std::uint64_t> size, const fs::path& dest, bool* discarded) {
    OwnedFd out;
    out.fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out.fd < 0) fail(dest.string() + ": cannot create: " + errno_text(), ErrorKind::Io);
    try {
        if (verify(sha256, size, discarded, [&](Bytes chunk) { write_all(out.fd, chunk, dest); })) return true;
    } catch (...) {
        ::unlink(dest.c_str());
        throw;
    }
    ::unlink(dest.c_str());
    return false;
}

fs::path Cache::make_private_dir() {
    std::string tmpl = (root_ / "tmp" / "inputs-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fail((root_ / "tmp").string() + ": cannot create a private directory: " + errno_text(), ErrorKind::Io);
    return tmpl;
}

CacheTempFile Cache::temp_file() {
    std::string tmpl = (root_ / "tmp" / "dl-XXXXXX").string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) fail((root_ / "tmp").string() + ": cannot create a temporary file: " + errno_text(), ErrorKind::Io);
    ::close(fd);
    return CacheTempFile(tmpl);
}

fs::path Cache::insert(const std::vector<std::uint8_t>& bytes, const Expected& expected, const std::string& name) {
    CacheTempFile tmp = temp_file();
    int fd = ::open(tmp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) fail(tmp.path().string() + ": cannot open: " + errno_text(), ErrorKind::Io);
    try {
        write_all(fd, Bytes(bytes.data(), bytes.size()), tmp.path());
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    fs::path p = insert_file(tmp.path(), expected, name);
    tmp.release();
    return p;
}

fs::path Cache::insert_file(const fs::path& temp, const Expected& expected, const std::string& name) {
    int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(temp.string() + ": cannot open: " + errno_text(), ErrorKind::Io);
    // Entries are shared between users of a cache and exported as 0644.
    bool ok = ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
    std::string why = ok ? "" : errno_text();
    ::close(fd);
    if (!ok) {
        ::unlink(temp.c_str());
        fail(temp.string() + ": cannot finish writing: " + why, ErrorKind::Io);
    }
    FileDigest d = hash_file(temp);
    std::string bad = mismatch(d, expected);
    if (!bad.empty()) {
        ::unlink(temp.c_str());
        fail((name.empty() ? temp.string() : name) + ": " + bad + "; not added to the cache", ErrorKind::BadInput);
    }
    return publish(temp, d.sha256, name);
}

fs::path Cache::publish(const fs::path& temp, const std::string& sha256, const std::string& name) {
    fs::path dest = path_for(sha256);
    // rename(2) replaces atomically: a concurrent insert of the same hash
    // renames identical bytes over it, and readers see one or the other.
    if (::rename(temp.c_str(), dest.c_str()) != 0) {
        std::string why = errno_text();
        ::unlink(temp.c_str());
        fail(dest.string() + ": cannot rename into the cache: " + why, ErrorKind::Io);
    }
    // The directory entry must reach the disk too, or a crash could lose an
    // entry the lockfile already relies on.
    sync_directory(dest.parent_path());
    if (!name.empty()) set_name(sha256, name);
    return dest;
}

void Cache::set_name(const std::string& sha256, const std::string& name) {
    check_key(sha256);
    // One line by construction, so the sidecar stays trivially parseable.
    std::string line = name;
    std::replace(line.begin(), line.end(), '\n', ' ');
    std::replace(line.begin(), line.end(), '\r', ' ');
    line += "\n";
    // Written in tmp/ (same file system, so the rename is atomic): a run
    // killed here leaves its temporary where gc looks for stale ones, not in
    // names/ beside the sidecars.
    CacheTempFile tmp = temp_file();
    const int fd = ::open(tmp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) fail(tmp.path().string() + ": cannot open: " + errno_text(), ErrorKind::Io);
    try {
        write_all(fd, Bytes(reinterpret_cast<const std::uint8_t*>(line.data()), line.size()), tmp.path());
        finish_file(fd, 0644, tmp.path());
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    const fs::path dest = root_ / "names" / sha256;
    if (::rename(tmp.path().c_str(), dest.c_str()) != 0) fail(dest.string() + ": cannot rename into the cache: " + errno_text(), ErrorKind::Io);
    tmp.release();
    sync_directory(dest.parent_path());
}

bool Cache::remove(const std::string& sha256) {
    fs::path p = path_for(sha256);
    bool existed = ::unlink(p.c_str()) == 0;
    ::unlink((root_ / "names" / sha256).c_str());
    return existed;
}

std::vector<CacheEntry> Cache::list() const {
    std::vector<CacheEntry> out;
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(root_ / "sha256", ec)) {
        std::string hex = de.path().filename().string();
        if (!is_sha256_hex(hex)) continue;
        struct stat st {};
        if (::lstat(de.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        CacheEntry e;
        e.sha256 = hex;
        e.size = static_cast<std::uint64_t>(st.st_size);
        std::ifstream nf(root_ / "names" / hex);
        if (nf) std::getline(nf, e.name);
        out.push_back(std::move(e));
    }
    if (ec) fail((root_ / "sha256").string() + ": cannot list the cache: " + ec.message(), ErrorKind::Io);
    std::sort(out.begin(), out.end(), [](const CacheEntry& a, const CacheEntry& b) { return a.sha256 < b.sha256; });
    return out;
}

CacheLock Cache::lock(const std::string& sha256) { return lock_impl(sha256, true); }

CacheLock Cache::try_lock(const std::string& sha256) { return lock_impl(sha256, false); }

CacheLock Cache::lock_impl(const std::string& sha256, bool wait) {
    check_key(sha256);
    return lock_file(root_ / "locks" / sha256, LOCK_EX | (wait ? 0 : LOCK_NB));
}

CacheLock Cache::lock_in_use() { return lock_file(root_ / "locks" / "in-use", LOCK_SH); }

CacheLock Cache::lock_file(const fs::path& p, int operation) {
    for (;;) {
        int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) fail(p.string() + ": cannot open the lock file: " + errno_text(), ErrorKind::Io);
        CacheLock held(fd);
        int rc;
        do rc = ::flock(fd, operation);
        while (rc != 0 && errno == EINTR);
        if (rc != 0) {
            if ((operation & LOCK_NB) && errno == EWOULDBLOCK) return CacheLock();
            fail(p.string() + ": cannot lock: " + errno_text(), ErrorKind::Io);
        }
        // gc unlinks lock files of removed entries while holding them; a lock
        // taken on such an unlinked file guards nothing, so start over.
        struct stat a {
        }, b{};
        if (::fstat(fd, &a) == 0 && ::stat(p.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) return held;
    }
}

void Cache::drop_lock_file(const std::string& sha256) {
    check_key(sha256);
    ::unlink((root_ / "locks" / sha256).c_str());
}

GcResult Cache::collect_garbage(const std::set<std::string>& keep, bool dry_run) {
    GcResult r;
    // Running builds hold this shared for their whole run: what they still
    // need is never deleted, and their private copies can go once we hold it.
    CacheLock no_builds;
    if (!dry_run) no_builds = lock_file(root_ / "locks" / "in-use", LOCK_EX);
    for (const CacheEntry& e : list()) {
        if (keep.count(e.sha256)) {
            ++r.kept;
            continue;
        }
        r.removed.push_back(e);
        r.removed_bytes += e.size;
        if (dry_run) continue;
        // Wait for a build that is fetching or reading this entry.
        CacheLock held = lock(e.sha256);
        remove(e.sha256);
        drop_lock_file(e.sha256);
    }
    if (dry_run) return r;
    // Partial downloads of entries nobody keeps, sidecars and lock files
    // without an entry (left by interrupted runs) go too, but only when no
    // process holds their lock.
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(root_ / "tmp", ec)) {
        std::string f = de.path().filename().string();
        if (f.size() == 69 && f.compare(64, 5, ".part") == 0 && is_sha256_hex(f.substr(0, 64))) {
            std::string hex = f.substr(0, 64);
            if (keep.count(hex)) continue;
            CacheLock held = try_lock(hex);
            if (!held.held()) continue;
            ::unlink(de.path().c_str());
            drop_lock_file(hex);
        } else if (f.rfind("inputs-", 0) == 0 && de.is_directory(ec)) {
            // Private copies of a build killed before it removed them.
            fs::remove_all(de.path(), ec);
        } else {
            // Unnamed temporaries belong to running downloads unless stale.
            struct stat st {};
            if (::lstat(de.path().c_str(), &st) == 0 && st.st_mtime + 24 * 3600 < ::time(nullptr)) ::unlink(de.path().c_str());
        }
    }
    for (const char* sub : {"names", "locks"}) {
        for (const auto& de : fs::directory_iterator(root_ / sub, ec)) {
            std::string hex = de.path().filename().string();
            if (!is_sha256_hex(hex) || fs::exists(path_for(hex)) || fs::exists(partial_path(hex))) continue;
            CacheLock held = try_lock(hex);
            if (!held.held()) continue;
            ::unlink((root_ / "names" / hex).c_str());
            drop_lock_file(hex);
        }
    }
    // Like an entry's, dropped while held: lock_file notices and starts over.
    ::unlink((root_ / "locks" / "in-use").c_str());
    return r;
}

}  // namespace tdx::builder
