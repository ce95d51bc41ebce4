// "12.3 MiB", "512 B": a byte count for people (progress bars, `cache ls`,
// the build summary). Binary units, one decimal.
#pragma once

#include <cstdint>
#include <string>

namespace tdx {

std::string human_size(std::uint64_t bytes);

}  // namespace tdx
