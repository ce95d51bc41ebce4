// A recipe's YAML as a plain tree in which every node remembers the file,
// line and column it came from. yaml-cpp's own marks carry no file name, and
// a recipe that extends another mixes nodes from several files; keeping the
// origin on each node lets every later check, including those that run after
// the merge, name the file that held the offending value.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tdx::builder {

struct SourceMark {
    std::string file;
    int line = 0;    // 1-based; 0 when the whole file is meant
    int column = 0;  // 1-based
    std::string str() const;  // "file:line:column"
};

// Recipe checks report every problem they find, not only the first, so a
// user fixes a recipe in one round. throw_if_any() turns the list into one
// tdx::Error (BadInput), each entry "file:line:col: what" followed by the
// offending source line and a caret under the column, in file order (files
// in the order first seen, then by line and column).
class ErrorList {
public:
    void add(const SourceMark& at, const std::string& what);
    bool empty() const { return errors_.empty(); }
    std::size_t size() const { return errors_.size(); }
    void throw_if_any() const;

private:
    struct Entry {
        SourceMark at;
        std::string text;
    };
    std::vector<Entry> errors_;
    bool truncated_ = false;
};

struct TreeEntry;

struct TreeNode {
    enum class Kind { Null, Scalar, Map, Seq };
    Kind kind = Kind::Null;
    std::string scalar;              // Scalar
    bool quoted = false;             // Scalar written in quotes (never a number or a null)
    std::vector<TreeEntry> entries;  // Map, in document order, keys unique
    std::vector<TreeNode> items;     // Seq
    SourceMark mark;

    const TreeNode* find(std::string_view key) const;  // Map only; nullptr when absent
    // "a mapping", "a list", "a string", "null" — for "expected X, found Y".
    std::string kind_name() const;
};

struct TreeEntry {
    std::string key;
    SourceMark key_mark;
    TreeNode value;
};

// Parses YAML text; syntax errors, non-scalar keys and duplicate keys are
// added to `errors` (naming `file`), and the returned tree then is partial.
TreeNode parse_tree(const std::string& text, const std::string& file, ErrorList& errors);

// Reads and parses `path`; a file that cannot be read is an error (Io).
TreeNode load_tree(const std::filesystem::path& path, ErrorList& errors);

}  // namespace tdx::builder
