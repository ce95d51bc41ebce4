#include "builder/apt/deb_version.h"

#include <cctype>

#include "base/error.h"

namespace tdx::builder {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// dpkg's weight of one non-digit character: '~' sorts before the end of the
// string, letters before everything else, other characters after letters.
int char_order(char c) {
    if (is_digit(c)) return 0;
    if (is_alpha(c)) return c;
    if (c == '~') return -1;
    if (c) return c + 256;
    return 0;
}

// Compares one upstream or revision part in dpkg's alternating
// non-digit/digit runs.
int compare_part(std::string_view a, std::string_view b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        int first_diff = 0;
        while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
            int ac = i < a.size() ? char_order(a[i]) : 0;
            int bc = j < b.size() ? char_order(b[j]) : 0;
            if (ac != bc) return ac - bc;
            ++i;
            ++j;
        }
        while (i < a.size() && a[i] == '0') ++i;
        while (j < b.size() && b[j] == '0') ++j;
        while (i < a.size() && is_digit(a[i]) && j < b.size() && is_digit(b[j])) {
            if (!first_diff) first_diff = a[i] - b[j];
            ++i;
            ++j;
        }
        if (i < a.size() && is_digit(a[i])) return 1;
        if (j < b.size() && is_digit(b[j])) return -1;
        if (first_diff) return first_diff;
    }
    return 0;
}

struct Parts {
    std::string_view epoch, upstream, revision;
};

Parts split(std::string_view v) {
    Parts p;
    std::size_t colon = v.find(':');
    if (colon != std::string_view::npos) {
        p.epoch = v.substr(0, colon);
        v.remove_prefix(colon + 1);
    }
    std::size_t dash = v.rfind('-');
    if (dash != std::string_view::npos) {
        p.revision = v.substr(dash + 1);
        v = v.substr(0, dash);
    }
    p.upstream = v;
    return p;
}

// Epochs are compared as numbers; a missing epoch is 0. Leading zeros do not
// matter, and the value is compared without converting so huge epochs cannot
// overflow.
int compare_epoch(std::string_view a, std::string_view b) {
    while (!a.empty() && a.front() == '0') a.remove_prefix(1);
    while (!b.empty() && b.front() == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
    Parts pa = split(a), pb = split(b);
    if (int c = compare_epoch(pa.epoch, pb.epoch)) return c;
    if (int c = compare_part(pa.upstream, pb.upstream)) return c;
    return compare_part(pa.revision, pb.revision);
}

void check_version(std::string_view v, const std::string& where) {
    if (v.empty()) fail(where + ": empty version");
    Parts p = split(v);
    std::size_t colon = v.find(':');
    if (colon != std::string_view::npos) {
        if (p.epoch.empty()) fail(where + ": version \"" + std::string(v) + "\" has an empty epoch");
        for (char c : p.epoch)
            if (!is_digit(c)) fail(where + ": version \"" + std::string(v) + "\" has a non-numeric epoch");
    }
    if (p.upstream.empty()) fail(where + ": version \"" + std::string(v) + "\" has an empty upstream part");
    if (v.find('-') != std::string_view::npos && p.revision.empty()) fail(where + ": version \"" + std::string(v) + "\" has an empty revision");
    for (char c : v.substr(colon == std::string_view::npos ? 0 : colon + 1))
        if (!is_digit(c) && !is_alpha(c) && c != '.' && c != '+' && c != '~' && c != '-' && c != ':')
            fail(where + ": version \"" + std::string(v) + "\" contains the invalid character '" + std::string(1, c) + "'");
}

RelOp parse_relop(std::string_view op, const std::string& where) {
    if (op == "<<") return RelOp::Less;
    if (op == "<=" || op == "<") return RelOp::LessEqual;
    if (op == "=") return RelOp::Equal;
    if (op == ">=" || op == ">") return RelOp::GreaterEqual;
    if (op == ">>") return RelOp::Greater;
    fail(where + ": unknown relation operator \"" + std::string(op) + "\" (expected <<, <=, =, >= or >>)");
}

std::string to_string(RelOp op) {
    switch (op) {
        case RelOp::Any: return "";
        case RelOp::Less: return "<<";
        case RelOp::LessEqual: return "<=";
        case RelOp::Equal: return "=";
        case RelOp::GreaterEqual: return ">=";
        case RelOp::Greater: return ">>";
    }
    return "?";
}

bool version_satisfies(std::string_view version, RelOp op, std::string_view constraint) {
    if (op == RelOp::Any) return true;
    int c = compare_versions(version, constraint);
    switch (op) {
        case RelOp::Less: return c < 0;
        case RelOp::LessEqual: return c <= 0;
        case RelOp::Equal: return c == 0;
        case RelOp::GreaterEqual: return c >= 0;
        case RelOp::Greater: return c > 0;
        case RelOp::Any: break;
    }
    return true;
}

std::string to_string(const DepAtom& atom) {
    std::string s = atom.name;
    if (!atom.arch_qualifier.empty()) s += ":" + atom.arch_qualifier;
    if (atom.op != RelOp::Any) s += " (" + to_string(atom.op) + " " + atom.version + ")";
    return s;
}

std::string to_string(const DepGroup& group) {
    std::string s;
    for (const DepAtom& a : group) {
        if (!s.empty()) s += " | ";
        s += to_string(a);
    }
    return s;
}

namespace {

// "[amd64 !i386]": positive lists keep the alternative only for the named
// architectures, negated lists drop it for them (dpkg forbids mixing).
bool arch_list_matches(std::string_view list, const std::string& host_arch, const std::string& where) {
    bool any_positive = false, any_negative = false, matched = false;
    std::size_t pos = 0;
    while (pos < list.size()) {
        std::size_t end = list.find_first_of(" \t\n", pos);
        if (end == std::string_view::npos) end = list.size();
        std::string_view word = list.substr(pos, end - pos);
        pos = end + 1;
        if (word.empty()) continue;
        bool neg = word.front() == '!';
        if (neg) word.remove_prefix(1);
        (neg ? any_negative : any_positive) = true;
        // "any" and "linux-any" style wildcards: this tool only builds for Linux.
        bool hit = word == host_arch || word == "any" || word == "linux-any" || word == "linux-" + host_arch;
        if (hit) matched = true;
    }
    if (any_positive && any_negative) fail(where + ": architecture list [" + std::string(list) + "] mixes negated and plain entries");
    return any_negative ? !matched : matched;
}

// "<!nocheck> <stage1 cross>": true when any <...> term holds with no build
// profile active, i.e. when one term consists only of negated profiles.
bool profiles_match(std::string_view terms) {
    std::size_t pos = 0;
    while ((pos = terms.find('<', pos)) != std::string_view::npos) {
        std::size_t end = terms.find('>', pos);
        std::string_view term = terms.substr(pos + 1, end - pos - 1);
        pos = end + 1;
        bool all_negated = true;
        std::size_t p = 0;
        while (p < term.size()) {
            std::size_t e = term.find_first_of(" \t\n", p);
            if (e == std::string_view::npos) e = term.size();
            std::string_view word = term.substr(p, e - p);
            p = e + 1;
            if (!word.empty() && word.front() != '!') all_negated = false;
        }
        if (all_negated) return true;
    }
    return false;
}

bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '-' || c == '.' || c == '_';
}

// Parses one alternative; returns false when an architecture or profile
// restriction removes it for this build.
bool parse_atom(std::string_view text, const std::string& host_arch, const std::string& where, DepAtom& out) {
    std::string_view s = trim(text);
    std::string what = where + ": \"" + std::string(s) + "\"";
    std::size_t i = 0;
    while (i < s.size() && (is_name_char(s[i]) || s[i] == ':')) ++i;
    std::string_view name = s.substr(0, i);
    if (name.empty()) fail(what + ": missing package name");
    std::size_t colon = name.find(':');
    if (colon != std::string_view::npos) {
        out.arch_qualifier = std::string(name.substr(colon + 1));
        name = name.substr(0, colon);
        if (name.empty() || out.arch_qualifier.empty()) fail(what + ": malformed architecture qualifier");
    }
    out.name = std::string(name);
    std::string_view rest = trim(s.substr(i));
    if (!rest.empty() && rest.front() == '(') {
        std::size_t close = rest.find(')');
        if (close == std::string_view::npos) fail(what + ": unterminated version relation");
        std::string_view rel = trim(rest.substr(1, close - 1));
        std::size_t op_end = 0;
        while (op_end < rel.size() && (rel[op_end] == '<' || rel[op_end] == '>' || rel[op_end] == '=')) ++op_end;
        out.op = parse_relop(rel.substr(0, op_end), what);
        out.version = std::string(trim(rel.substr(op_end)));
        check_version(out.version, what);
        rest = trim(rest.substr(close + 1));
    }
    bool keep = true;
    if (!rest.empty() && rest.front() == '[') {
        std::size_t close = rest.find(']');
        if (close == std::string_view::npos) fail(what + ": unterminated architecture list");
        keep = arch_list_matches(rest.substr(1, close - 1), host_arch, what);
        rest = trim(rest.substr(close + 1));
    }
    if (!rest.empty() && rest.front() == '<') {
        if (rest.back() != '>') fail(what + ": unterminated build-profile restriction");
        keep = keep && profiles_match(rest);
        rest = {};
    }
    if (!rest.empty()) fail(what + ": unexpected text \"" + std::string(rest) + "\"");
    return keep;
}

}  // namespace

std::vector<DepGroup> parse_relations(std::string_view field, const std::string& host_arch, const std::string& where) {
    std::vector<DepGroup> groups;
    std::size_t pos = 0;
    while (pos <= field.size()) {
        std::size_t comma = field.find(',', pos);
        if (comma == std::string_view::npos) comma = field.size();
        std::string_view group_text = trim(field.substr(pos, comma - pos));
        pos = comma + 1;
        if (group_text.empty()) {
            // dpkg tolerates a trailing comma; an empty group elsewhere is an error.
            if (pos > field.size()) break;
            fail(where + ": empty dependency between commas in \"" + std::string(trim(field)) + "\"");
        }
        DepGroup group;
        bool had_alternatives = false;
        std::size_t apos = 0;
        while (apos <= group_text.size()) {
            std::size_t bar = group_text.find('|', apos);
            if (bar == std::string_view::npos) bar = group_text.size();
            DepAtom atom;
            had_alternatives = true;
            if (parse_atom(group_text.substr(apos, bar - apos), host_arch, where, atom)) group.push_back(std::move(atom));
            apos = bar + 1;
        }
        if (had_alternatives && !group.empty()) groups.push_back(std::move(group));
    }
    return groups;
}

}  // namespace tdx::builder
