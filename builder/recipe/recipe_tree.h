// A recipe's YAML as a plain tree in which every node remembers the file,
// line and column it came from. yaml-cpp's own marks carry no file name, and
// a recipe that extends another mixes nodes from several files; keeping the
// origin on each node lets every later check, including those that run after
// the merge, name the file that held the offending value.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tdx::builder {

struct SourceMark {
    std::string file;
    int line = 0;             // 1-based; 0 when the whole file is meant
    int column = 0;           // 1-based
    std::string str() const;  // "file:line:column"
};

// The texts of the files a recipe was read from, by the file name in their
// marks. Errors quote their line from here: re-opening the path could block
// (a FIFO), read something else (a file replaced meanwhile) or read a huge
// file again.
using SourceTexts = std::map<std::string, std::shared_ptr<const std::string>>;

// Recipe checks report every problem they find, not only the first, so a
// user fixes a recipe in one round. throw_if_any() turns the list into one
// tdx::Error (BadInput), each entry "file:line:col: what" followed by the
// offending source line and a caret under the column, in file order (files
// in the order first seen, then by line and column).
//
// The output is bounded whatever the input: at most kMaxErrors entries and
// kMaxErrorBytes in all, each message cut at kMaxMessageBytes, and a long
// source line quoted as kMaxQuoteColumns bytes around the column (a 2 MB
// one-line recipe would otherwise print the whole line for every error).
class ErrorList {
public:
    static constexpr std::size_t kMaxErrors = 50;
    static constexpr std::size_t kMaxErrorBytes = 32 * 1024;
    static constexpr std::size_t kMaxMessageBytes = 400;
    static constexpr std::size_t kMaxQuoteColumns = 120;

    ErrorList() = default;
    explicit ErrorList(SourceTexts texts) : texts_(std::move(texts)) {}

    // Registers the text of `file`, for quoting lines of errors in it.
    void add_source(const std::string& file, std::shared_ptr<const std::string> text) { texts_[file] = std::move(text); }
    const SourceTexts& sources() const { return texts_; }

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
    SourceTexts texts_;
    std::size_t bytes_ = 0;
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

// Parses YAML text (builder/recipe/yaml_document.h: one document, no tags, no key
// twice, bounded); those problems, non-scalar keys, and scalars that are not
// UTF-8 or hold a NUL byte are added to `errors` (naming `file`), and the
// returned tree then is partial. The text is registered with `errors`.
TreeNode parse_tree(const std::string& text, const std::string& file, ErrorList& errors);
TreeNode parse_tree(std::shared_ptr<const std::string> text, const std::string& file, ErrorList& errors);

// Reads `path` under the document-size limit and parses it; a file that
// cannot be read is an error (Io) naming it.
TreeNode load_tree(const std::filesystem::path& path, ErrorList& errors);

}  // namespace tdx::builder
