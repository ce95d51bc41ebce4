// Debian control-file syntax (deb822): the Packages and Release indexes are
// sequences of stanzas separated by blank lines, each a list of
// "Name: value" fields whose value may continue on lines starting with a
// space or tab. Every field keeps its line number so a later parser (a bad
// version, a malformed dependency) can name file:line in its error.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tdx::builder {

struct Deb822Field {
    std::string name;
    // The first line with surrounding blanks removed; each continuation line
    // is appended after '\n' with its leading blanks removed, so multi-line
    // fields (SHA256 lists, Description) keep their line structure and folded
    // single-value fields (Depends) can be unfolded by the caller.
    std::string value;
    std::size_t line = 0;  // 1-based line of "Name:"
};

struct Deb822Stanza {
    std::size_t line = 0;  // 1-based line of the first field
    std::vector<Deb822Field> fields;

    // Field names compare case-insensitively, as in dpkg and apt.
    const Deb822Field* find(std::string_view name) const;
    // The value, or "" when the field is absent.
    std::string get(std::string_view name) const;
};

// Calls `fn` for every stanza of `text`, in order. `source` (file name or URL)
// prefixes every error as "source:line: what is wrong". Lines starting with
// '#' are comments. Throws tdx::Error for a line that is neither a field nor a
// continuation, a continuation before any field, an empty field name, or a
// field given twice in one stanza.
void for_each_deb822_stanza(std::string_view text, const std::string& source, const std::function<void(const Deb822Stanza&)>& fn);

std::vector<Deb822Stanza> parse_deb822(std::string_view text, const std::string& source);

// "source:line" for messages about one field or stanza.
std::string deb822_where(const std::string& source, std::size_t line);

}  // namespace tdx::builder
