// Reading inputs and writing outputs. Inputs are mapped read-only so a large
// initrd is hashed without a copy; outputs are written to a temporary file in
// the destination directory and renamed into place, so a reader never sees a
// partial file and a failed run leaves the previous output untouched.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/byte_reader.h"
#include "base/limits.h"

namespace tdx {

class InputFile {
public:
    // Throws tdx::Error (kind Io) naming the path when it cannot be opened or
    // read. A file larger than `size_limit` is refused before any byte is
    // read (fstat for regular files; pipes and devices are read up to it), so
    // /dev/zero or a huge sparse file ends in an error naming the file and the
    // limit instead of exhausting memory. A FIFO without a writer reads as
    // empty instead of blocking forever.
    explicit InputFile(const std::filesystem::path& path, Limit size_limit = Limit::InputSize);
    // Bytes already in memory (an image the build has just assembled), held
    // by the caller for this object's life, named `name` in messages; the
    // same size limit applies.
    InputFile(const std::filesystem::path& name, Bytes contents, Limit size_limit = Limit::InputSize);
    ~InputFile();
    InputFile(InputFile&& other) noexcept;
    InputFile& operator=(InputFile&&) = delete;
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    Bytes bytes() const { return Bytes(data_, size_); }
    const std::filesystem::path& path() const { return path_; }
    std::uint64_t size() const { return size_; }

private:
    std::filesystem::path path_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    bool mapped_ = false;
    bool borrowed_ = false;
    std::vector<std::uint8_t> owned_;  // for inputs that cannot be mapped (pipes, empty files)
};

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, Limit size_limit = Limit::InputSize);

// A text document read whole (recipe, lockfile, JSON, loader script), under
// the document-size limit.
std::string read_text_document(const std::filesystem::path& path);

// Writes every (path, content) pair: first all to temporary files, then renames
// each into place. On any error the temporary files are removed and no target
// is touched, so either all outputs are replaced or none is.
// Closes the descriptor it holds when it goes out of scope; -1 holds none.
struct OwnedFd {
    int fd = -1;
    OwnedFd() = default;
    explicit OwnedFd(int f) : fd(f) {}
    ~OwnedFd();
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
};

void write_files_atomically(const std::vector<std::pair<std::filesystem::path, std::string>>& files);

// Writes all of `data` to `fd`, through short writes and EINTR; throws
// tdx::Error (Io) naming `path`. The caller still owns (and closes) `fd`.
void write_all(int fd, Bytes data, const std::filesystem::path& path);

// Gives the file its final mode and flushes it to disk before it is renamed
// into place; throws tdx::Error (Io) naming `path`.
void finish_file(int fd, unsigned mode, const std::filesystem::path& path);

// Flushes a directory after a rename in it, so that the new entry survives a
// crash along with the file's bytes. Best effort: a file system that cannot
// sync directories loses nothing it would not lose anyway.
void sync_directory(const std::filesystem::path& dir);

inline void write_file_atomically(const std::filesystem::path& path, std::string content) {
    write_files_atomically({{path, std::move(content)}});
}

}  // namespace tdx
