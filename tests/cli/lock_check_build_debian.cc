// `build --locked` and `verify` with a hostile lock, on the Alpine scenario
// with Debian's real kernel and firmware: the lock's busybox entry names a
// repacked .apk (signed with the mirror's own key, so only the lock-to-index
// check can tell) with its own hash, size and identity. Before the check
// this built with exit 0 and an SBOM calling it Alpine's busybox.
#include "tests/cli/alpine_scenario.h"
#include "tests/cli/hostile_lock.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;

TEST_CASE("build --locked and verify refuse a lock whose busybox is not the signed index's") {
    alpine::AlpineBuild s;
    REQUIRE(s.tool({"build", s.recipe(), "--agent", s.agent(), "--out", (s.d / "published").string()}).exit_code == 0);
    const fs::path lock_path = s.d / "alpine.yaml.lock";
    write_text(lock_path, hostile::repacked_busybox(s, read_text(lock_path)));

    RunResult b = s.tool({"build", s.recipe(), "--locked", "--agent", s.agent(), "--out", (s.d / "evil").string()});
    INFO(b.err);
    CHECK(b.exit_code == 2);
    CHECK_THAT(b.err, TDX_CONTAINS(lock_path.string() + ":"));
    CHECK_THAT(b.err, TDX_CONTAINS("package busybox 1.37.0-r18 (x86_64)"));
    CHECK_THAT(b.err, TDX_CONTAINS("is not in the signed index " + s.repo.url() + "/x86_64/APKINDEX.tar.gz"));
    CHECK_FALSE(fs::exists(s.d / "evil"));

    RunResult v = s.tool({"verify", s.recipe(), "--agent", s.agent(), "--expect-dir", (s.d / "published").string()});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 2);
    CHECK_THAT(v.err, TDX_CONTAINS("package busybox 1.37.0-r18 (x86_64)"));
}
