#include "tests/support/catch.h"

#include <sys/stat.h>

#include "builder/build_manifest.h"
#include "builder/output_dir.h"
#include "measure/base/error.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;
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
    CHECK_THROWS_AS(StagedOutputDir(d / "file"), tdx::Error);
    // An empty directory is fine.
    fs::create_directories(d / "empty");
    publish(d / "empty", "ok");
    CHECK(read_text(d / "empty" / "vmlinuz") == "ok");
}
