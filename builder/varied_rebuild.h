// A second run of a command under another environment, for `build --twice`:
// what a reproducibility job on a different machine would vary, varied here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builder/build_pipeline.h"

namespace tdx::builder {

// What the second run gets instead of ours: the working directory `cwd`,
// umask 077, TZ=Asia/Kolkata (UTC+05:30), LC_ALL=C.UTF-8, and one CPU (so
// every thread pool shrinks to one thread).
inline constexpr char kVariedEnvironment[] = "another directory, umask 077, TZ=Asia/Kolkata, LC_ALL=C.UTF-8, one CPU";

// Runs `argv` (argv[0] is the program) in the varied environment and returns
// its exit status (128 + signal when killed). Throws tdx::Error (Io) when it
// cannot be started.
int run_varied(const std::vector<std::string>& argv, const std::filesystem::path& cwd);

// The command line of `build --twice`'s second build: `program` building the
// same request from its lock (--locked, --quiet), every path made absolute,
// into `out`, with the first run's `limit_args` (--limit NAME=VALUE values).
std::vector<std::string> rebuild_argv(const BuildRequest& first, const std::filesystem::path& program, const std::string& out,
                                      const std::vector<std::string>& limit_args);

// The names (relative paths, sorted) of the regular files that exist in only
// one of two directory trees or whose bytes differ.
std::vector<std::string> differing_files(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace tdx::builder
