#include "builder/recipe_tree.h"

#include "builder/yaml_bounds.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <tuple>
#include <sstream>

#include "measure/base/error.h"

namespace tdx::builder {
namespace {

// More than this many errors usually means one mistake repeated (a wrong
// indentation level); the rest would only bury the first.
constexpr std::size_t kMaxErrors = 50;
// The document is within builder/yaml_bounds.h's node and depth bounds
// before it is converted, so the recursive walk below is bounded too.

std::string source_line(const std::string& file, int line) {
    std::ifstream in(file);
    std::string text;
    for (int i = 0; i < line && std::getline(in, text); ++i) {
    }
    return in ? text : std::string();
}

SourceMark mark_of(const YAML::Mark& m, const std::string& file) {
    if (m.is_null()) return {file, 0, 0};
    return {file, m.line + 1, m.column + 1};
}

TreeNode convert(const YAML::Node& node, const std::string& file, ErrorList& errors) {
    TreeNode out;
    out.mark = mark_of(node.Mark(), file);
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            out.kind = TreeNode::Kind::Null;
            break;
        case YAML::NodeType::Scalar:
            out.kind = TreeNode::Kind::Scalar;
            out.scalar = node.Scalar();
            // yaml-cpp tags a quoted (non-plain) scalar "!" and a plain one "?".
            out.quoted = node.Tag() == "!";
            break;
        case YAML::NodeType::Sequence:
            out.kind = TreeNode::Kind::Seq;
            for (const YAML::Node& item : node) out.items.push_back(convert(item, file, errors));
            break;
        case YAML::NodeType::Map:
            out.kind = TreeNode::Kind::Map;
            for (auto it = node.begin(); it != node.end(); ++it) {
                SourceMark key_mark = mark_of(it->first.Mark(), file);
                if (!it->first.IsScalar()) {
                    errors.add(key_mark, "a key must be a plain name, not a list or a mapping");
                    continue;
                }
                const std::string key = it->first.Scalar();
                // yaml-cpp accepts a repeated key silently and returns the
                // first value on lookup; a recipe would then not mean what it says.
                if (const TreeEntry* prev = [&]() -> const TreeEntry* {
                        for (const TreeEntry& e : out.entries)
                            if (e.key == key) return &e;
                        return nullptr;
                    }()) {
                    errors.add(key_mark, "duplicate key '" + key + "' (first given at line " + std::to_string(prev->key_mark.line) + ")");
                    continue;
                }
                out.entries.push_back({key, key_mark, convert(it->second, file, errors)});
            }
            break;
    }
    return out;
}

}  // namespace

std::string SourceMark::str() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void ErrorList::add(const SourceMark& at, const std::string& what) {
    if (errors_.size() >= kMaxErrors) {
        truncated_ = true;
        return;
    }
    std::string msg = at.str() + ": " + what;
    if (at.line > 0) {
        const std::string text = source_line(at.file, at.line);
        if (!text.empty()) {
            // Tabs keep their width in the caret line so the caret stays under the column.
            std::string caret;
            for (int i = 0; i + 1 < at.column && static_cast<std::size_t>(i) < text.size(); ++i) caret += text[static_cast<std::size_t>(i)] == '\t' ? '\t' : ' ';
            msg += "\n    " + text + "\n    " + caret + "^";
        }
    }
    errors_.push_back({at, std::move(msg)});
}

void ErrorList::throw_if_any() const {
    if (errors_.empty()) return;
    std::vector<std::string> files;
    auto rank = [&](const std::string& f) {
        auto it = std::find(files.begin(), files.end(), f);
        return static_cast<std::size_t>(it - files.begin());
    };
    for (const Entry& e : errors_)
        if (std::find(files.begin(), files.end(), e.at.file) == files.end()) files.push_back(e.at.file);
    std::vector<Entry> sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Entry& a, const Entry& b) {
        return std::make_tuple(rank(a.at.file), a.at.line, a.at.column) < std::make_tuple(rank(b.at.file), b.at.line, b.at.column);
    });
    std::string all;
    for (const Entry& e : sorted) all += (all.empty() ? "" : "\n") + e.text;
    if (truncated_) all += "\n(more errors not shown)";
    fail(all, ErrorKind::BadInput);
}

const TreeNode* TreeNode::find(std::string_view key) const {
    for (const TreeEntry& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

std::string TreeNode::kind_name() const {
    switch (kind) {
        case Kind::Null: return "null";
        case Kind::Scalar: return quoted ? "a string" : "'" + scalar + "'";
        case Kind::Map: return "a mapping";
        case Kind::Seq: return "a list";
    }
    return "?";
}

TreeNode parse_tree(const std::string& text, const std::string& file, ErrorList& errors) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        errors.add(mark_of(e.mark, file), "YAML syntax: " + e.msg);
        return TreeNode{TreeNode::Kind::Null, {}, false, {}, {}, {file, 1, 1}};
    }
    if (const std::optional<YamlBoundsProblem> p = check_yaml_bounds(root, "the recipe")) {
        errors.add(mark_of(p->mark, file), p->message);
        return TreeNode{TreeNode::Kind::Null, {}, false, {}, {}, {file, 1, 1}};
    }
    TreeNode tree = convert(root, file, errors);
    if (tree.mark.line <= 0) tree.mark = {file, 1, 1};
    return tree;
}

TreeNode load_tree(const std::filesystem::path& path, ErrorList& errors) {
    // A directory opens as a stream of nothing, which would read as an empty
    // recipe ("found null"); say what it is instead, and why a file is not there.
    std::error_code ec;
    const std::filesystem::file_status st = std::filesystem::status(path, ec);
    if (ec) fail(path.string() + ": cannot read the recipe: " + ec.message(), ErrorKind::Io);
    if (std::filesystem::is_directory(st)) fail(path.string() + ": is a directory, not a recipe file", ErrorKind::Io);
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path.string() + ": cannot read the recipe: " + std::strerror(errno), ErrorKind::Io);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail(path.string() + ": cannot read the recipe: " + std::strerror(errno), ErrorKind::Io);
    return parse_tree(text.str(), path.string(), errors);
}

}  // namespace tdx::builder
