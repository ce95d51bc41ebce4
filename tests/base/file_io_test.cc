// The bounded readers every input goes through: a file over its limit is
// refused by its size before a byte is read, a device or a pipe is read only
// up to the limit, a FIFO nobody writes to does not hang, and a pipe with a
// writer is read whole.
#include "tests/support/catch.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "base/file_io.h"
#include "base/limits.h"
#include "tests/support/error_of.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx;
using tdx::test::error_of;
using tdx::test::TempDir;

namespace {

std::vector<std::uint8_t> pattern(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
    return b;
}

// Writes all of `data` to `fd` (until the reader goes away), then closes it.
void write_and_close(int fd, std::vector<std::uint8_t> data) {
    // A write to a pipe whose reader gave up fails with EPIPE in this thread
    // instead of killing the test process.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

}  // namespace

TEST_CASE("file io: a regular file is read whole, an empty one as empty", "[file_io]") {
    TempDir d;
    const auto bytes = pattern(100000);
    test::write_bytes(d / "f.bin", bytes);
    InputFile f(d / "f.bin");
    CHECK(f.size() == bytes.size());
    CHECK(std::vector<std::uint8_t>(f.bytes().begin(), f.bytes().end()) == bytes);
    CHECK(read_file(d / "f.bin") == bytes);
    // Moving keeps the bytes valid.
    InputFile moved(std::move(f));
    CHECK(std::vector<std::uint8_t>(moved.bytes().begin(), moved.bytes().end()) == bytes);

    test::write_bytes(d / "empty", {});
    CHECK(InputFile(d / "empty").size() == 0);
    test::write_text(d / "doc.json", "{\"a\": 1}\n");
    CHECK(read_text_document(d / "doc.json") == "{\"a\": 1}\n");
}

TEST_CASE("file io: missing files and directories are errors naming the path", "[file_io]") {
    TempDir d;
    CHECK_THAT(error_of([&] { InputFile f(d / "nope"); }), TDX_CONTAINS((d / "nope").string() + ": cannot open"));
    CHECK_THAT(error_of([&] { read_file(d.path()); }), TDX_CONTAINS(d.path().string() + ": is a directory"));
}

TEST_CASE("file io: a file over the limit is refused by its size before it is read", "[file_io]") {
    TempDir d;
    SECTION("a 100 GiB sparse file under the default input-size") {
        {
            const int fd = ::open((d / "huge.fd").c_str(), O_WRONLY | O_CREAT, 0600);
            REQUIRE(fd >= 0);
            const bool sparse = ::ftruncate(fd, off_t{100} << 30) == 0;
            ::close(fd);
            if (!sparse) {
                tdx::test::require(false, "a temporary file system that holds a 100 GiB sparse file");
                return;
            }
        }
        // "the file's size" is the fstat check's wording: nothing was read.
        const std::string e = error_of([&] { InputFile f(d / "huge.fd"); });
        CHECK_THAT(e, TDX_CONTAINS((d / "huge.fd").string() + ": the file's size (107374182400 bytes) exceeds the limit input-size (4 GiB)"));
        CHECK_THAT(e, TDX_CONTAINS("--limit input-size=VALUE"));
    }
    SECTION("one byte over a lowered limit, and exactly at it") {
        ScopedLimit small(Limit::InputSize, 4096);
        test::write_bytes(d / "over", pattern(4097));
        test::write_bytes(d / "at", pattern(4096));
        CHECK_THAT(error_of([&] { read_file(d / "over"); }),
                   TDX_CONTAINS("over: the file's size (4097 bytes) exceeds the limit input-size (4 KiB)"));
        CHECK(read_file(d / "at").size() == 4096);
    }
    SECTION("text documents are bounded by document-size, and a caller may name another limit") {
        ScopedLimit doc(Limit::DocumentSize, 1024);
        test::write_text(d / "m.json", std::string(2000, ' '));
        CHECK_THAT(error_of([&] { read_text_document(d / "m.json"); }),
                   TDX_CONTAINS("m.json: the file's size (2000 bytes) exceeds the limit document-size"));
        CHECK(read_file(d / "m.json").size() == 2000);
        ScopedLimit fw(Limit::FirmwareSize, 1024);
        CHECK_THAT(error_of([&] { InputFile f(d / "m.json", Limit::FirmwareSize); }), TDX_CONTAINS("exceeds the limit firmware-size"));
    }
}

TEST_CASE("file io: /dev/zero is read only up to the limit, naming the file", "[file_io]") {
    ScopedLimit small(Limit::InputSize, 1 << 20);
    const std::string e = error_of([] { InputFile f("/dev/zero"); });
    CHECK_THAT(e, TDX_CONTAINS("/dev/zero: what it gives when read exceeds the limit input-size (1 MiB)"));
}

TEST_CASE("file io: a FIFO without a writer reads as empty instead of hanging", "[file_io]") {
    TempDir d;
    REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
    auto reader = std::async(std::launch::async, [&] { return InputFile(d / "fifo").size(); });
    REQUIRE(reader.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    CHECK(reader.get() == 0);
}

TEST_CASE("file io: pipes with a writer are read whole, and bounded while read", "[file_io]") {
    const auto bytes = pattern(1 << 20);  // more than a pipe buffer: the writer waits for the reader
    SECTION("a named FIFO whose writer holds it open") {
        TempDir d;
        REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
        // O_RDWR opens without waiting for a reader, so the writer exists
        // before the reader opens, as with `mkfifo f; producer > f &`.
        const int w = ::open((d / "fifo").c_str(), O_RDWR | O_CLOEXEC);
        REQUIRE(w >= 0);
        auto writer = std::async(std::launch::async, write_and_close, w, bytes);
        CHECK(read_file(d / "fifo") == bytes);
        writer.get();
    }
    SECTION("an anonymous pipe named by /dev/fd, as a shell's <(...) gives it") {
        int p[2];
        REQUIRE(::pipe(p) == 0);
        auto writer = std::async(std::launch::async, write_and_close, p[1], bytes);
        CHECK(read_file("/dev/fd/" + std::to_string(p[0])) == bytes);
        writer.get();
        ::close(p[0]);
    }
    SECTION("a pipe that gives more than the limit") {
        ScopedLimit small(Limit::InputSize, 64 * 1024);
        int p[2];
        REQUIRE(::pipe(p) == 0);
        auto writer = std::async(std::launch::async, write_and_close, p[1], bytes);
        const std::string name = "/dev/fd/" + std::to_string(p[0]);
        CHECK_THAT(error_of([&] { read_file(name); }), TDX_CONTAINS(name + ": what it gives when read exceeds the limit input-size (64 KiB)"));
        ::close(p[0]);  // the writer's next write fails and it ends
        writer.get();
    }
}
