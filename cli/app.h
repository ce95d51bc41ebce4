// Entry point of the command line: builds the CLI11 command tree, runs the
// chosen command and turns every tdx::Error into one line on stderr and exit
// status 2. Exit statuses: 0 success, 1 checked and found different (comparing
// commands), 2 trouble (usage error, bad input, I/O failure).
#pragma once

namespace tdx::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDifferent = 1;
inline constexpr int kExitTrouble = 2;

int run_main(int argc, char** argv);

}  // namespace tdx::cli
