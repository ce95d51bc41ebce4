// Each subcommand registers its options on the CLI11 tree and the function to
// run once parsing succeeded; app.cc dispatches to the deepest parsed command.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>

namespace tdx::cli {

using Runner = std::function<int()>;
using Runners = std::map<const CLI::App*, Runner>;

void add_measure_command(CLI::App& app, Runners& runners);
void add_inspect_command(CLI::App& app, Runners& runners);
void add_profiles_command(CLI::App& app, Runners& runners);
void add_acpi_command(CLI::App& app, Runners& runners);        // cli/cmd_acpi.cc
void add_eventlog_command(CLI::App& app, Runners& runners);    // cli/cmd_eventlog.cc
void add_recipe_command(CLI::App& app, Runners& runners);      // cli/cmd_recipe.cc
void add_cache_command(CLI::App& app, Runners& runners);       // cli/cmd_cache.cc
void add_lock_command(CLI::App& app, Runners& runners);        // cli/cmd_lock.cc: lock and fetch
void add_build_command(CLI::App& app, Runners& runners);       // cli/cmd_build.cc
void add_diff_command(CLI::App& app, Runners& runners);        // cli/cmd_diff.cc
void add_verify_command(CLI::App& app, Runners& runners);      // cli/cmd_verify.cc
void add_completion_command(CLI::App& app, Runners& runners);  // cli/cmd_completion.cc: completion, man (register last)

}  // namespace tdx::cli
