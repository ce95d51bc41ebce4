#include "builder/apt/deb822.h"

#include <strings.h>

#include "base/error.h"

namespace tdx::builder {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool same_name(std::string_view a, std::string_view b) { return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0; }

}  // namespace

const Deb822Field* Deb822Stanza::find(std::string_view name) const {
    for (const Deb822Field& f : fields)
        if (same_name(f.name, name)) return &f;
    return nullptr;
}

std::string Deb822Stanza::get(std::string_view name) const {
    const Deb822Field* f = find(name);
    return f ? f->value : std::string();
}

std::string deb822_where(const std::string& source, std::size_t line) { return source + ":" + std::to_string(line); }

void for_each_deb822_stanza(std::string_view text, const std::string& source, const std::function<void(const Deb822Stanza&)>& fn) {
    Deb822Stanza stanza;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    auto flush = [&] {
        if (!stanza.fields.empty()) fn(stanza);
        stanza.fields.clear();
        stanza.line = 0;
    };
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (trim(line).empty()) {
            flush();
            continue;
        }
        if (line.front() == '#') continue;
        if (is_blank(line.front())) {
            if (stanza.fields.empty()) fail(deb822_where(source, line_no) + ": continuation line before any field");
            std::string& value = stanza.fields.back().value;
            value += '\n';
            value += trim(line);
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            fail(deb822_where(source, line_no) + ": expected \"Name: value\", got \"" + std::string(line.substr(0, 80)) + "\"");
        std::string_view name = line.substr(0, colon);
        if (name.empty() || name.find_first_of(" \t") != std::string_view::npos)
            fail(deb822_where(source, line_no) + ": invalid field name \"" + std::string(name) + "\"");
        if (stanza.find(name))
            fail(deb822_where(source, line_no) + ": field " + std::string(name) + " given twice in the stanza starting at line " +
                 std::to_string(stanza.line));
        if (stanza.fields.empty()) stanza.line = line_no;
        stanza.fields.push_back(Deb822Field{std::string(name), std::string(trim(line.substr(colon + 1))), line_no});
    }
    flush();
}

std::vector<Deb822Stanza> parse_deb822(std::string_view text, const std::string& source) {
    std::vector<Deb822Stanza> out;
    for_each_deb822_stanza(text, source, [&](const Deb822Stanza& s) { out.push_back(s); });
    return out;
}

}  // namespace tdx::builder
