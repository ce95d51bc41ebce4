#include "base/memory_size.h"

#include <cctype>

namespace tdx {

std::optional<std::uint64_t> parse_qemu_memory_size(std::string_view text) {
    std::size_t i = 0;
    std::uint64_t n = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
        if (__builtin_mul_overflow(n, 10u, &n) || __builtin_add_overflow(n, static_cast<std::uint64_t>(text[i] - '0'), &n)) return std::nullopt;
    if (i == 0) return std::nullopt;
    std::uint64_t unit = 1ull << 20;  // QEMU's -m default unit is MiB
    if (i < text.size()) {
        switch (std::toupper(static_cast<unsigned char>(text[i]))) {
            case 'K': unit = 1ull << 10; break;
            case 'M': unit = 1ull << 20; break;
            case 'G': unit = 1ull << 30; break;
            case 'T': unit = 1ull << 40; break;
            default: return std::nullopt;
        }
        ++i;
        if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
        if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
    }
    std::uint64_t bytes = 0;
    if (i != text.size() || __builtin_mul_overflow(n, unit, &bytes) || bytes == 0) return std::nullopt;
    return bytes;
}

}  // namespace tdx
