// `tdximage build` as one call: recipe, lock and cache in, a published output
// directory and its measurements out. `build` prints the outcome; `verify`
// builds into a temporary directory and compares. The stages, top to bottom,
// are in build_pipeline.cc (docs/architecture.md draws them).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/reporter.h"
#include "builder/build_manifest.h"
#include "builder/recipe/recipe.h"
#include "measure/measurement.h"

namespace tdx::builder {

struct BuildRequest {
    std::string recipe;     // a file, or a shipped recipe's name
    std::string lock;       // empty: the recipe's default lock (RecipeLocation::lock_for)
    std::string cache_dir;  // empty: Cache::default_root()
    std::string out;        // empty: out/<recipe name>
    std::string agent;      // empty: no agent, /init runs the recipe's program
    std::vector<std::string> agent_args;
    bool agent_args_given = false;
    bool locked = false;           // the lock must exist and match; nothing is resolved
    bool offline = false;          // every input must be in the cache
    Reporter* reporter = nullptr;  // stages, notes, progress bars; none when null
};

struct BuildOutcome {
    std::filesystem::path out_dir;
    std::string recipe_name;
    std::string kernel_version;
    MeasureReport report;
    std::vector<ManifestOutput> files;  // every output, manifest and SBOM last
    std::string digest;                 // the image digest
    std::vector<std::string> warnings;
    // The registers whose values differ from the previous build in the same
    // output directory ("RTMR1", "RTMR2"); nullopt when there was none (or
    // its measurements.json could not be read).
    std::optional<std::vector<std::string>> changed_since_previous;
};

// The measurement `build` makes of a directory's boot files: the recipe's
// command line, memory and profile (verify --image measures alike).
MeasureRequest recipe_measure_request(const Recipe& recipe, const std::filesystem::path& dir, const std::string& initramfs_name);

// Builds the recipe from its lock (resolving it first unless --locked or
// --offline when there is none) into the output directory, replaced as a
// whole only when every stage succeeded. Throws tdx::Error naming what is wrong.
BuildOutcome build_into_directory(const BuildRequest& request);

}  // namespace tdx::builder
