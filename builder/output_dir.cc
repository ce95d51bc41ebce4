#include "builder/output_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/build_manifest.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

// Far above any manifest a build writes; only bounds what a stranger's file
// can make us read.
constexpr off_t kMaxManifestBytes = 64 << 20;
// Outputs are flat; a deeper tree under a staging name is not ours to chase.
constexpr int kMaxRemoveDepth = 16;

std::string errno_text() { return std::strerror(errno); }

fs::path normalize_out(const fs::path& p) {
    fs::path out = fs::absolute(p).lexically_normal();
    if (out.filename().empty()) out = out.parent_path();
    return out;
}

// A previous output of ours: its manifest names our schema. Anything else
// in the way is someone's directory, which a build must not delete. The
// manifest is opened without following a link or blocking on a FIFO, so a
// planted one can neither redirect the check nor hang the build.
bool replaceable(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_empty(dir, ec) && !ec) return true;
    OwnedFd fd(::open((dir / "manifest.json").c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxManifestBytes) return false;
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        const ssize_t n = ::read(fd.fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text.find(std::string("\"") + kManifestSchema + "\"") != std::string::npos;
}

std::string type_name(const fs::file_status& st) {
    switch (st.type()) {
        case fs::file_type::regular: return "a regular file";
        case fs::file_type::fifo: return "a FIFO";
        case fs::file_type::socket: return "a socket";
        case fs::file_type::block: return "a block device";
        case fs::file_type::character: return "a character device";
        default: return "something else";
    }
}

std::string staging_prefix(const fs::path& final_dir) { return "." + final_dir.filename().string() + ".tmp-"; }

// ".<name>.tmp-" and the six letters or digits mkdtemp chose, nothing else.
bool is_staging_name(const std::string& name, const std::string& prefix) {
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) return false;
    for (std::size_t i = prefix.size(); i < name.size(); ++i)
        if (!std::isalnum(static_cast<unsigned char>(name[i]))) return false;
    return true;
}

std::vector<std::string> names_in(int dir) {
    std::vector<std::string> out;
    // fdopendir owns its descriptor; a fresh one keeps `dir` usable.
    const int own = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (own < 0) return out;
    DIR* d = ::fdopendir(own);
    if (!d) {
        ::close(own);
        return out;
    }
    while (const dirent* de = ::readdir(d)) {
        const std::string n = de->d_name;
        if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    return out;
}

// Deletes everything below the open directory `dir`, relative to its
// descriptor and never through a symlink, so a link planted inside a
// leftover cannot lead the deletion anywhere else.
void remove_contents(int dir, int depth) {
    for (const std::string& n : names_in(dir)) {
        if (::unlinkat(dir, n.c_str(), 0) == 0 || errno != EISDIR || depth >= kMaxRemoveDepth) continue;
        OwnedFd sub(::openat(dir, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.fd >= 0) remove_contents(sub.fd, depth + 1);
        ::unlinkat(dir, n.c_str(), AT_REMOVEDIR);
    }
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Removes the directory `name` of `parent` when it is still the one `fd`
// has open (a directory is renamed, never reused, so the inode tells).
void remove_dir_at(int parent, const std::string& name, int fd) {
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) != 0) return;
    remove_contents(fd, 0);
    if (::fstatat(parent, name.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 && same_file(held, now)) ::unlinkat(parent, name.c_str(), AT_REMOVEDIR);
}

// Removes the directory at `path` (not a symlink to one) and its contents.
void remove_dir(const fs::path& path) {
    OwnedFd parent(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent.fd < 0) return;
    const std::string name = path.filename().string();
    OwnedFd fd(::openat(parent.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.fd >= 0) remove_dir_at(parent.fd, name, fd.fd);
}

}  // namespace

std::size_t remove_stale_staging_dirs(const fs::path& final_dir) {
    const fs::path final_ = normalize_out(final_dir);
    OwnedFd parent(::open(final_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent.fd < 0) return 0;
    const std::string prefix = staging_prefix(final_);
    std::size_t removed = 0;
    for (const std::string& name : names_in(parent.fd)) {
        if (!is_staging_name(name, prefix)) continue;
        // Only real directories of ours: a symlink or a file with such a
        // name, or another user's directory, is not a leftover of our builds.
        struct stat st {
        }, opened{};
        if (::fstatat(parent.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
        OwnedFd fd(::openat(parent.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (fd.fd < 0 || ::fstat(fd.fd, &opened) != 0 || !same_file(st, opened)) continue;
        // Held: a build is still writing there.
        if (::flock(fd.fd, LOCK_EX | LOCK_NB) != 0) continue;
        remove_dir_at(parent.fd, name, fd.fd);
        ++removed;
    }
    return removed;
}

StagedOutputDir::StagedOutputDir(fs::path final_dir) : final_(normalize_out(final_dir)) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(final_, ec);
    if (fs::is_symlink(st))
        fail(final_.string() +
                 ": is a symbolic link; --out must name the directory itself (the build replaces it as a whole "
                 "and never follows a link there)",
             ErrorKind::Usage);
    if (fs::exists(st)) {
        if (!fs::is_directory(st))
            fail(final_.string() + ": exists and is " + type_name(st) + ", not a directory; choose another --out", ErrorKind::Usage);
        if (!replaceable(final_))
            fail(final_.string() +
                     ": exists and is not an earlier tdximage output (no manifest.json of ours); "
                     "choose another --out or empty it first — a build replaces its output directory as a whole",
                 ErrorKind::Usage);
    }
    fs::create_directories(final_.parent_path(), ec);
    if (ec) fail(final_.parent_path().string() + ": cannot create the output's parent directory: " + ec.message(), ErrorKind::Io);
    remove_stale_staging_dirs(final_);

    // Between mkdtemp and flock another build's clean-up may see the new
    // directory unlocked and take it; then it is gone (or going) and a new
    // name is tried. Once locked and still in place, it is ours. Where the
    // file system has no flock (EWOULDBLOCK is the only "held"), no clean-up
    // can lock it either, so it stays unlocked and is never taken.
    for (int attempt = 0;; ++attempt) {
        std::string tmpl = (final_.parent_path() / (staging_prefix(final_) + "XXXXXX")).string();
        if (!::mkdtemp(tmpl.data())) fail(final_.string() + ": cannot create a staging directory beside it: " + errno_text(), ErrorKind::Io);
        const int fd = ::open(tmpl.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const bool taken = fd < 0 || (::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK);
        const std::string why = taken ? errno_text() : "";
        struct stat held {
        }, now{};
        if (!taken && ::fstat(fd, &held) == 0 && ::lstat(tmpl.c_str(), &now) == 0 && same_file(held, now)) {
            staging_ = tmpl;
            lock_fd_ = fd;
            break;
        }
        if (fd >= 0) ::close(fd);
        if (attempt == 8)
            fail(final_.string() + ": cannot create a staging directory beside it that stays (" + tmpl + ": " +
                     (why.empty() ? "removed by another build's clean-up" : why) + ")",
                 ErrorKind::Io);
    }
    ::fchmod(lock_fd_, 0755);
}

StagedOutputDir::~StagedOutputDir() {
    if (!committed_) {
        OwnedFd parent(::open(staging_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (parent.fd >= 0) remove_dir_at(parent.fd, staging_.filename().string(), lock_fd_);
    }
    // Released only now: until the directory is gone no clean-up may race us.
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void StagedOutputDir::write(const std::string& name, Bytes content, bool executable) {
    const fs::path p = staging_ / name;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) fail(p.string() + ": cannot create: " + errno_text(), ErrorKind::Io);
    try {
        write_all(fd, content, p);
        finish_file(fd, executable ? 0755 : 0644, p);
    } catch (...) {
        ::close(fd);
        throw;
    }
    if (::close(fd) != 0) fail(p.string() + ": close failed: " + errno_text(), ErrorKind::Io);
}

void StagedOutputDir::write(const std::string& name, const std::string& content, bool executable) {
    write(name, Bytes(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()), executable);
}

void StagedOutputDir::commit() {
    sync_directory(staging_);
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(final_, ec);
    if (fs::exists(st)) {
        // Re-checked here: the directory may have changed while we built.
        if (!fs::is_directory(st) || !replaceable(final_))
            fail(final_.string() + ": changed during the build and is no longer an earlier tdximage output; not replaced", ErrorKind::Usage);
        if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, final_.c_str(), RENAME_EXCHANGE) != 0)
            fail(final_.string() + ": cannot swap in the new output: " + errno_text(), ErrorKind::Io);
        committed_ = true;
        sync_directory(final_.parent_path());
        // The staging name now holds the old output; killed before this
        // ends, the next build removes what is left (it is unlocked).
        remove_dir(staging_);
        return;
    }
    if (::rename(staging_.c_str(), final_.c_str()) != 0)
        fail(final_.string() + ": cannot move the new output into place: " + errno_text(), ErrorKind::Io);
    committed_ = true;
    sync_directory(final_.parent_path());
}

}  // namespace tdx::builder
