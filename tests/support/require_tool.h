// The one way a test says "this machine lacks what I need". A test never
// returns early on its own when a tool or a condition is missing:
//  - under CI=true it fails: CI installs every tool a test compares against
//    (.ci/packages), so a missing one is a broken CI, not a skip;
//  - under ctest (tests/CMakeLists.txt sets TDXIMAGE_TEST_SKIP_CODE for every
//    test) the test process ends with that exit code, which ctest reports
//    as "Skipped" — never as "Passed";
//  - run by hand (the test binary without ctest), it prints a warning and
//    the caller returns, so the other test cases still run.
//
//   if (!tdx::test::require_tool("cpio")) return;
//   if (!tdx::test::require(sparse_ok, "a file system that holds a 100 GiB sparse file")) return;
#pragma once

#include <string>

namespace tdx::test {

// True when `tool` (an absolute path, or a name looked up on PATH) is an
// executable file; otherwise reports the skip as above and returns false.
bool require_tool(const std::string& tool);

// True when `available`; otherwise reports "needs WHAT" as above and returns false.
bool require(bool available, const std::string& what);

}  // namespace tdx::test
