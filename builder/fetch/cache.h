// The content-addressed download cache. Every file is stored under the
// SHA-256 of its bytes, so a lockfile that pins a hash can be satisfied from
// here without the network, and a cache copied to an air-gapped builder is
// as trustworthy as the hashes that name its entries.
//
// Layout below the root (see docs/cache.md):
//   sha256/<hex>   the content, mode 0644, only ever created by rename(2)
//   names/<hex>    one line: the URL or name the entry was last fetched as
//   tmp/           downloads in progress (same filesystem, so rename is atomic)
//   locks/<hex>    flock(2) target serialising work on one entry
//   locks/in-use   shared flock(2) of every running build, exclusive of gc
//
// Readers never see partial entries: content is written to tmp/, fsynced,
// hashed and only then renamed into sha256/ (sidecars likewise into names/).
// Entries are verified when read; one whose bytes no longer match its name
// is deleted and reported missing. One whose bytes do match is never deleted
// because someone expected another size: that expectation is what is wrong.
//
// The cache is shared (CI caches, concurrent jobs), so a path into sha256/
// is not trusted to hold the same bytes twice: readers verify and use one
// stream of bytes (read, copy_verified), never a re-opened path.
//
// A process killed at any moment leaves the cache consistent; what it may
// leave in tmp/ is never taken for an entry: <hex>.part, a partial download
// the next fetch of that entry resumes (or restarts, when its bytes prove
// wrong) and gc drops when nothing keeps it; dl-XXXXXX, a temporary of an
// unpinned fetch, an import or a sidecar, which gc removes once a day old
// (it cannot tell a dead writer's from a live one's before that);
// inputs-XXXXXX/, a build's private verified copies, which gc removes since
// no build runs while it does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "builder/fetch/downloader.h"
#include "builder/fetch/file_hash.h"

namespace tdx::builder {

struct CacheEntry {
    std::string sha256;  // lowercase hex, the entry's name
    std::uint64_t size = 0;
    std::string name;  // the URL/name it was last fetched as; empty when unknown
};

// An exclusive flock(2) on one entry's lock file, released on destruction.
// Locks are per open file, so one process must not lock the same entry twice.
class CacheLock {
public:
    CacheLock() = default;
    explicit CacheLock(int fd) : fd_(fd) {}
    ~CacheLock();
    CacheLock(CacheLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    CacheLock& operator=(CacheLock&& other) noexcept;
    CacheLock(const CacheLock&) = delete;
    CacheLock& operator=(const CacheLock&) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// A file in the cache's tmp/ directory, unlinked on destruction unless it was
// handed to Cache::insert_file (which renames it away).
class CacheTempFile {
public:
    explicit CacheTempFile(std::filesystem::path path) : path_(std::move(path)) {}
    ~CacheTempFile();
    CacheTempFile(CacheTempFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
    CacheTempFile& operator=(CacheTempFile&&) = delete;
    CacheTempFile(const CacheTempFile&) = delete;
    CacheTempFile& operator=(const CacheTempFile&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // Gives up ownership: the destructor will leave the file alone.
    void release() { path_.clear(); }

private:
    std::filesystem::path path_;
};

struct GcResult {
    std::vector<CacheEntry> removed;  // in sha256 order
    std::uint64_t removed_bytes = 0;
    std::size_t kept = 0;
};

class Cache {
public:
    // Creates the root and its subdirectories when missing; throws tdx::Error
    // (Io) naming the directory when that fails.
    explicit Cache(std::filesystem::path root);

    // $XDG_CACHE_HOME/tdximage when XDG_CACHE_HOME is set to an absolute path,
    // else $HOME/.cache/tdximage; throws (Usage) when neither is usable.
    static std::filesystem::path default_root();
    // The root a command uses: its --cache-dir when given, else default_root().
    static std::filesystem::path root_for(const std::string& cache_dir_option);

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path path_for(const std::string& sha256) const;

    // The entry's path when present and its content still hashes to `sha256`
    // (and has `size`, when given). A corrupted entry is removed, and
    // `*discarded` set when not null, so the caller fetches it again. An
    // entry that hashes to its name but is not `size` bytes is kept, and
    // tdx::Error (BadInput) thrown naming both sizes. The path only says the
    // entry was good a moment ago: use read or copy_verified for its bytes.
    std::optional<std::filesystem::path> lookup(const std::string& sha256, std::optional<std::uint64_t> size = {}, bool* discarded = nullptr);
    // Like lookup, but returns the verified bytes (read once, hashed in
    // memory; the entry may be at most input-size bytes).
    std::optional<std::vector<std::uint8_t>> read(const std::string& sha256, std::optional<std::uint64_t> size = {}, bool* discarded = nullptr);
    // Like lookup, but streams the entry into the new file `dest` while
    // hashing it, through one descriptor: when it returns true, `dest` holds
    // exactly the verified bytes, whatever happens to the entry afterwards.
    // On false or an error `dest` does not exist.
    bool copy_verified(const std::string& sha256, std::optional<std::uint64_t> size, const std::filesystem::path& dest,
                       bool* discarded = nullptr);
    // A new directory tmp/inputs-XXXXXX, mode 0700, for a build's private
    // copies; the caller removes it (gc does when a run was killed).
    std::filesystem::path make_private_dir();

    // Adds `bytes`, checked against `expected` (a mismatch throws and adds
    // nothing); without expected.sha256 the computed hash names the entry.
    // `name` (URL or file name) goes to the sidecar. Returns the entry path.
    std::filesystem::path insert(const std::vector<std::uint8_t>& bytes, const Expected& expected, const std::string& name);
    // Same for a complete file already in tmp/ (from temp_file or
    // partial_path): it is fsynced, verified and renamed into place. On a
    // mismatch the file is deleted and tdx::Error thrown.
    std::filesystem::path insert_file(const std::filesystem::path& temp, const Expected& expected, const std::string& name);

    // A new empty file in tmp/ for streaming a download whose hash is unknown.
    CacheTempFile temp_file();
    // The fixed tmp/ path where a download of `sha256` keeps its partial
    // content between attempts and runs (guard it with lock(sha256)).
    std::filesystem::path partial_path(const std::string& sha256) const;

    // Removes the entry and its sidecar; false when it was not there.
    bool remove(const std::string& sha256);
    // Every entry, ordered by sha256 (not verified: that would read it all).
    std::vector<CacheEntry> list() const;
    // Blocks until this process holds the entry's lock.
    CacheLock lock(const std::string& sha256);
    // Like lock, but returns an unheld lock instead of waiting.
    CacheLock try_lock(const std::string& sha256);
    // A shared lock held by a build for as long as it uses the cache; gc
    // takes it exclusively, so it waits for running builds and builds
    // started during a gc wait for it.
    CacheLock lock_in_use();

    // Removes every entry whose hash is not in `keep` (an empty set empties
    // the cache), first waiting for running builds (lock_in_use) so none is
    // robbed of an entry it still needs, and for each entry's lock; also drops partial downloads, sidecars and lock files
    // that belong to no kept entry and that no process holds. With `dry_run`
    // only reports what would go.
    GcResult collect_garbage(const std::set<std::string>& keep, bool dry_run = false);

    // Unlinks the entry's lock file; only while holding that lock (lock()
    // notices and retries when its file was unlinked under it).
    void drop_lock_file(const std::string& sha256);

    // Records `name` as what the entry was last fetched as.
    void set_name(const std::string& sha256, const std::string& name);

private:
    CacheLock lock_impl(const std::string& sha256, bool wait);
    CacheLock lock_file(const std::filesystem::path& p, int operation);
    // The entry hashed once through one descriptor, each chunk handed to
    // `sink`; nullopt when missing or corrupted (then removed).
    std::optional<FileDigest> verify(const std::string& sha256, std::optional<std::uint64_t> size, bool* discarded,
                                     const std::function<void(Bytes)>& sink);
    std::filesystem::path publish(const std::filesystem::path& temp, const std::string& sha256, const std::string& name);

    std::filesystem::path root_;
};

}  // namespace tdx::builder
