// require_tool/require report a missing tool as ctest's skip, as a failure
// under CI=true and as a warning when the test binary runs by hand. Each case
// runs this test binary again on a hidden probe case in a fresh environment.
#include "tests/support/require_tool.h"

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;

namespace {

// The hidden probe: needs a tool no machine has, then checks one thing.
TEST_CASE("require_tool probe: a missing tool", "[.require_tool_probe]") {
    if (!require_tool("tdximage-test-no-such-tool")) return;
    FAIL("require_tool found a tool that does not exist");
}

TEST_CASE("require_tool probe: a present tool", "[.require_tool_probe]") {
    REQUIRE(require_tool("/bin/sh"));
    REQUIRE(require(true, "nothing"));
}

RunResult probe(const std::string& name, const std::vector<std::string>& env) {
    std::vector<std::string> argv{"/usr/bin/env", "-i", "PATH=/usr/bin:/bin"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(std::filesystem::read_symlink("/proc/self/exe").string());
    argv.push_back("require_tool probe: " + name);
    return run(argv);
}

}  // namespace

TEST_CASE("require_tool: a missing tool is ctest's skip code under ctest") {
    const RunResult r = probe("a missing tool", {"TDXIMAGE_TEST_SKIP_CODE=77"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 77);
    CHECK_THAT(r.out, TDX_CONTAINS("SKIPPED: needs tdximage-test-no-such-tool (not installed)"));
}

TEST_CASE("require_tool: a missing tool fails under CI=true, even under ctest") {
    const RunResult r = probe("a missing tool", {"TDXIMAGE_TEST_SKIP_CODE=77", "CI=true"});
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.exit_code != 77);
    CHECK_THAT(r.out, TDX_CONTAINS("needs tdximage-test-no-such-tool (not installed) (CI=true"));
}

TEST_CASE("require_tool: by hand, a missing tool is a warning and the case returns") {
    const RunResult r = probe("a missing tool", {});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("SKIPPED (not checked): needs tdximage-test-no-such-tool"));
}

TEST_CASE("require_tool: a present tool runs the case") {
    const RunResult r = probe("a present tool", {"TDXIMAGE_TEST_SKIP_CODE=77", "CI=true"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
}
