// A private temporary directory (mode 0700), removed with everything in it
// when the owner goes out of scope: the rebuild of `verify`, the second build
// of `build --twice`, gpgv's home, a dump staged beside its destination. The
// one helper for "create a directory, clean it up"; the output directory's
// staging (builder/output_dir: locked against concurrent builds) and the
// cache's tmp/ (cleaned by `cache gc`) have their own protocols.
#pragma once

#include <filesystem>
#include <string>

namespace tdx {

class TempDir {
public:
    // Creates <$TMPDIR or /tmp>/<prefix>-XXXXXX (mode 0700). Throws
    // tdx::Error (Io) naming the parent directory when it cannot.
    explicit TempDir(const std::string& prefix);
    // Creates <parent>/<prefix>XXXXXX; messages name `parent`.
    TempDir(const std::filesystem::path& parent, const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // The directory was moved into place (renamed): nothing to remove.
    void release() { path_.clear(); }

private:
    std::filesystem::path path_;
};

}  // namespace tdx
