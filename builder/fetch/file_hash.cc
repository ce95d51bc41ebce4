#include "builder/fetch/file_hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"

namespace tdx::builder {

FileDigest hash_file(const std::filesystem::path& path) {
    OwnedFd in;
    in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) fail(path.string() + ": cannot open: " + std::strerror(errno), ErrorKind::Io);
    return hash_fd(in.fd, path.string());
}

FileDigest hash_fd(int fd, const std::string& what, const std::function<void(Bytes)>& sink) {
    Hasher h(Hasher::Algorithm::Sha256);
    FileDigest d;
    std::vector<std::uint8_t> buf(1 << 20);
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(what + ": read error: " + std::strerror(errno), ErrorKind::Io);
        if (n == 0) break;
        const Bytes chunk(buf.data(), static_cast<std::size_t>(n));
        h.update(chunk);
        if (sink) sink(chunk);
        d.size += static_cast<std::uint64_t>(n);
    }
    d.sha256 = to_hex(h.final256());
    return d;
}

std::string mismatch(const FileDigest& got, const Expected& expected) {
    if (expected.size && got.size != *expected.size)
        return "size " + std::to_string(got.size) + " bytes, expected " + std::to_string(*expected.size);
    if (expected.sha256 && got.sha256 != *expected.sha256) return "SHA-256 " + got.sha256 + ", expected " + *expected.sha256;
    return {};
}

}  // namespace tdx::builder
