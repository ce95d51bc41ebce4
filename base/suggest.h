// "Did you mean": the closest of a set of known names to a word someone
// typed (a recipe key, a kernel module, a subcommand, a shipped recipe).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace tdx {

// Levenshtein distance: insertions, deletions and substitutions, one each.
std::size_t edit_distance(const std::string& a, const std::string& b);

// The known name nearest to `word` when it is at most `max_distance` edits
// away (the first of equally near ones), else "".
std::string closest_name(const std::string& word, const std::vector<std::string>& known, std::size_t max_distance = 2);

}  // namespace tdx
