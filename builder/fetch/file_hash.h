// Size and SHA-256 of a file, read in chunks so a 100 MB package is never
// held in memory just to be checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "base/byte_reader.h"
#include "builder/fetch/downloader.h"

namespace tdx::builder {

struct FileDigest {
    std::uint64_t size = 0;
    std::string sha256;  // lowercase hex
};

// Throws tdx::Error (Io) naming the path when it cannot be read.
FileDigest hash_file(const std::filesystem::path& path);

// Reads `fd` to its end in chunks, hashing each chunk and handing it to
// `sink` (when set) once hashed: whoever keeps what the sink got keeps
// exactly the bytes the digest describes, however the file changes
// meanwhile. Throws (Io) naming `what` when it cannot be read.
FileDigest hash_fd(int fd, const std::string& what, const std::function<void(Bytes)>& sink = {});

// Empty when `got` satisfies `expected`, else a sentence saying what differs
// ("size 12 bytes, expected 10"; "SHA-256 ab.., expected cd..").
std::string mismatch(const FileDigest& got, const Expected& expected);

}  // namespace tdx::builder
