#include "measure/event_text.h"

#include <array>
#include <cstdint>
#include <utility>

#include "base/digest.h"

namespace tdx {
namespace {

void append_escaped_byte(std::string& out, std::uint8_t b) { append_hex_escape(out, b); }

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Length of the valid UTF-8 sequence starting at data[i], or 0. Overlong
// forms, surrogates and code points above U+10FFFF are invalid.
std::size_t utf8_sequence_length(Bytes data, std::size_t i) {
    const std::uint8_t b0 = data[i];
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        cp = b0 & 0x0Fu;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        cp = b0 & 0x07u;
    } else
        return 0;
    if (data.size() - i < len) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const std::uint8_t b = data[i + k];
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    return len;
}

Bytes without_trailing_nuls(Bytes data) {
    std::size_t n = data.size();
    while (n > 0 && data[n - 1] == 0) --n;
    return data.first(n);
}

}  // namespace

std::string bytes_as_text(Bytes data) {
    Bytes d = without_trailing_nuls(data);
    std::string out;
    out.reserve(d.size());
    for (std::size_t i = 0; i < d.size();) {
        const std::uint8_t b = d[i];
        if (b != 0 && b < 0x80) {
            out += static_cast<char>(b);
            ++i;
            continue;
        }
        const std::size_t len = b == 0 ? 0 : utf8_sequence_length(d, i);
        if (len == 0) {
            append_escaped_byte(out, b);
            ++i;
            continue;
        }
        for (std::size_t k = 0; k < len; ++k) out += static_cast<char>(d[i + k]);
        i += len;
    }
    return out;
}

std::string utf16le_as_text(Bytes data) {
    std::string out;
    const std::size_t units = data.size() / 2;
    for (std::size_t i = 0; i < units; ++i) {
        const std::uint32_t u = load_le16(data, 2 * i, "UTF-16 code unit");
        if (u == 0) break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            const std::uint32_t lo = load_le16(data, 2 * (i + 1), "UTF-16 code unit");
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                ++i;
                continue;
            }
        }
        append_utf8(out, (u >= 0xD800 && u <= 0xDFFF) ? 0xFFFDu : u);
    }
    return out;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        const auto b = static_cast<std::uint8_t>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\r') {
            out += "\\r";
        } else if (b < 0x20 || b == 0x7F) {
            append_escaped_byte(out, b);
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string hex_prefix(Bytes data, std::size_t max) {
    std::string out;
    const std::size_t n = data.size() < max ? data.size() : max;
    out = to_hex(data.first(n));
    if (data.size() > n) out += "...";
    return out;
}

bool looks_like_ascii_text(Bytes data) {
    Bytes d = without_trailing_nuls(data);
    if (d.empty()) return false;
    for (std::uint8_t b : d) {
        const bool printable = (b >= 0x20 && b < 0x7F) || b == '\t' || b == '\n' || b == '\r';
        if (!printable) return false;
    }
    return true;
}

ovmf::Guid guid_at(Bytes data) {
    Bytes g = slice(data, 0, 16, "GUID");
    ovmf::Guid out;
    for (std::size_t i = 0; i < 16; ++i) out.bytes[i] = g[i];
    return out;
}

std::string known_guid_name(const ovmf::Guid& guid) {
    static const std::array<std::pair<const char*, const char*>, 16> kNames = {{
        {"8be4df61-93ca-11d2-aa0d-00e098032b8c", "EFI global variable"},
        {"d719b2cb-3d3a-4596-a3bc-dad00e67656f", "image security database"},
        {"605dab50-e046-4300-abb6-3dd810dd8b23", "shim"},
        {"1428f772-b64a-441e-b8c3-9ebdd7f893c7", "QEMU kernel loader"},
        {"5568e427-68fc-4f3d-ac74-ca555231cc68", "Linux initrd media"},
        {"7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1", "OVMF DXE firmware volume"},
        {"462caa21-7614-4503-836e-8ab6f4662331", "UiApp"},
        {"eec25bdc-67f2-4d95-b1d5-f81b2039d11d", "BootManagerMenuApp"},
        {"7c04a583-9e3e-4f1c-ad65-e05268d0b4d1", "EFI shell"},
        {"7739f24c-93d7-11d4-9a3a-0090273fc14d", "HOB list"},
        {"93bb96af-b9f2-4eb8-9462-e0ba74564836", "OvmfPkg token space"},
        {"eb9d2d31-2d88-11d3-9a16-0090273fc14d", "SMBIOS table"},
        {"f2fd1544-9794-4a2c-992e-e5bbcf20e394", "SMBIOS 3 table"},
        {"a5c059a1-94e4-4aa7-87b5-ab155c2bf072", "X.509 certificate"},
        {"c1c41626-504c-4092-aca9-41f936934328", "SHA-256 hash"},
        {"77fa9abd-0359-4d32-bd60-28f4e78f784b", "Microsoft"},
    }};
    const std::string text = guid.to_string();
    for (const auto& [g, name] : kNames) {
        if (text == g) return name;
    }
    return "";
}

}  // namespace tdx
