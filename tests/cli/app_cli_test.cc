// Usage errors as cli/app.cc prints them: every one, CLI11's too, as
// "tdximage: error: ..." with exit 2; a mistyped command gets the nearest.
#include "tests/support/catch.h"

#include "tests/support/test_env.h"

using namespace tdx::test;

TEST_CASE("usage errors from the argument parser have the tool's prefix and exit 2") {
    auto missing = run_tool({"build"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "tdximage: error: RECIPE is required (see `tdximage build --help`)\n");
    CHECK(missing.out.empty());
    auto nested = run_tool({"recipe", "show"});
    CHECK(nested.exit_code == 2);
    CHECK(nested.err == "tdximage: error: RECIPE is required (see `tdximage recipe show --help`)\n");
    auto extra = run_tool({"profiles", "--nope"});
    CHECK(extra.exit_code == 2);
    CHECK(extra.err.rfind("tdximage: error: ", 0) == 0);
    CHECK_THAT(extra.err, TDX_CONTAINS("--nope"));
    auto none = run_tool({});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.err, TDX_CONTAINS("tdximage: error: no command given (commands: measure, inspect, "));
    auto group = run_tool({"eventlog"});
    CHECK(group.exit_code == 2);
    CHECK(group.err == "tdximage: error: 'eventlog' needs a subcommand: show, replay, compare (see `tdximage eventlog --help`)\n");
    // --help and --version are not errors.
    CHECK(run_tool({"build", "--help"}).exit_code == 0);
    CHECK(run_tool({"--version"}).exit_code == 0);
}

TEST_CASE("an unknown command names the nearest one, exit 2") {
    auto r = run_tool({"buidl", "recipes/debian-13.yaml"});
    CHECK(r.exit_code == 2);
    CHECK(r.err == "tdximage: error: unknown command 'buidl'; did you mean 'build'? (see `tdximage --help`)\n");
    auto sub = run_tool({"eventlog", "shwo", "ccel.bin"});
    CHECK(sub.exit_code == 2);
    CHECK(sub.err == "tdximage: error: unknown command 'eventlog shwo'; did you mean 'eventlog show'? (see `tdximage --help`)\n");
    auto far = run_tool({"frobnicate"});
    CHECK(far.exit_code == 2);
    CHECK_THAT(far.err, TDX_CONTAINS("tdximage: error: unknown command 'frobnicate' (commands: measure, inspect, profiles, "));
}
