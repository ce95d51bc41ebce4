// Every JSON document the tool reads (a published measurements.json or
// manifest.json, an --expect file, the files `diff` opens) comes from someone
// else, so it is read through one bounded parser: nesting deeper than
// kMaxJsonDepth is refused before parsing (the parser recurses once per
// level, and a few hundred kilobytes of brackets would overflow the stack),
// and an object with a key twice is refused (which of the two a reader takes
// is the reader's choice, so two tools could read two different values).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tdx {

inline constexpr std::size_t kMaxJsonDepth = 64;

// Throws tdx::Error (BadInput) naming `name` and what is wrong: not JSON (with
// the parser's position), nested deeper than kMaxJsonDepth, a duplicate key.
nlohmann::json parse_json_document(std::string_view text, const std::string& name);

// The same without an error, for content sniffing: nullopt when the text is
// not such a document.
std::optional<nlohmann::json> try_parse_json_document(std::string_view text);

}  // namespace tdx
