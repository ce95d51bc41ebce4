#include "builder/apk/apk_version.h"

#include <array>
#include <cctype>

#include "base/error.h"

namespace tdx::builder {
namespace {

// Token kinds in apk's precedence: when two versions agree up to a point and
// then continue with tokens of different kinds, the kind listed earlier makes
// the newer version ("1.2.1" > "1.2a" > "1.2_p1" > "1.2-r1" > "1.2"), except
// that a pre-release suffix always makes the older one ("1.2_rc1" < "1.2").
enum class Tok { Digit, Letter, Suffix, SuffixNo, Hash, Revision, End };

struct Token {
    Tok type;
    std::string_view text;
};

// Suffix names in ascending order; the first four are pre-releases.
constexpr std::array<std::string_view, 9> kSuffixes = {"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"};
constexpr int kFirstPostRelease = 4;

int suffix_rank(std::string_view s) {
    for (std::size_t i = 0; i < kSuffixes.size(); ++i)
        if (kSuffixes[i] == s) return static_cast<int>(i);
    return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// Splits `v` into tokens ending with End; returns false when `v` does not follow the grammar.
bool tokenize(std::string_view v, std::vector<Token>& out) {
    std::size_t i = 0;
    auto take = [&](auto pred) {
        std::size_t start = i;
        while (i < v.size() && pred(v[i])) ++i;
        return v.substr(start, i - start);
    };
    for (;;) {
        std::string_view num = take(is_digit);
        if (num.empty()) return false;
        out.push_back({Tok::Digit, num});
        if (i < v.size() && v[i] == '.') {
            ++i;
            continue;
        }
        break;
    }
    if (i < v.size() && is_lower(v[i])) out.push_back({Tok::Letter, v.substr(i++, 1)});
    while (i < v.size() && v[i] == '_') {
        ++i;
        std::string_view name = take(is_lower);
        if (suffix_rank(name) < 0) return false;
        out.push_back({Tok::Suffix, name});
        std::string_view num = take(is_digit);
        if (!num.empty()) out.push_back({Tok::SuffixNo, num});
    }
    if (i < v.size() && v[i] == '~') {
        ++i;
        std::string_view h = take(is_hex);
        if (h.empty()) return false;
        out.push_back({Tok::Hash, h});
    }
    if (i + 1 < v.size() && v[i] == '-' && v[i + 1] == 'r') {
        i += 2;
        std::string_view num = take(is_digit);
        if (num.empty()) return false;
        out.push_back({Tok::Revision, num});
    }
    if (i != v.size()) return false;
    out.push_back({Tok::End, {}});
    return true;
}

int sign(int x) { return (x > 0) - (x < 0); }

int compare_numbers(std::string_view a, std::string_view b) {
    // Arbitrary length: strip leading zeros, longer is larger, then by digits.
    while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
    while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return sign(a.compare(b));
}

int compare_tokens(const Token& a, const Token& b, bool first_digit) {
    switch (a.type) {
        case Tok::Digit:
            // apk reads a later component with a leading zero as a decimal
            // fraction ("1.01" < "1.1"), which string comparison gives.
            if (!first_digit && (a.text[0] == '0' || b.text[0] == '0')) return sign(a.text.compare(b.text));
            return compare_numbers(a.text, b.text);
        case Tok::Suffix: return sign(suffix_rank(a.text) - suffix_rank(b.text));
        case Tok::SuffixNo:
        case Tok::Revision: return compare_numbers(a.text, b.text);
        // Letters order alphabetically; commit hashes have no order, so they are
        // compared as text only to keep results deterministic.
        case Tok::Letter:
        case Tok::Hash: return sign(a.text.compare(b.text));
        case Tok::End: return 0;
    }
    return 0;
}

bool is_pre_release(const Token& t) { return t.type == Tok::Suffix && suffix_rank(t.text) < kFirstPostRelease; }

std::vector<Token> tokens_or_fail(std::string_view v, std::string_view other) {
    std::vector<Token> t;
    if (!tokenize(v, t)) fail("invalid apk version \"" + std::string(v) + "\" (compared with \"" + std::string(other) + "\")");
    return t;
}

int compare(std::string_view a, std::string_view b, bool fuzzy) {
    std::vector<Token> ta = tokens_or_fail(a, b), tb = tokens_or_fail(b, a);
    std::size_t i = 0;
    for (;; ++i) {
        const Token& x = ta[i];
        const Token& y = tb[i];
        if (fuzzy && y.type == Tok::End) return 0;
        if (x.type != y.type) break;
        if (x.type == Tok::End) return 0;
        int c = compare_tokens(x, y, i == 0);
        if (c != 0) return c;
    }
    const Token& x = ta[i];
    const Token& y = tb[i];
    if (is_pre_release(x)) return -1;
    if (is_pre_release(y)) return 1;
    return x.type < y.type ? 1 : -1;
}

bool is_op_char(char c) { return c == '<' || c == '>' || c == '=' || c == '~'; }

}  // namespace

bool apk_version_valid(std::string_view v) {
    std::vector<Token> t;
    return tokenize(v, t);
}

int apk_version_compare(std::string_view a, std::string_view b) { return compare(a, b, false); }

bool apk_version_matches(std::string_view version, unsigned mask, std::string_view wanted) {
    if (mask == kApkAny) return true;
    int c = compare(version, wanted, (mask & kApkFuzzy) != 0);
    unsigned outcome = c < 0 ? kApkLess : c > 0 ? kApkGreater : kApkEqual;
    return (mask & outcome) != 0;
}

std::string apk_mask_string(unsigned mask) {
    std::string s;
    if (mask & kApkGreater) s += '>';
    if (mask & kApkLess) s += '<';
    if (mask & kApkFuzzy) return s.empty() ? "~" : s + "~";
    if (mask & kApkEqual) s += '=';
    return s;
}

std::string ApkDependency::to_string() const { return (conflict ? "!" : "") + name + (constrained() ? apk_mask_string(mask) + version : ""); }

ApkDependency parse_apk_dependency(std::string_view atom, const std::string& where) {
    std::string text(atom);
    ApkDependency d;
    if (!atom.empty() && atom[0] == '!') {
        d.conflict = true;
        atom.remove_prefix(1);
    }
    std::size_t op = 0;
    while (op < atom.size() && !is_op_char(atom[op])) ++op;
    d.name = std::string(atom.substr(0, op));
    if (d.name.empty()) fail(where + ": dependency \"" + text + "\" has no package name");
    if (d.name.find('@') != std::string::npos)
        fail(where + ": dependency \"" + text + "\" pins a tagged repository (@tag), which is not supported");
    for (char c : d.name)
        if (static_cast<unsigned char>(c) <= ' ') fail(where + ": dependency \"" + text + "\" has a control character in its name");
    if (op == atom.size()) return d;
    std::size_t v = op;
    while (v < atom.size() && is_op_char(atom[v])) {
        switch (atom[v]) {
            case '<': d.mask |= kApkLess; break;
            case '>': d.mask |= kApkGreater; break;
            case '=': d.mask |= kApkEqual; break;
            case '~': d.mask |= kApkFuzzy | kApkEqual; break;
        }
        ++v;
    }
    if ((d.mask & kApkFuzzy) && (d.mask & (kApkLess | kApkGreater))) fail(where + ": dependency \"" + text + "\" combines ~ with < or >");
    d.version = std::string(atom.substr(v));
    if (!apk_version_valid(d.version)) fail(where + ": dependency \"" + text + "\" has an invalid version \"" + d.version + "\"");
    return d;
}

std::vector<ApkDependency> parse_apk_dependencies(std::string_view list, const std::string& where) {
    std::vector<ApkDependency> out;
    std::size_t i = 0;
    while (i < list.size()) {
        while (i < list.size() && (list[i] == ' ' || list[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < list.size() && list[j] != ' ' && list[j] != '\t') ++j;
        if (j > i) out.push_back(parse_apk_dependency(list.substr(i, j - i), where));
        i = j;
    }
    return out;
}

}  // namespace tdx::builder
