// The JSON documents commands read from someone else (an expected
// measurements.json for eventlog compare and verify) go through the one
// bounded reader: a key given twice is refused, naming the file and the key,
// since two readers could take two different values from it.
#include "tests/support/catch.h"

#include <string>
#include <vector>

#include "tests/measure/eventlog_scenario.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::test;

namespace {

// A measurements.json whose rtmr1 is given twice: first the predicted value,
// then another one.
std::string with_duplicate_rtmr1(const nlohmann::json& doc) {
    std::string text = doc.dump();
    const std::string value = doc["rtmr1"].get<std::string>();
    const std::string key = "\"rtmr1\":\"" + value + "\"";
    const std::size_t at = text.find(key);
    REQUIRE(at != std::string::npos);
    text.insert(at + key.size(), ",\"rtmr1\":\"" + std::string(value.size(), '0') + "\"");
    return text;
}

}  // namespace

TEST_CASE("json documents: eventlog compare --expected and verify --expect refuse a key given twice") {
    TempDir d;
    write_bytes(d / "ccel.bin", ccel_of({}));
    const nlohmann::json doc = measurements_json(boot_events({}));
    REQUIRE(doc["rtmr1"].is_string());
    write_text(d / "good.json", doc.dump());
    write_text(d / "dup.json", with_duplicate_rtmr1(doc));
    // The same document without the second key is accepted.
    REQUIRE(run_tool({"eventlog", "compare", (d / "ccel.bin").string(), "--expected", (d / "good.json").string()}).exit_code == 0);

    auto r = run_tool({"eventlog", "compare", (d / "ccel.bin").string(), "--expected", (d / "dup.json").string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, TDX_CONTAINS((d / "dup.json").string() + ": the key \"rtmr1\" appears twice in one object"));

    // verify reads the expectation before the recipe: the recipe need not exist.
    auto v = run_tool({"verify", (d / "no-such-recipe.yaml").string(), "--expect", (d / "dup.json").string()});
    INFO(v.err);
    CHECK(v.exit_code == 2);
    CHECK_THAT(v.err, TDX_CONTAINS((d / "dup.json").string() + ": the key \"rtmr1\" appears twice in one object"));
}
