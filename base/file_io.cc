#include "base/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tdx {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

InputFile::InputFile(const std::filesystem::path& path, Limit size_limit) : path_(path) {
    OwnedFd f;
    // O_NONBLOCK so that opening a FIFO nobody writes to does not block; it is
    // cleared again below so reads wait for a writer that exists.
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f.fd < 0) fail(path.string() + ": cannot open: " + errno_text(), ErrorKind::Io);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) fail(path.string() + ": cannot stat: " + errno_text(), ErrorKind::Io);
    if (S_ISDIR(st.st_mode)) fail(path.string() + ": is a directory, expected a file", ErrorKind::Io);
    const int flags = ::fcntl(f.fd, F_GETFL);
    if (flags >= 0) ::fcntl(f.fd, F_SETFL, flags & ~O_NONBLOCK);
    const std::uint64_t max_size = limit(size_limit);
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_size)
        exceeded(size_limit, path.string(), "the file's size (" + std::to_string(st.st_size) + " bytes)");
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, f.fd, 0);
        if (p != MAP_FAILED) {
            ::madvise(p, static_cast<std::size_t>(st.st_size), MADV_SEQUENTIAL);
            data_ = static_cast<const std::uint8_t*>(p);
            size_ = static_cast<std::size_t>(st.st_size);
            mapped_ = true;
            return;
        }
    }
    // Not mappable (pipe, /proc file, empty file): read it.
    std::uint8_t buf[65536];
    for (;;) {
        ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(path.string() + ": read error: " + errno_text(), ErrorKind::Io);
        }
        if (n == 0) break;
        if (owned_.size() + static_cast<std::size_t>(n) > max_size) exceeded(size_limit, path.string(), "what it gives when read");
        owned_.insert(owned_.end(), buf, buf + n);
    }
    data_ = owned_.data();
    size_ = owned_.size();
}

InputFile::InputFile(const std::filesystem::path& name, Bytes contents, Limit size_limit)
    : path_(name), data_(contents.data()), size_(contents.size()), borrowed_(true) {
    if (contents.size() > limit(size_limit)) exceeded(size_limit, name.string(), "its size (" + std::to_string(contents.size()) + " bytes)");
}

InputFile::~InputFile() {
    if (mapped_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)),
      data_(other.data_),
      size_(other.size_),
      mapped_(other.mapped_),
      borrowed_(other.borrowed_),
      owned_(std::move(other.owned_)) {
    if (!mapped_ && !borrowed_) data_ = owned_.data();
    other.mapped_ = false;
    other.data_ = nullptr;
    other.size_ = 0;
}

OwnedFd::~OwnedFd() {
    if (fd >= 0) ::close(fd);
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, Limit size_limit) {
    InputFile f(path, size_limit);
    return std::vector<std::uint8_t>(f.bytes().begin(), f.bytes().end());
}

std::string read_text_document(const std::filesystem::path& path) {
    InputFile f(path, Limit::DocumentSize);
    return std::string(reinterpret_cast<const char*>(f.bytes().data()), f.bytes().size());
}

void write_files_atomically(const std::vector<std::pair<std::filesystem::path, std::string>>& files) {
    std::vector<std::filesystem::path> temps;
    auto cleanup = [&] {
        for (const auto& t : temps) ::unlink(t.c_str());
    };
    try {
        for (const auto& [path, content] : files) {
            std::filesystem::path dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
            std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
            int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
            if (fd < 0) fail(path.string() + ": cannot create a temporary file in " + dir.string() + ": " + errno_text(), ErrorKind::Io);
            temps.emplace_back(tmpl);
            try {
                write_all(fd, Bytes(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()), path);
                // Outputs are published artifacts: world-readable whatever the umask.
                finish_file(fd, 0644, path);
            } catch (...) {
                ::close(fd);
                throw;
            }
            if (::close(fd) != 0) fail(path.string() + ": close failed: " + errno_text(), ErrorKind::Io);
        }
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (::rename(temps[i].c_str(), files[i].first.c_str()) != 0)
                fail(files[i].first.string() + ": cannot rename into place: " + errno_text(), ErrorKind::Io);
        }
        temps.clear();
        for (const auto& [path, content] : files) sync_directory(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
    } catch (...) {
        cleanup();
        throw;
    }
}

void write_all(int fd, Bytes data, const std::filesystem::path& path) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(path.string() + ": write error: " + errno_text(), ErrorKind::Io);
        off += static_cast<std::size_t>(n);
    }
}

void finish_file(int fd, unsigned mode, const std::filesystem::path& path) {
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0 || ::fsync(fd) != 0)
        fail(path.string() + ": cannot finish writing: " + errno_text(), ErrorKind::Io);
}

void sync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace tdx
