// "Did you mean": edit distance and the closest known name within a bound.
#include "tests/support/catch.h"

#include "base/suggest.h"

TEST_CASE("suggest: edit distance counts insertions, deletions and substitutions") {
    CHECK(tdx::edit_distance("", "") == 0);
    CHECK(tdx::edit_distance("build", "build") == 0);
    CHECK(tdx::edit_distance("buidl", "build") == 2);  // a swap is two edits
    CHECK(tdx::edit_distance("cmdlin", "cmdline") == 1);
    CHECK(tdx::edit_distance("", "abc") == 3);
    CHECK(tdx::edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("suggest: the closest name within the bound, or none") {
    const std::vector<std::string> commands = {"build", "verify", "lock", "fetch"};
    CHECK(tdx::closest_name("buidl", commands) == "build");
    CHECK(tdx::closest_name("lokc", commands) == "lock");
    CHECK(tdx::closest_name("measure", commands).empty());
    CHECK(tdx::closest_name("feth", commands, 0).empty());
    CHECK(tdx::closest_name("feth", commands, 1) == "fetch");
    CHECK(tdx::closest_name("x", {}).empty());
}
