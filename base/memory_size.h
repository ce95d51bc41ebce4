// Memory sizes as QEMU's -m writes them: a number with an optional K, M, G or
// T suffix (and an optional "iB"/"B"), MiB when there is none. One parser for
// the command line and the recipes, so "2G" means the same in both.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tdx {

// Bytes, or nullopt for text that is not a size, zero, or too large.
std::optional<std::uint64_t> parse_qemu_memory_size(std::string_view text);

}  // namespace tdx
