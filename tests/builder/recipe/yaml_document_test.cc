// The strict YAML loader every YAML reader goes through: one document, no
// explicit tags, no key twice, bounded size; and the lockfile reader using it.
#include "tests/support/catch.h"

#include "builder/lock/lockfile.h"
#include "builder/recipe/yaml_document.h"
#include "tests/support/error_of.h"

using tdx::builder::load_yaml_document;
using tdx::builder::parse_lockfile;
using tdx::builder::YamlDocument;

namespace {

// The problems of `text`, one a line, as a reader would print them.
std::string problems_of(const std::string& text) {
    const YamlDocument doc = load_yaml_document(text, "the test");
    return tdx::builder::yaml_problems_text(doc.problems, "t.yaml");
}

// A lockfile with nothing locked: valid as it stands.
const std::string kEmptyLock = "schema: tdximage.lock/v1\nrecipe:\n  file: r.yaml\n  sha256: " + std::string(64, 'a') +
                               "\nindexes: []\npackages: []\nfiles: []\n";

}  // namespace

TEST_CASE("yaml document: a good document has no problems, an empty one is null") {
    CHECK(problems_of("a: 1\nb: [x, 'y']\nc: {d: \"e\"}\n...\n").empty());
    CHECK(problems_of("a: &x [1]\nb: *x\n").empty());
    const YamlDocument empty = load_yaml_document("", "the test");
    CHECK(empty.problems.empty());
    CHECK(empty.root.IsNull());
}

TEST_CASE("yaml document: a second document is refused, after --- or ...") {
    CHECK_THAT(problems_of("a: 1\n---\nb: 2\n"),
               TDX_CONTAINS("t.yaml:2:1: a second YAML document") && TDX_CONTAINS("the test must be exactly one document"));
    CHECK_THAT(problems_of("a: 1\n...\nb: 2\n"), TDX_CONTAINS("a second YAML document"));
}

TEST_CASE("yaml document: explicit tags are refused, each at its place") {
    const std::string p = problems_of("a: !!int \"5\"\nb: !custom x\nc: !!str 7\n");
    CHECK_THAT(p, TDX_CONTAINS("t.yaml:1:4: YAML tag 'tag:yaml.org,2002:int'"));
    CHECK_THAT(p, TDX_CONTAINS("t.yaml:2:4: YAML tag '!custom'"));
    CHECK_THAT(p, TDX_CONTAINS("t.yaml:3:4: YAML tag 'tag:yaml.org,2002:str'"));
}

TEST_CASE("yaml document: a key given twice is refused, also in nested mappings") {
    CHECK_THAT(problems_of("a: 1\nb: 2\na: 3\n"), TDX_CONTAINS("t.yaml:3:1: duplicate key 'a' (first given at line 1)"));
    CHECK_THAT(problems_of("x:\n  - {k: 1, k: 2}\n"), TDX_CONTAINS("duplicate key 'k'"));
    // A long key (an explicit "? " key: an implicit one ends at 1024
    // characters) is cut in the message.
    const std::string key(5000, 'k');
    const std::string p = problems_of("? " + key + "\n: 1\n? " + key + "\n: 2\n");
    CHECK_THAT(p, TDX_CONTAINS("duplicate key '" + std::string(80, 'k') + "...'"));
    CHECK(p.size() < 300);
}

TEST_CASE("yaml document: many problems are listed up to a bound") {
    std::string text;
    for (int i = 0; i < 500; ++i) text += "k: !!str " + std::to_string(i) + "\n";
    CHECK(load_yaml_document(text, "the test").problems.size() == 50);
}

TEST_CASE("lockfile: a key twice, a second document and tags are refused") {
    CHECK_NOTHROW(parse_lockfile(kEmptyLock, "x.lock"));
    CHECK_THROWS_WITH(parse_lockfile(kEmptyLock + "files: []\n", "x.lock"),
                      TDX_CONTAINS("x.lock:8:1: duplicate key 'files' (first given at line 7)"));
    CHECK_THROWS_WITH(parse_lockfile(kEmptyLock + "---\nschema: other\n", "x.lock"),
                      TDX_CONTAINS("x.lock:8:1: a second YAML document") && TDX_CONTAINS("the lockfile must be exactly one document"));
    std::string tagged = kEmptyLock;
    tagged.replace(tagged.find("indexes: []"), 11, "indexes: !!seq []");
    CHECK_THROWS_WITH(parse_lockfile(tagged, "x.lock"), TDX_CONTAINS("x.lock:5:10: YAML tag 'tag:yaml.org,2002:seq'"));
}

TEST_CASE("yaml document: aliases of a long value may not multiply the document's bytes (the recipe fuzzer's out-of-memory)") {
    // 2000 uses of one 8 KB string: 16 MB of values from a 30 KB text, within
    // the node bound; a recipe reader copied each use (970 MB resident for
    // 60000 uses).
    std::string text = "base: &b \"" + std::string(8000, 'x') + "\"\nlist:\n";
    for (int i = 0; i < 2000; ++i) text += "  - *b\n";
    CHECK_THAT(problems_of(text),
               TDX_CONTAINS("t.yaml:") && TDX_CONTAINS("bytes of values") && TDX_CONTAINS("aliases are expanded at every use"));
    // A few uses of a shared value, and a long document without aliases, are fine.
    std::string few = "base: &b \"" + std::string(8000, 'x') + "\"\nlist: [*b, *b, *b]\n";
    CHECK(problems_of(few).empty());
    CHECK(problems_of("long: \"" + std::string(3 << 20, 'y') + "\"\n").empty());
}
