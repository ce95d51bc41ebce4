#include "base/temp_dir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

namespace tdx {

TempDir::TempDir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    const std::filesystem::path parent = base && *base ? base : "/tmp";
    std::string tmpl = (parent / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) fail(parent.string() + ": cannot create a temporary directory: " + ::strerror(errno), ErrorKind::Io);
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace tdx
