#include "builder/recipe/recipe_tree.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/recipe/utf8_text.h"
#include "builder/recipe/yaml_document.h"

namespace tdx::builder {
namespace {

// The document is within builder/recipe/yaml_document.h's node and depth bounds
// before it is converted, so the recursive walk below is bounded too.

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// `text` cut to at most `max` bytes, not inside a UTF-8 sequence, with "..."
// when something was cut.
std::string cut(const std::string& text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t end = max;
    while (end > 0 && is_continuation(text[end])) --end;
    return text.substr(0, end) + "...";
}

// Line `line` (1-based) of `text`, without its line break.
std::string_view line_of(const std::string& text, int line) {
    std::size_t start = 0;
    for (int i = 1; i < line; ++i) {
        const void* nl = std::memchr(text.data() + start, '\n', text.size() - start);
        if (!nl) return {};
        start = static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1;
    }
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start && text[end - 1] == '\r') --end;
    return std::string_view(text).substr(start, end - start);
}

// The quoted line and the caret under `column` (1-based, in bytes as
// yaml-cpp counts them): the whole line when it is short, else
// kMaxQuoteColumns bytes around the column between "...". Control
// characters are shown as '?' so the quote cannot drive the terminal; a
// tab stays a tab in both lines so the caret stays under the column.
std::string quote_line(std::string_view line, int column) {
    const std::size_t width = ErrorList::kMaxQuoteColumns;
    const std::size_t col = std::min(line.size(), static_cast<std::size_t>(std::max(column, 1) - 1));
    std::size_t start = 0, end = line.size();
    if (line.size() > width) {
        start = col > width / 2 ? col - width / 2 : 0;
        end = std::min(line.size(), start + width);
        if (end - start < width) start = end - width;
        while (start < col && is_continuation(line[start])) ++start;
        while (end < line.size() && end > col && is_continuation(line[end])) --end;
    }
    const std::string before = start > 0 ? "..." : "";
    std::string shown = before, caret(before.size(), ' ');
    for (std::size_t i = start; i < end; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        shown += c == '\t' || (c >= 0x20 && c != 0x7f) ? static_cast<char>(c) : '?';
        if (i < col && !is_continuation(line[i])) caret += c == '\t' ? '\t' : ' ';
    }
    if (end < line.size()) shown += "...";
    return "\n    " + shown + "\n    " + caret + "^";
}

SourceMark mark_of(const YAML::Mark& m, const std::string& file) {
    if (m.is_null()) return {file, 0, 0};
    return {file, m.line + 1, m.column + 1};
}

// Nothing a recipe holds (paths, shell words, the command line) can carry
// a NUL byte, and a value that is not UTF-8 cannot be written to JSON.
void check_text(const std::string& s, const SourceMark& at, const char* what, ErrorList& errors) {
    if (s.find('\0') != std::string::npos) errors.add(at, std::string(what) + " contains a NUL byte, which no recipe value can carry");
    else if (const std::size_t bad = first_invalid_utf8(s); bad != std::string::npos)
        errors.add(at, std::string(what) + " is not UTF-8 (byte " + std::to_string(bad) + " of the value); a recipe is UTF-8 text");
}

TreeNode convert(const YAML::Node& node, const std::string& file, ErrorList& errors) {
    TreeNode out;
    out.mark = mark_of(node.Mark(), file);
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null: out.kind = TreeNode::Kind::Null; break;
        case YAML::NodeType::Scalar:
            out.kind = TreeNode::Kind::Scalar;
            out.scalar = node.Scalar();
            // yaml-cpp tags a quoted (non-plain) scalar "!" and a plain one "?".
            out.quoted = node.Tag() == "!";
            check_text(out.scalar, out.mark, "the value", errors);
            break;
        case YAML::NodeType::Sequence:
            out.kind = TreeNode::Kind::Seq;
            for (const YAML::Node& item : node) out.items.push_back(convert(item, file, errors));
            break;
        case YAML::NodeType::Map:
            out.kind = TreeNode::Kind::Map;
            // Duplicate keys were refused by load_yaml_document.
            for (auto it = node.begin(); it != node.end(); ++it) {
                SourceMark key_mark = mark_of(it->first.Mark(), file);
                if (!it->first.IsScalar()) {
                    errors.add(key_mark, "a key must be a plain name, not a list or a mapping");
                    continue;
                }
                check_text(it->first.Scalar(), key_mark, "the key", errors);
                out.entries.push_back({it->first.Scalar(), key_mark, convert(it->second, file, errors)});
            }
            break;
    }
    return out;
}

TreeNode null_tree(const std::string& file) { return TreeNode{TreeNode::Kind::Null, {}, false, {}, {}, {file, 1, 1}}; }

}  // namespace

std::string SourceMark::str() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

void ErrorList::add(const SourceMark& at, const std::string& what) {
    if (errors_.size() >= kMaxErrors || bytes_ >= kMaxErrorBytes) {
        truncated_ = true;
        return;
    }
    std::string msg = at.str() + ": " + cut(what, kMaxMessageBytes);
    if (at.line > 0) {
        const auto text = texts_.find(at.file);
        if (text != texts_.end() && text->second) {
            const std::string_view line = line_of(*text->second, at.line);
            if (!line.empty()) msg += quote_line(line, at.column);
        }
    }
    bytes_ += msg.size() + 1;
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
    return parse_tree(std::make_shared<const std::string>(text), file, errors);
}

TreeNode parse_tree(std::shared_ptr<const std::string> text, const std::string& file, ErrorList& errors) {
    errors.add_source(file, text);
    const YamlDocument doc = load_yaml_document(*text, "the recipe");
    if (!doc.problems.empty()) {
        for (const YamlProblem& p : doc.problems) errors.add(mark_of(p.mark, file), p.message);
        return null_tree(file);
    }
    TreeNode tree = convert(doc.root, file, errors);
    if (tree.mark.line <= 0) tree.mark = {file, 1, 1};
    return tree;
}

TreeNode load_tree(const std::filesystem::path& path, ErrorList& errors) {
    // A directory would read as an empty recipe ("found null"); say what it
    // is instead. read_text_document refuses what is too large by its size
    // before reading, and reads a FIFO without a writer as empty.
    std::error_code ec;
    const std::filesystem::file_status st = std::filesystem::status(path, ec);
    if (ec) fail(path.string() + ": cannot read the recipe: " + ec.message(), ErrorKind::Io);
    if (std::filesystem::is_directory(st)) fail(path.string() + ": is a directory, not a recipe file", ErrorKind::Io);
    return parse_tree(std::make_shared<const std::string>(read_text_document(path)), path.string(), errors);
}

}  // namespace tdx::builder
