// A build shares its cache with other processes (a CI cache, concurrent
// jobs, `cache gc`), which may act at any moment. The moment is controlled
// here without hooks in the tool: the test holds the lock of the package the
// build verifies last, so the build waits there after verifying the first
// one (seen in /proc/locks), and meanwhile the test rewrites the verified
// entry in place and renames other bytes over it, or runs `cache gc --all`.
// Either way the build must produce the reference image: what it uses is
// what it verified, and what it still needs is not deleted under it.
#include <fstream>
#include <future>

#include "builder/fetch/cache.h"
#include "builder/lock/lockfile.h"
#include "tests/cli/alpine_scenario.h"
#include "tests/support/catch.h"
#include "tests/support/flock_waiter.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

// The outputs that must not depend on what happened to the cache.
void check_same_image(const fs::path& got, const fs::path& reference) {
    for (const char* f : {"initramfs.cpio.xz", "measurements.json", "manifest.json", "sbom.spdx.json"}) {
        INFO(f);
        CHECK(read_text(got / f) == read_text(reference / f));
    }
}

}  // namespace

TEST_CASE("build: a cache entry swapped or collected while the build waits between verifying and using it does not change the image") {
    alpine::AlpineBuild s;
    RunResult ref = s.tool({"build", s.recipe(), "--agent", s.agent(), "--out", (s.d / "ref").string()});
    INFO(ref.err);
    REQUIRE(ref.exit_code == 0);
    const tdx::builder::Lockfile lock = tdx::builder::parse_lockfile(read_text(s.d / "alpine.yaml.lock"), "alpine.yaml.lock");
    REQUIRE(lock.packages.size() == 2);
    // Fetched in the lock's order: the first is verified while the test
    // holds the second's lock.
    const std::string first = lock.packages.front().sha256, last = lock.packages.back().sha256;
    tdx::builder::Cache cache(s.cache_dir());
    const fs::path waits_here = s.cache_dir() / "locks" / last;
    auto offline_build = [&](const std::string& out) {
        return std::async(std::launch::async, [&s, out] {
            return s.tool({"build", s.recipe(), "--agent", s.agent(), "--out", out, "--locked", "--offline"});
        });
    };

    SECTION("rewritten in place, then replaced by rename") {
        tdx::builder::CacheLock held = cache.lock(last);
        auto build = offline_build((s.d / "swapped").string());
        REQUIRE(wait_for_flock_waiter(waits_here));
        const fs::path entry = cache.path_for(first);
        std::vector<std::uint8_t> other = tdx::read_file(entry);
        for (auto& b : other) b ^= 0x5a;
        {
            // Into the same inode, as a writer that ignores the locks would.
            std::fstream inplace(entry, std::ios::in | std::ios::out | std::ios::binary);
            inplace.write(reinterpret_cast<const char*>(other.data()), static_cast<std::streamsize>(other.size()));
        }
        write_bytes(s.d / "other", other);
        fs::rename(s.d / "other", entry);
        held = tdx::builder::CacheLock();
        const RunResult r = build.get();
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        check_same_image(s.d / "swapped", s.d / "ref");
    }
    SECTION("cache gc --all") {
        tdx::builder::CacheLock held = cache.lock(last);
        auto build = offline_build((s.d / "collected").string());
        REQUIRE(wait_for_flock_waiter(waits_here));
        auto gc = std::async(std::launch::async, [&s] {
            return run({tool_path().string(), "cache", "gc", "--all", "--cache-dir", s.cache_dir().string()});
        });
        // gc waits for the running build as a whole, not entry by entry.
        CHECK(wait_for_flock_waiter(s.cache_dir() / "locks" / "in-use", std::chrono::seconds(10)));
        CHECK(cache.lookup(first));
        held = tdx::builder::CacheLock();
        const RunResult r = build.get();
        INFO(r.err);
        CHECK(r.exit_code == 0);
        check_same_image(s.d / "collected", s.d / "ref");
        const RunResult g = gc.get();
        INFO(g.err);
        CHECK(g.exit_code == 0);
        CHECK(cache.list().empty());
    }
}
