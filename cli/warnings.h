// The one place warnings reach stderr. Every command collects its warnings
// into one list and prints that list here and puts the same list into its
// JSON, so a machine reading --json sees exactly what a person saw.
#pragma once

#include <string>
#include <vector>

namespace tdx::cli {

// "tdximage: warning: <w>" for each, on stderr.
void print_warnings(const std::vector<std::string>& warnings);

}  // namespace tdx::cli
