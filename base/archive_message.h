// libarchive's message for the last error of `a`. libarchive may fail
// without setting one (3.6 returns ARCHIVE_FATAL from archive_read_open_*
// with no message when the gzip filter meets corrupt deflate data while
// probing), and a null char* added to a std::string crashes: the fuzzers
// found exactly that. Every message built from libarchive goes through here.
#pragma once

#include <archive.h>

#include <string>

namespace tdx::builder {

inline std::string archive_message(struct archive* a) {
    const char* m = archive_error_string(a);
    if (m && *m) return m;
    const int e = archive_errno(a);
    return e != 0 ? "libarchive error " + std::to_string(e) + " without a message" : "libarchive gave no reason";
}

}  // namespace tdx::builder
