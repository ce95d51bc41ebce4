// The one bounded JSON reader: depth and duplicate keys refused, naming the
// document; brackets inside strings are text, not nesting.
#include "measure/json_document.h"

#include "base/error.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using tdx::parse_json_document;
using tdx::try_parse_json_document;

TEST_CASE("json document: nesting deeper than the bound is refused before parsing, without recursion") {
    // 600,000 levels would overflow the parser's stack (SIGSEGV) if parsed.
    const std::string deep = std::string(600000, '[') + std::string(600000, ']');
    CHECK_THROWS_WITH(parse_json_document(deep, "published/manifest.json"),
                      TDX_CONTAINS("published/manifest.json: nested deeper than 64 levels"));
    CHECK_FALSE(try_parse_json_document(deep));
    const std::string at_bound = std::string(64, '[') + std::string(64, ']');
    CHECK(parse_json_document(at_bound, "x").is_array());
    CHECK_THROWS_WITH(parse_json_document("{\"a\":" + std::string(65, '[') + std::string(65, ']') + "}", "x"), TDX_CONTAINS("nested deeper"));
    // Brackets in strings (escaped quotes included) do not count.
    const std::string in_string = "{\"k\": \"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"}";
    CHECK(parse_json_document(in_string, "x")["k"].get<std::string>().size() == 2001);
}

TEST_CASE("json document: a key given twice in one object is refused, the same key in two objects is not") {
    CHECK_THROWS_WITH(parse_json_document(R"({"mrtd": "aa", "mrtd": "bb"})", "m.json"),
                      TDX_CONTAINS("m.json: the key \"mrtd\" appears twice in one object"));
    CHECK_THROWS_AS(parse_json_document(R"({"a": {"x": 1, "x": 2}})", "m.json"), tdx::Error);
    CHECK(parse_json_document(R"({"a": {"x": 1}, "b": {"x": 2}, "x": [{"x": 1}, {"x": 2}]})", "m.json")["b"]["x"] == 2);
    CHECK_FALSE(try_parse_json_document(R"({"a": 1, "a": 1})"));
}

TEST_CASE("json document: not JSON names the document and the position") {
    CHECK_THROWS_WITH(parse_json_document("{not json", "junk.json"), TDX_CONTAINS("junk.json: not valid JSON: "));
    CHECK_FALSE(try_parse_json_document(""));
}
