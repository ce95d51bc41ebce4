// What the fuzz harnesses share. Each harness feeds its input to one parser
// and treats tdx::Error as the expected, clean rejection of bad input; any
// other exception escapes to libFuzzer (or to replay_main), which reports it.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/byte_reader.h"
#include "base/limits.h"

namespace tdx::fuzz {

// libFuzzer stops at 512 MiB of RSS (run.sh), far below the default limits
// (2 GiB decompressed, 4 GiB per input, 1M event-log structures): a bomb
// would end as an out-of-memory report before a limit could reject it.
// Lowered here, as --limit would, the bomb meets the limit and the fuzzer
// checks that it is enforced within the memory the run allows.
inline void lower_limits() {
    static const bool done = [] {
        for (const char* l : {"decompressed-size=32M", "module-size=32M", "firmware-section-size=32M", "firmware-total-size=64M",
                              "firmware-memory=64M", "input-size=64M", "document-size=16M", "download-size=16M", "event-log-nodes=100000"})
            set_limit_from_text(l);
        return true;
    }();
    (void)done;
}

inline Bytes bytes_of(const std::uint8_t* data, std::size_t size) { return Bytes(data, size); }

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
    return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The input as a file, for parsers that take a path: a memfd named through
// /proc/self/fd, so no disk is touched and nothing is left behind when the
// process dies on a finding.
class MemoryFile {
public:
    explicit MemoryFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
        if (fd_ < 0) std::abort();  // the harness's own trouble, not the parser's
    }
    ~MemoryFile() { ::close(fd_); }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(fd_); }
    void assign(const std::uint8_t* data, std::size_t size) {
        if (::ftruncate(fd_, 0) != 0) std::abort();
        for (std::size_t done = 0; done < size;) {
            const ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
            if (n <= 0) std::abort();
            done += static_cast<std::size_t>(n);
        }
    }

private:
    int fd_;
};

// Runs fn(); a tdx::Error is the parser saying no, which is fine.
template <typename Fn>
void rejecting(Fn&& fn) {
    try {
        fn();
    } catch (const Error&) {
    }
}

}  // namespace tdx::fuzz
