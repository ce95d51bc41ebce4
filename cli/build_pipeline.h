// `tdximage build` as one call, shared by `build` and `verify`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_manifest.h"
#include "builder/recipe/recipe.h"
#include "measure/measurement.h"

namespace tdx::cli {

struct BuildArgs {
    std::string recipe, lock, cache_dir, out, agent;
    std::vector<std::string> agent_args;
    bool agent_args_given = false;
    bool twice = false;
    bool locked = false, offline = false, quiet = false, json = false;
};

struct BuildOutcome {
    std::filesystem::path out_dir;
    std::string recipe_name;
    std::string kernel_version;
    MeasureReport report;
    std::vector<builder::ManifestOutput> files;  // every output, manifest and SBOM last
    std::string digest;                          // the image digest
    std::vector<std::string> warnings;
    // The registers whose values differ from the previous build in the same
    // output directory ("RTMR1", "RTMR2"); nullopt when there was none (or
    // its measurements.json could not be read).
    std::optional<std::vector<std::string>> changed_since_previous;
};

// The measurement `build` makes of a directory's boot files: the recipe's
// command line, memory and profile (verify --image measures alike).
MeasureRequest recipe_measure_request(const builder::Recipe& recipe, const std::filesystem::path& dir, const std::string& initramfs_name);

// Builds RECIPE from its lock (resolving it first unless --locked/--offline
// when there is none) into the output directory, replaced as a whole.
// Throws tdx::Error naming what is wrong.
BuildOutcome build_into_directory(const BuildArgs& args);

}  // namespace tdx::cli
