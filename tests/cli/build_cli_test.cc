// `tdximage build` refusing bad arguments before any work, as a user runs
// it: the agent must be a program, a shipped recipe given by name keeps its
// lock in the current directory. No network: every case stops first.
#include "tests/support/catch.h"

#include "tests/cli/minimal_recipe.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

// The tool run from `dir` (through sh, for the working directory).
RunResult run_in(const fs::path& dir, const std::string& args) {
    return run({"/bin/sh", "-c", "cd '" + dir.string() + "' && exec '" + tool_path().string() + "' " + args});
}

}  // namespace

TEST_CASE("build --agent: a directory or a missing file is named as such, exit 2, nothing written") {
    TempDir d;
    write_text(d / "r.yaml", kMinimalRecipe);
    write_text(d / "keyring.gpg", "");
    fs::create_directory(d / "agentdir");
    const std::string out = (d / "out").string();
    auto dir = run_tool({"build", (d / "r.yaml").string(), "--agent", (d / "agentdir").string(), "--out", out});
    CHECK(dir.exit_code == 2);
    CHECK(dir.err ==
          "tdximage: error: " + (d / "agentdir").string() + ": --agent: is a directory; give the agent program (see `tdximage build --help`)\n");
    auto missing = run_tool({"build", (d / "r.yaml").string(), "--agent", (d / "nothere").string(), "--out", out});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "tdximage: error: " + (d / "nothere").string() + ": --agent: no such file (see `tdximage build --help`)\n");
    CHECK_FALSE(fs::exists(d / "out"));
    CHECK_FALSE(fs::exists(d / "r.yaml.lock"));
}

TEST_CASE("build NAME: a shipped recipe's default lock is NAME.yaml.lock in the current directory") {
    TempDir d;
    auto r = run_in(d.path(), "build alpine --locked --out '" + (d / "out").string() + "' --cache-dir '" + (d / "cache").string() + "'");
    CHECK(r.exit_code == 2);
    CHECK(r.err == "tdximage: error: alpine.yaml.lock: no lockfile; run `tdximage lock alpine` first (see `tdximage build --help`)\n");
}
