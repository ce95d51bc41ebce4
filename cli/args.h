// Parsers for argument values that CLI11 cannot validate on its own.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tdx::cli {

// "2G", "512M", "2048" (MiB, as QEMU's -m), "4096K", "1T"; throws tdx::Error
// (Usage) naming the flag for anything else.
std::uint64_t parse_memory_size(const std::string& text, const std::string& flag);

// Names the values an option takes ("per-page|two-pass") as its type, which
// --help and the man page print and the bash completion offers after it.
// Checking a value stays with its parser.
CLI::Option* with_choices(CLI::Option* option, const std::vector<std::string>& values);

}  // namespace tdx::cli
