// A private temporary directory under $TMPDIR (or /tmp), removed with
// everything in it when the owner goes out of scope: the rebuild of
// `verify` and the second build of `build --twice` live in one.
#pragma once

#include <filesystem>
#include <string>

namespace tdx {

class TempDir {
public:
    // Creates <$TMPDIR or /tmp>/<prefix>-XXXXXX (mode 0700). Throws
    // tdx::Error (Io) naming the parent directory when it cannot.
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace tdx
