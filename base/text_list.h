// Names listed in a message: "a, b, c". One owner, so every message that
// lists choices (commands, recipe keys, shipped recipes, registers) reads alike.
#pragma once

#include <string>
#include <vector>

namespace tdx {

// The items separated by ", " ("" for none).
std::string comma_list(const std::vector<std::string>& items);

}  // namespace tdx
