#include "base/shell_quote.h"

#include "base/error.h"

namespace tdx::builder {

std::string shell_quote(std::string_view text, const std::string& what) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\0') fail(what + ": contains a NUL byte, which a shell script cannot carry");
        if (c == '\'') out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

bool is_shell_name(std::string_view text) {
    if (text.empty()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

}  // namespace tdx::builder
