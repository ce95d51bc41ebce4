#include "tests/support/require_tool.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "tests/support/catch.h"
#include "tests/support/test_env.h"

namespace tdx::test {
namespace {

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

bool on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && executable(dir + "/" + name)) return true;
    return false;
}

}  // namespace

bool require(bool available, const std::string& what) {
    if (available) return true;
    if (running_in_ci()) FAIL("needs " << what << " (CI=true: CI must provide it, see .ci/packages)");
    const char* code = std::getenv("TDXIMAGE_TEST_SKIP_CODE");
    if (code && *code) {
        // ctest reads this exit code as "Skipped"; Catch2 2.x has no skip of
        // its own, and the process runs this one test case only.
        std::printf("SKIPPED: needs %s\n", what.c_str());
        std::fflush(stdout);
        std::_Exit(std::atoi(code));
    }
    WARN("SKIPPED (not checked): needs " << what);
    return false;
}

bool require_tool(const std::string& tool) {
    const bool found = tool.find('/') != std::string::npos ? executable(tool) : on_path(tool);
    return require(found, tool + " (not installed)");
}

}  // namespace tdx::test
