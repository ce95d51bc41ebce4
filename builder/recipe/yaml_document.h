// Every YAML document the tool reads (recipes, lockfiles) is loaded here,
// strictly. yaml-cpp on its own accepts things a reader of the file would
// not expect to be ignored: a second document after `---` or `...` (dropped
// by YAML::Load), explicit tags (`!!int "5"`, `!custom x`: the tag is lost
// and the text kept), and a key given twice (the first value wins on lookup,
// silently). Each of those is refused, so the file means what it says.
//
// The size of a document as a walk sees it is bounded too. yaml-cpp keeps an
// alias as one shared node, but every walk visits its target again at each
// use: nine nested anchors of ten aliases each make a 430-byte file of 10^9
// nodes (the recipe fuzzer's alias bomb; a 311 KB lockfile expanded to
// 3.4 GB). The walk below counts every use, and the bytes of every value it
// reaches, without recursion, before anything else walks the tree.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace tdx::builder {

// A real recipe or lock has a few hundred nodes and five levels.
inline constexpr std::size_t kMaxYamlNodes = 100000;
inline constexpr std::size_t kMaxYamlDepth = 64;
// The bytes of all values, every alias use counted, may exceed the text's own
// size by this much: 60000 aliases of one 8 KB string in a 428 KB recipe made
// 480 MB of strings (970 MB resident) within the node bound (recipe fuzzer).
inline constexpr std::size_t kMaxYamlAliasedBytes = 1 << 20;

struct YamlProblem {
    YAML::Mark mark;      // where it is (null for the whole text)
    std::string message;  // "a second YAML document; the recipe must be one document"
};

struct YamlDocument {
    YAML::Node root;                    // Null for an empty text
    std::vector<YamlProblem> problems;  // empty when the document is good
};

// Parses `text` and checks it as above; `what` names it in the messages
// ("the recipe", "the lockfile"). A syntax error or a bound that is hit is
// the only problem reported (the tree is then not walked further); tags and
// duplicate keys are all reported.
YamlDocument load_yaml_document(const std::string& text, const std::string& what);

// "FILE:LINE:COLUMN: message" for each problem, one a line (FILE alone when
// the mark is null), for readers that stop at the first bad document.
std::string yaml_problems_text(const std::vector<YamlProblem>& problems, const std::string& file);

}  // namespace tdx::builder
