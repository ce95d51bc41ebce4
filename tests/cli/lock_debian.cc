// `tdximage lock` and `fetch` against the real Debian archive, with the
// shipped recipes/debian-13.yaml pointed at the mirror apt on this machine
// uses (the only archive reachable here). Skipped, with a warning, only when
// that mirror cannot be reached.
#include <nlohmann/json.hpp>

#include "tests/support/catch.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

const fs::path kRecipes = tdx::test::source_dir() / "recipes";

std::string apt_mirror() {
    RunResult r = run({"/usr/bin/apt-get", "indextargets", "--format", "$(REPO_URI)", "Created-By: Packages"});
    std::string line;
    for (std::size_t i = 0; i <= r.out.size(); ++i) {
        if (i == r.out.size() || r.out[i] == '\n') {
            if (!line.empty() && line.find("security") == std::string::npos && line.find("updates") == std::string::npos &&
                line.rfind("http", 0) == 0)
                return line;
            line.clear();
        } else {
            line += r.out[i];
        }
    }
    return "http://deb.debian.org/debian/";
}

bool network_failure(const std::string& err) {
    for (const char* s : {"Could not resolve", "Couldn't resolve", "Could not connect", "Couldn't connect", "Timeout", "timed out"})
        if (err.find(s) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("lock and fetch recipes/debian-13.yaml against the real Debian mirror") {
    TempDir d;
    const std::string mirror = apt_mirror();
    const fs::path parent = fs::relative(kRecipes / "debian-13.yaml", d.path());
    write_text(d / "debian-13-local.yaml", "extends: " + parent.generic_string() +
                                               "\n"
                                               "sources:\n"
                                               "  - name: trixie\n"
                                               "    distribution: debian\n"
                                               "    release: trixie\n"
                                               "    suites: [trixie, trixie-updates]\n"
                                               "    components: [main]\n"
                                               "    mirrors: [\"" +
                                               mirror +
                                               "\"]\n"
                                               "    keyring: /usr/share/keyrings/debian-archive-keyring.gpg\n");
    const std::string recipe = (d / "debian-13-local.yaml").string();
    const std::string cache = (d / "cache").string();
    auto tool = [&](std::vector<std::string> args) {
        args.insert(args.begin(), tool_path().string());
        args.push_back("--cache-dir");
        args.push_back(cache);
        args.push_back("--quiet");
        return run(args);
    };

    RunResult first = tool({"lock", recipe});
    if (!require(first.exit_code == 0 || !network_failure(first.err), "the Debian mirror " + mirror + " (unreachable: " + first.err + ")"))
        return;
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    const std::string lock1 = read_text(d / "debian-13-local.yaml.lock");
    CHECK(lock1.find("name: \"busybox-static\"") != std::string::npos);
    CHECK(lock1.find("name: \"ovmf\"") != std::string::npos);
    CHECK(lock1.find("name: \"linux-image-cloud-amd64\"") != std::string::npos);
    CHECK(lock1.find("dists/trixie/InRelease") != std::string::npos);
    // The kernel keeps what its follow globs select, not initramfs-tools.
    CHECK(lock1.find("initramfs-tools") == std::string::npos);

    // Re-resolving gives the same bytes (the archive does not change within a test).
    RunResult again = tool({"lock", recipe, "--update"});
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("no changes") != std::string::npos);
    CHECK(read_text(d / "debian-13-local.yaml.lock") == lock1);

    RunResult fetched = tool({"fetch", recipe, "--locked"});
    INFO(fetched.err);
    REQUIRE(fetched.exit_code == 0);
    RunResult offline = tool({"fetch", recipe, "--locked", "--offline"});
    INFO(offline.err);
    CHECK(offline.exit_code == 0);

    // Offline with an empty cache: an error naming what is missing.
    RunResult empty = run({tool_path().string(), "fetch", recipe, "--locked", "--offline", "--cache-dir", (d / "empty").string(), "--quiet"});
    CHECK(empty.exit_code == 2);
    CHECK(empty.err.find("not in the cache") != std::string::npos);

    // A lock made from another recipe is refused by --locked.
    write_text(d / "debian-13-local.yaml", read_text(d / "debian-13-local.yaml") + "cmdline: console=ttyS0 quiet\n");
    RunResult stale = tool({"fetch", recipe, "--locked", "--offline"});
    CHECK(stale.exit_code == 2);
    CHECK(stale.err.find("lock --update") != std::string::npos);
}
