// What a resolver hands the lockfile and the fetcher: one exact package file
// or index, identified by content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tdx::builder {

struct PackageRef {
    std::string name;
    std::string version;
    std::string architecture;
    std::string filename;           // path below the repository base (Debian "Filename:", Alpine "NAME-VERSION.apk")
    std::vector<std::string> urls;  // full URLs, mirrors in recipe order
    std::uint64_t size = 0;
    std::string sha256;        // lowercase hex, of the whole file
    std::string apk_checksum;  // Alpine only: the index's C: identity ("Q1..."), empty for .deb
    std::string source;        // the index it was resolved from (URL)
    std::string where;         // "lockfile:line:column" when read from a lockfile, for messages; not rendered
};

struct IndexRef {
    std::string url;
    std::uint64_t size = 0;
    std::string sha256;
    std::string snapshot;  // snapshot timestamp when the archive offers one, else empty
};

}  // namespace tdx::builder
