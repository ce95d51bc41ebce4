#include "tests/support/catch.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "base/error.h"
#include "builder/build_manifest.h"
#include "builder/output_dir.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;
using tdx::test::error_of;
namespace fs = std::filesystem;

namespace {

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

void publish(const fs::path& out, const std::string& marker) {
    StagedOutputDir o(out);
    o.write("vmlinuz", marker);
    o.write("launch-qemu.sh", "#!/bin/sh\n", true);
    o.write("manifest.json", std::string("{\"schema\": \"") + kManifestSchema + "\"}\n");
    o.commit();
}

}  // namespace

TEST_CASE("An output directory is published whole and replaces the previous one", "[output_dir]") {
    TempDir d;
    const fs::path out = d / "out" / "img";
    const mode_t old = ::umask(077);
    publish(out, "first");
    ::umask(old);
    CHECK(read_text(out / "vmlinuz") == "first");
    struct stat st {};
    REQUIRE(::stat((out / "vmlinuz").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0644);  // whatever the umask
    REQUIRE(::stat((out / "launch-qemu.sh").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    write_text(out / "stale.hex", "from an older build");
    publish(out, "second");
    CHECK(read_text(out / "vmlinuz") == "second");
    CHECK_FALSE(fs::exists(out / "stale.hex"));
    CHECK(entries(d / "out") == 1);  // no staging or old directory left beside it
}

TEST_CASE("A build that fails before commit leaves the previous output untouched", "[output_dir]") {
    TempDir d;
    const fs::path out = d / "img";
    publish(out, "good");
    {
        StagedOutputDir o(out);
        o.write("vmlinuz", std::string("half"));
        // no commit: as if the build threw
    }
    CHECK(read_text(out / "vmlinuz") == "good");
    CHECK(entries(d.path()) == 1);
}

TEST_CASE("A directory that is not an earlier output is never replaced", "[output_dir]") {
    TempDir d;
    fs::create_directories(d / "mine");
    write_text(d / "mine" / "notes.txt", "precious");
    const auto err = [&] {
        try {
            StagedOutputDir o(d / "mine");
        } catch (const tdx::Error& e) {
            return std::string(e.what());
        }
        return std::string();
    }();
    CHECK(err.find("not an earlier tdximage output") != std::string::npos);
    CHECK(read_text(d / "mine" / "notes.txt") == "precious");
    write_text(d / "file", "x");
    CHECK_THAT(error_of([&] { StagedOutputDir o(d / "file"); }), TDX_CONTAINS((d / "file").string() + ": exists and is a regular file"));
    // An empty directory is fine.
    fs::create_directories(d / "empty");
    publish(d / "empty", "ok");
    CHECK(read_text(d / "empty" / "vmlinuz") == "ok");
}

TEST_CASE("An output path that is a symlink, a file, a FIFO or a directory that only looks like an output is refused, naming it",
          "[output_dir]") {
    TempDir d;
    publish(d / "real", "earlier output");
    const auto refused = [&](const fs::path& out, const std::string& why) {
        const std::string err = error_of([&] { StagedOutputDir o(out); });
        CHECK_THAT(err, TDX_CONTAINS(out.string()));
        CHECK_THAT(err, TDX_CONTAINS(why));
    };
    // A link, even to an earlier output, is neither followed nor swapped away.
    fs::create_directory_symlink(d / "real", d / "link");
    refused(d / "link", "is a symbolic link");
    CHECK(fs::is_symlink(d / "link"));
    CHECK(read_text(d / "real" / "vmlinuz") == "earlier output");
    fs::create_directory_symlink(d / "nowhere", d / "dangling");
    refused(d / "dangling", "is a symbolic link");
    CHECK_FALSE(fs::exists(d / "nowhere"));
    write_text(d / "file", "x");
    refused(d / "file", "is a regular file, not a directory");
    REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
    refused(d / "fifo", "is a FIFO, not a directory");
    // A manifest.json that is a link to one of ours, or a FIFO (which must
    // not hang the check), does not make a directory an earlier output.
    fs::create_directories(d / "linked");
    fs::create_symlink(d / "real" / "manifest.json", d / "linked" / "manifest.json");
    refused(d / "linked", "not an earlier tdximage output");
    fs::create_directories(d / "piped");
    REQUIRE(::mkfifo((d / "piped" / "manifest.json").c_str(), 0600) == 0);
    refused(d / "piped", "not an earlier tdximage output");
    // Nothing was staged beside any of them.
    for (const auto& e : fs::directory_iterator(d.path())) CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("A link planted in the staging directory is never written through or followed when cleaning up", "[output_dir]") {
    TempDir d;
    fs::create_directories(d / "victim");
    write_text(d / "victim" / "vmlinuz", "precious");
    {
        StagedOutputDir o(d / "img");
        fs::create_symlink(d / "victim" / "vmlinuz", o.staged("vmlinuz"));
        fs::create_directory_symlink(d / "victim", o.staged("sub"));
        const std::string err = error_of([&] { o.write("vmlinuz", std::string("new kernel")); });
        CHECK_THAT(err, TDX_CONTAINS(o.staged("vmlinuz").string()));
        CHECK_THAT(err, TDX_CONTAINS("cannot create"));
    }  // not committed: the staging directory goes, the links with it, not their targets
    CHECK(read_text(d / "victim" / "vmlinuz") == "precious");
    CHECK(entries(d.path()) == 1);
}

TEST_CASE("An output changed into a symlink during the build is not replaced", "[output_dir]") {
    TempDir d;
    publish(d / "img", "old");
    fs::create_directories(d / "elsewhere");
    StagedOutputDir o(d / "img");
    o.write("vmlinuz", std::string("new"));
    fs::rename(d / "img", d / "moved");
    fs::create_directory_symlink(d / "elsewhere", d / "img");
    const std::string err = error_of([&] { o.commit(); });
    CHECK_THAT(err, TDX_CONTAINS((d / "img").string()));
    CHECK_THAT(err, TDX_CONTAINS("no longer an earlier tdximage output"));
    CHECK(fs::is_symlink(d / "img"));
    CHECK(fs::is_empty(d / "elsewhere"));
}

TEST_CASE("Staging directories of killed builds are removed by the next build, a running build's are not", "[output_dir]") {
    TempDir d;
    const fs::path out = d / "img";
    publish(out, "old");

    // A build killed while writing: a child process stages, then dies.
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        try {
            StagedOutputDir o(out);
            o.write("vmlinuz", std::string("half a build"));
            (void)!::write(ready[1], "x", 1);
            for (;;) ::pause();
        } catch (...) {
        }
        ::_exit(1);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ::close(ready[0]);
    ::close(ready[1]);
    // A build killed while deleting the old output after its swap: an
    // unlocked staging-named directory holding (part of) an old output.
    fs::create_directories(d / ".img.tmp-Old123" / "nested");
    write_text(d / ".img.tmp-Old123" / "manifest.json", "{}");
    write_text(d / ".img.tmp-Old123" / "nested" / "x", "x");
    // Not leftovers: a link with such a name (its target stays), a file,
    // a name of another length, another output's staging directory.
    fs::create_directories(d / "victim");
    write_text(d / "victim" / "keep", "keep");
    fs::create_directory_symlink(d / "victim", d / ".img.tmp-Link12");
    write_text(d / ".img.tmp-File12", "a file");
    fs::create_directories(d / ".img.tmp-toolong1");
    fs::create_directories(d / ".other.tmp-abc123");
    CHECK(entries(d.path()) == 8);

    // A build running now: its staging directory is locked.
    StagedOutputDir running(out);
    const fs::path running_dir = running.staging_dir();
    CHECK(remove_stale_staging_dirs(out) == 0);  // the two leftovers went when `running` started
    CHECK(fs::exists(running_dir));
    publish(out, "new");  // another build for the same output, started and finished meanwhile
    CHECK(read_text(out / "vmlinuz") == "new");
    CHECK(fs::exists(running_dir));
    running.write("vmlinuz", std::string("newest"));
    running.write("manifest.json", std::string("{\"schema\": \"") + kManifestSchema + "\"}\n");
    running.commit();
    CHECK(read_text(out / "vmlinuz") == "newest");

    std::set<std::string> left;
    for (const auto& e : fs::directory_iterator(d.path())) left.insert(e.path().filename().string());
    CHECK(left == std::set<std::string>{"img", "victim", ".img.tmp-Link12", ".img.tmp-File12", ".img.tmp-toolong1", ".other.tmp-abc123"});
    CHECK(read_text(d / "victim" / "keep") == "keep");
}
