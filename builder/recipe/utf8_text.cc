#include "builder/recipe/utf8_text.h"

namespace tdx::builder {

std::size_t first_invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        std::size_t len = 0;
        unsigned lo = 0x80, hi = 0xbf;  // the range of the second byte
        if (b < 0x80) len = 1;
        else if (b >= 0xc2 && b <= 0xdf)
            len = 2;
        else if (b >= 0xe0 && b <= 0xef) {
            len = 3;
            if (b == 0xe0) lo = 0xa0;  // overlong below U+0800
            else if (b == 0xed)
                hi = 0x9f;  // surrogates U+D800..DFFF
        } else if (b >= 0xf0 && b <= 0xf4) {
            len = 4;
            if (b == 0xf0) lo = 0x90;  // overlong below U+10000
            else if (b == 0xf4)
                hi = 0x8f;  // above U+10FFFF
        } else {
            return i;
        }
        if (i + len > text.size()) return i;
        for (std::size_t k = 1; k < len; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf)) return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

}  // namespace tdx::builder
