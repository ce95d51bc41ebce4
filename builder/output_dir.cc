#include "builder/output_dir.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "builder/build_manifest.h"
#include "measure/base/error.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

// A previous output of ours: its manifest names our schema. Anything else
// in the way is someone's directory, which a build must not delete.
bool replaceable(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_empty(dir, ec) && !ec) return true;
    std::ifstream in(dir / "manifest.json", std::ios::binary);
    if (!in) return false;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str().find(std::string("\"") + kManifestSchema + "\"") != std::string::npos;
}

void sync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

StagedOutputDir::StagedOutputDir(fs::path final_dir) : final_(fs::absolute(std::move(final_dir)).lexically_normal()) {
    if (final_.filename().empty()) final_ = final_.parent_path();
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(final_, ec);
    if (fs::exists(st)) {
        if (!fs::is_directory(st)) fail(final_.string() + ": exists and is not a directory; choose another --out", ErrorKind::Usage);
        if (!replaceable(final_))
            fail(final_.string() + ": exists and is not an earlier tdximage output (no manifest.json of ours); "
                 "choose another --out or empty it first — a build replaces its output directory as a whole",
                 ErrorKind::Usage);
    }
    fs::create_directories(final_.parent_path(), ec);
    if (ec) fail(final_.parent_path().string() + ": cannot create the output's parent directory: " + ec.message(), ErrorKind::Io);
    std::string tmpl = (final_.parent_path() / ("." + final_.filename().string() + ".tmp-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) fail(final_.string() + ": cannot create a staging directory beside it: " + errno_text(), ErrorKind::Io);
    staging_ = tmpl;
    ::chmod(staging_.c_str(), 0755);
}

StagedOutputDir::~StagedOutputDir() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(staging_, ec);
}

void StagedOutputDir::write(const std::string& name, Bytes content, bool executable) {
    const fs::path p = staging_ / name;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) fail(p.string() + ": cannot create: " + errno_text(), ErrorKind::Io);
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = errno_text();
            ::close(fd);
            fail(p.string() + ": write error: " + why, ErrorKind::Io);
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fchmod(fd, executable ? 0755 : 0644) != 0 || ::fsync(fd) != 0) {
        const std::string why = errno_text();
        ::close(fd);
        fail(p.string() + ": cannot finish writing: " + why, ErrorKind::Io);
    }
    if (::close(fd) != 0) fail(p.string() + ": close failed: " + errno_text(), ErrorKind::Io);
}

void StagedOutputDir::write(const std::string& name, const std::string& content, bool executable) {
    write(name, Bytes(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()), executable);
}

void StagedOutputDir::commit() {
    sync_dir(staging_);
    std::error_code ec;
    if (fs::exists(fs::symlink_status(final_, ec))) {
        // Re-checked here: the directory may have changed while we built.
        if (!fs::is_directory(fs::symlink_status(final_, ec)) || !replaceable(final_))
            fail(final_.string() + ": changed during the build and is no longer an earlier tdximage output; not replaced", ErrorKind::Usage);
        if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, final_.c_str(), RENAME_EXCHANGE) != 0)
            fail(final_.string() + ": cannot swap in the new output: " + errno_text(), ErrorKind::Io);
        committed_ = true;
        sync_dir(final_.parent_path());
        fs::remove_all(staging_, ec);  // now the old output
        return;
    }
    if (::rename(staging_.c_str(), final_.c_str()) != 0) fail(final_.string() + ": cannot move the new output into place: " + errno_text(), ErrorKind::Io);
    committed_ = true;
    sync_dir(final_.parent_path());
}

}  // namespace tdx::builder
