// UTF-8 validity, for text that ends up in JSON (nlohmann refuses to write
// invalid UTF-8 and throws a type_error naming nothing) or in messages.
#pragma once

#include <cstddef>
#include <string_view>

namespace tdx::builder {

// The offset of the first byte that does not start a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), or std::string_view::npos when all of `text` is UTF-8.
std::size_t first_invalid_utf8(std::string_view text);

}  // namespace tdx::builder
