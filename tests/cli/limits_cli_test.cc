// --limit as a user gives it: anywhere on the command line, checked before
// any work, and the message of a limit that was hit tells which option
// raises it.
#include <string>
#include <vector>

#include "tests/measure/eventlog_scenario.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::test;

TEST_CASE("limit option: a hit limit names itself, and raising it lets the input through") {
    TempDir dir;
    const std::string log = (dir / "ccel.bin").string();
    write_bytes(log, ccel_of(BootInputs{}));
    REQUIRE(run_tool({"eventlog", "show", log}).exit_code == 0);

    RunResult low = run_tool({"eventlog", "show", log, "--limit", "event-count=3"});
    CHECK(low.exit_code == 2);
    CHECK_THAT(low.err, TDX_CONTAINS("tdximage: error: " + log + ": record at offset ") &&
                            TDX_CONTAINS(": the number of events exceeds the limit event-count (3); "
                                         "if the input is legitimate, raise it with --limit event-count=VALUE"));
    CHECK(low.out.empty());
    // Before the command, after it, or twice (the last one wins).
    CHECK(run_tool({"--limit", "event-count=3", "eventlog", "show", log}).exit_code == 2);
    CHECK(run_tool({"eventlog", "show", log, "--limit", "event-count=3", "--limit", "event-count=1000"}).exit_code == 0);
}

TEST_CASE("limit option: bad assignments are usage errors that list the limits") {
    RunResult r = run_tool({"profiles", "--limit", "events=3"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("--limit 'events=3': unknown limit 'events' (limits: decompressed-size, "));
    r = run_tool({"profiles", "--limit", "path-length=9000"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("path-length cannot be raised"));
    r = run_tool({"profiles", "--limit", "decompressed-size=lots"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("'lots' is not a positive size"));
    CHECK(r.out.empty());
}
