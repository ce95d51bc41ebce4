#include "base/temp_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

namespace tdx {

namespace {

std::filesystem::path tmpdir() {
    const char* base = std::getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

}  // namespace

TempDir::TempDir(const std::string& prefix) : TempDir(tmpdir(), prefix + "-") {}

TempDir::TempDir(const std::filesystem::path& parent, const std::string& prefix) {
    std::string tmpl = (parent / (prefix + "XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) fail(parent.string() + ": cannot create a temporary directory: " + ::strerror(errno), ErrorKind::Io);
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

}  // namespace tdx
