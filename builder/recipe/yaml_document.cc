#include "builder/recipe/yaml_document.h"

#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>

namespace tdx::builder {
namespace {

// Tags and duplicates are all reported, up to this many: more means one
// mistake repeated, and the list would only bury the first.
constexpr std::size_t kMaxYamlProblems = 50;
// A key quoted in a message is cut here; the mark says where the rest is.
constexpr std::size_t kMaxKeyShown = 80;

std::string shown(const std::string& key) {
    if (key.size() <= kMaxKeyShown) return "'" + key + "'";
    std::size_t cut = kMaxKeyShown;
    while (cut > 0 && (static_cast<unsigned char>(key[cut]) & 0xc0) == 0x80) --cut;  // not inside a UTF-8 sequence
    return "'" + key.substr(0, cut) + "...'";
}

// yaml-cpp gives a node without a tag in the text "?" (plain) or "!"
// (quoted), a null without text ""; anything else was written by the author.
bool has_explicit_tag(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    return !tag.empty() && tag != "?" && tag != "!";
}

// Only counts documents and notes where each starts. YAML::LoadAll would
// build them all first, and yaml-cpp finds a new empty document at each of a
// run of '&': 125 bytes made millions of documents (the recipe fuzzer's
// out-of-memory). Two are all the check needs.
class DocumentCounter : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;
    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

}  // namespace

YamlDocument load_yaml_document(const std::string& text, const std::string& what) {
    YamlDocument doc;
    DocumentCounter counter;
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        while (counter.starts.size() < 2 && parser.HandleNextDocument(counter)) {
        }
        doc.root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        doc.problems.push_back({e.mark, "not valid YAML syntax: " + e.msg});
        doc.root = YAML::Node();
        return doc;
    }
    if (counter.starts.size() > 1) {
        doc.problems.push_back({counter.starts[1], "a second YAML document (after '---' or '...'); " + what + " must be exactly one document"});
        return doc;
    }
    auto add = [&](const YAML::Mark& at, std::string message) {
        if (doc.problems.size() < kMaxYamlProblems) doc.problems.push_back({at, std::move(message)});
    };
    std::vector<std::pair<YAML::Node, std::size_t>> pending{{doc.root, 0}};
    std::size_t visited = 0;
    // Without aliases the values' bytes are at most the text's; aliases may
    // add a little (a shared default, a repeated list), not a multiple.
    const std::size_t max_value_bytes = text.size() + kMaxYamlAliasedBytes;
    std::size_t value_bytes = 0;
    while (!pending.empty()) {
        const auto [node, depth] = pending.back();
        pending.pop_back();
        if (++visited > kMaxYamlNodes) {
            doc.problems = {{node.Mark(), what + " expands to more than " + std::to_string(kMaxYamlNodes) +
                                              " YAML nodes (aliases are expanded at every use); refusing it"}};
            return doc;
        }
        if (depth > kMaxYamlDepth) {
            doc.problems = {{node.Mark(), "values nested more than " + std::to_string(kMaxYamlDepth) + " levels deep; refusing " + what}};
            return doc;
        }
        if (node.IsScalar() && (value_bytes += node.Scalar().size()) > max_value_bytes) {
            doc.problems = {{node.Mark(), what + " expands to more than " + std::to_string(max_value_bytes) +
                                              " bytes of values (its own size plus " + std::to_string(kMaxYamlAliasedBytes) +
                                              "; aliases are expanded at every use); refusing it"}};
            return doc;
        }
        if (has_explicit_tag(node))
            add(node.Mark(), "YAML tag '" + node.Tag() + "': " + what + " takes plain values (a tag would change what the text means)");
        if (node.IsSequence()) {
            for (const YAML::Node& item : node) pending.emplace_back(item, depth + 1);
        } else if (node.IsMap()) {
            // One hash per mapping keeps a mapping of 80000 keys linear.
            std::unordered_map<std::string, YAML::Mark> keys;
            for (auto it = node.begin(); it != node.end(); ++it) {
                if (it->first.IsScalar()) {
                    const auto [first, fresh] = keys.emplace(it->first.Scalar(), it->first.Mark());
                    if (!fresh)
                        add(it->first.Mark(), "duplicate key " + shown(it->first.Scalar()) + " (first given at line " +
                                                  std::to_string(first->second.line + 1) + ")");
                }
                pending.emplace_back(it->first, depth + 1);
                pending.emplace_back(it->second, depth + 1);
            }
        }
    }
    return doc;
}

std::string yaml_problems_text(const std::vector<YamlProblem>& problems, const std::string& file) {
    std::string out;
    for (const YamlProblem& p : problems) {
        if (!out.empty()) out += "\n";
        out += file;
        if (!p.mark.is_null()) out += ":" + std::to_string(p.mark.line + 1) + ":" + std::to_string(p.mark.column + 1);
        out += ": " + p.message;
    }
    return out;
}

}  // namespace tdx::builder
