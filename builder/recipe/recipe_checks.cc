#include "builder/recipe/recipe_checks.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/memory_size.h"
#include "builder/recipe/utf8_text.h"

namespace tdx::builder {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool has_space_or_control(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// File paths are joined onto a mirror URL, so a query or fragment would end
// up in the middle of every path fetched.
std::string query_or_fragment(const std::string& url) {
    if (url.find_first_of("?#") == std::string::npos) return "";
    return "'" + url + "' has a ?query or #fragment, which would not survive joining paths onto it; give a plain URL";
}

}  // namespace

std::string check_url(const std::string& url) {
    if (url.empty()) return "empty URL";
    if (has_space_or_control(url)) return "'" + url + "' contains a space or a control character";
    for (const char* scheme : {"https://", "http://"}) {
        if (!starts_with(url, scheme)) continue;
        const std::string rest = url.substr(std::char_traits<char>::length(scheme));
        const std::string host = rest.substr(0, rest.find_first_of("/?#"));
        if (host.empty()) return "'" + url + "' has no host";
        if (host.find('@') != std::string::npos)
            return "'" + url +
                   "' has a user name or password in it; credentials do not belong in a recipe, which is hashed, shared and quoted in messages "
                   "(use a mirror that needs none, or a file:/// copy)";
        return query_or_fragment(url);
    }
    if (starts_with(url, "file://")) {
        if (url.size() <= 7 || url[7] != '/') return "'" + url + "': a file URL needs an absolute path, file:///path";
        return query_or_fragment(url);
    }
    const std::size_t colon = url.find("://");
    if (colon != std::string::npos) return "'" + url + "': scheme '" + url.substr(0, colon) + "' is not one of https, http, file";
    return "'" + url + "' is not a URL (https://, http:// or file:///)";
}

std::string check_sha256(const std::string& text, std::string& out) {
    if (text.size() != 64 || !std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }))
        return "'" + text + "' is not a SHA-256 (64 hex digits)";
    out = text;
    std::transform(out.begin(), out.end(), out.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return "";
}

std::string check_mode(const std::string& text, unsigned& out) {
    if (text.size() < 3 || text.size() > 4 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; }))
        return "'" + text + "' is not an octal file mode such as \"0755\" or \"0644\"";
    unsigned v = 0;
    for (char c : text) v = v * 8 + static_cast<unsigned>(c - '0');
    out = v;
    return "";
}

std::string check_memory_size(const std::string& text, std::uint64_t& out) {
    const std::optional<std::uint64_t> bytes = parse_qemu_memory_size(text);
    if (!bytes) return "'" + text + "' is not a memory size (examples: 512M, 2G, 2048 = MiB as in QEMU's -m)";
    if (text.size() > 1 && text[0] == '0' && is_digit(text[1]))
        return "'" + text + "' has a leading zero; write the size in decimal without one";
    if (*bytes % 4096 != 0) return "'" + text + "' is not a whole number of 4 KiB pages";
    if (*bytes < kMinVmMemory) return "'" + text + "' is less than the 64M a TD needs to boot";
    out = *bytes;
    return "";
}

std::string check_snapshot(const std::string& t) {
    const std::string bad = "'" + t + "' is not a snapshot timestamp YYYYMMDDTHHMMSSZ (UTC), e.g. 20261123T000000Z";
    if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z') return bad;
    for (std::size_t i = 0; i < 15; ++i)
        if (i != 8 && !is_digit(t[i])) return bad;
    auto num = [&](std::size_t pos, std::size_t len) { return std::stoi(t.substr(pos, len)); };
    if (num(0, 4) < 2005 || num(4, 2) < 1 || num(4, 2) > 12 || num(6, 2) < 1 || num(6, 2) > 31 || num(9, 2) > 23 || num(11, 2) > 59 ||
        num(13, 2) > 59)
        return bad;
    return "";
}

std::string check_guest_path(const std::string& text) {
    if (text.empty() || text[0] != '/') return "'" + text + "' is not an absolute path in the guest";
    if (text == "/") return "'/' is the root directory; name a file";
    if (text.size() > 1 && text.back() == '/') return "'" + text + "' ends in '/'; name the file";
    if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
        return "'" + text + "' contains a control character";
    std::size_t start = 1;
    while (start <= text.size()) {
        std::size_t slash = text.find('/', start);
        const std::string part = text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if ((part.empty() || part == "." || part == "..")) return "'" + text + "' has an empty, '.' or '..' part; write the normalised path";
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return "";
}

std::string check_package_name(const std::string& text) {
    if (text.empty()) return "empty package name";
    if (text.find_first_of("=<>~") != std::string::npos)
        return "'" + text + "': version constraints do not belong in a recipe; `tdximage lock` pins exact versions";
    if (has_space_or_control(text) || text.find('/') != std::string::npos || !std::isalnum(static_cast<unsigned char>(text[0])))
        return "'" + text + "' is not a package name";
    return "";
}

std::string check_simple_name(const std::string& text) {
    if (text.empty()) return "empty name";
    if (!std::isalnum(static_cast<unsigned char>(text[0])) || !std::all_of(text.begin(), text.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        }))
        return "'" + text + "' is not a name (letters, digits, '.', '_', '-'; starting with a letter or digit)";
    if (text.size() > kMaxNameBytes) return std::to_string(text.size()) + " bytes; a name has at most " + std::to_string(kMaxNameBytes);
    return "";
}

std::string check_cmdline(const std::string& text) {
    if (text.size() > kMaxCmdlineBytes)
        return std::to_string(text.size()) + " bytes; the x86 kernel takes at most " + std::to_string(kMaxCmdlineBytes);
    if (const std::size_t bad = first_invalid_utf8(text); bad != std::string::npos)
        return "byte " + std::to_string(bad) + " is not UTF-8; the command line is measured byte for byte and reported as JSON text";
    if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return "contains a newline or another control character; the command line is measured byte for byte";
    return "";
}

std::string check_interface_name(const std::string& name) {
    bool ok = !name.empty() && name.size() < 16 && name != "." && name != "..";
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
    return ok ? "" : "'" + name + "' is not a network interface name (1-15 letters, digits, _ . -)";
}

std::string check_ip_address(const std::string& s, bool prefix) {
    const std::string bad = "'" + s + "' is not an IP address" + (prefix ? " with a /prefix (e.g. 10.0.2.15/24)" : "");
    const std::size_t slash = s.find('/');
    if (s.empty()) return prefix ? "required (e.g. 10.0.2.15/24)" : bad;
    if (prefix && slash == std::string::npos) return "'" + s + "' has no /prefix (e.g. 10.0.2.15/24)";
    if (!prefix && slash != std::string::npos) return bad;
    if (slash != std::string::npos) {
        if (slash + 1 == s.size() || slash + 4 < s.size()) return bad;
        for (std::size_t i = slash + 1; i < s.size(); ++i)
            if (!is_digit(s[i])) return bad;
    }
    bool sep = false;
    for (char c : s.substr(0, slash)) {
        if (c == '.' || c == ':') sep = true;
        else if (!std::isxdigit(static_cast<unsigned char>(c)))
            return bad;
    }
    return sep ? "" : bad;
}

}  // namespace tdx::builder
