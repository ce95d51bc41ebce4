// Parsers for argument values that CLI11 cannot validate on its own.
#pragma once

#include <cstdint>
#include <string>

namespace tdx::cli {

// "2G", "512M", "2048" (MiB, as QEMU's -m), "4096K", "1T"; throws tdx::Error
// (Usage) naming the flag for anything else.
std::uint64_t parse_memory_size(const std::string& text, const std::string& flag);

}  // namespace tdx::cli
