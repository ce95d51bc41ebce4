#include "cli/args.h"

#include <cctype>

#include "measure/base/error.h"

namespace tdx::cli {

std::uint64_t parse_memory_size(const std::string& text, const std::string& flag) {
    auto bad = [&]() -> std::uint64_t {
        fail(flag + ": '" + text + "' is not a memory size (examples: 512M, 2G, 2048 = MiB as in QEMU's -m)", ErrorKind::Usage);
    };
    std::size_t i = 0;
    std::uint64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (__builtin_mul_overflow(n, 10u, &n) || __builtin_add_overflow(n, static_cast<std::uint64_t>(text[i] - '0'), &n)) return bad();
        ++i;
    }
    if (i == 0) return bad();
    std::uint64_t unit = 1ull << 20;  // QEMU's -m default unit is MiB
    if (i < text.size()) {
        switch (std::toupper(static_cast<unsigned char>(text[i]))) {
            case 'K': unit = 1ull << 10; break;
            case 'M': unit = 1ull << 20; break;
            case 'G': unit = 1ull << 30; break;
            case 'T': unit = 1ull << 40; break;
            default: return bad();
        }
        ++i;
        if (i < text.size() && (text[i] == 'i' || text[i] == 'I')) ++i;
        if (i < text.size() && (text[i] == 'b' || text[i] == 'B')) ++i;
    }
    if (i != text.size()) return bad();
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(n, unit, &bytes) || bytes == 0) return bad();
    return bytes;
}

}  // namespace tdx::cli
