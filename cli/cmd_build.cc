// tdximage build: a recipe (and its lock) plus an agent binary in, the boot
// files of a TD and their measurements out.
#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/human_size.h"
#include "base/limits.h"
#include "base/temp_dir.h"
#include "builder/build_pipeline.h"
#include "builder/recipe/recipe_search.h"
#include "builder/varied_rebuild.h"
#include "cli/app.h"
#include "cli/build_args.h"
#include "cli/commands.h"
#include "cli/report_json.h"
#include "cli/report_text.h"
#include "cli/stderr_reporter.h"
#include "cli/warnings.h"
#include "measure/measurements_json.h"

namespace tdx::cli {
namespace {
namespace fs = std::filesystem;

// --twice: the same build from the lock in another directory, umask, time
// zone, locale and CPU count, in a child process; the two output directories
// must be byte-identical.
int build_again_and_compare(const BuildArgs& a, const builder::BuildOutcome& first) {
    const TempDir tmp_dir("tdximage-twice");
    const fs::path& tmp = tmp_dir.path();
    fs::create_directories(tmp / "elsewhere" / "deeper");
    const std::vector<std::string> argv = builder::rebuild_argv(a, fs::read_symlink("/proc/self/exe"), "../second", changed_limits());
    if (!a.quiet) std::cerr << "tdximage: --twice: building again (" << builder::kVariedEnvironment << ")\n";
    const int rc = builder::run_varied(argv, tmp / "elsewhere" / "deeper");
    if (rc != 0) fail("--twice: the second build failed (exit " + std::to_string(rc) + ")", ErrorKind::Io);
    const std::vector<std::string> diff = builder::differing_files(first.out_dir, tmp / "elsewhere" / "second");
    if (diff.empty()) {
        std::cout << "\nreproducible: a second build (" << builder::kVariedEnvironment << ") is byte-identical\n";
        return kExitOk;
    }
    std::cout << "\nNOT reproducible: a second build (" << builder::kVariedEnvironment << ") differs in:";
    for (const std::string& f : diff) std::cout << " " << f;
    std::cout << "\n";
    return kExitDifferent;
}

// The values to pin are the .hex files' contents, printed below; a hash
// of those files beside them would only be mistaken for a value.
bool is_value_file(const std::string& name) { return name.size() > 4 && name.compare(name.size() - 4, 4, ".hex") == 0; }

std::string changed_line(const std::vector<std::string>& changed) {
    if (changed.empty()) return "unchanged since the previous build in this directory: the pinned values still hold";
    std::string names;
    for (const std::string& n : changed) names += (names.empty() ? "" : ", ") + n;
    return "changed since the previous build in this directory: " + names + "; re-pin " + names;
}

int run_build(const BuildArgs& a) {
    StderrReporter reporter(a.quiet || a.json);
    builder::BuildRequest request = a;
    request.reporter = &reporter;
    const builder::BuildOutcome o = builder::build_into_directory(request);
    const MeasureReport& report = o.report;
    print_warnings(o.warnings);
    if (a.json) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : o.files) files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}});
        nlohmann::json doc = {{"schema", "tdximage.build/v1"},
                              {"image", o.recipe_name},
                              {"out_dir", o.out_dir.string()},
                              {"image_digest", o.digest},
                              {"files", files},
                              {"warnings", o.warnings},
                              {"changed_since_previous",
                               o.changed_since_previous ? nlohmann::json(*o.changed_since_previous) : nlohmann::json(nullptr)},
                              {"measurements", render_measurements(report)}};
        std::cout << doc.dump(2) << "\n";
    } else {
        std::cout << "built " << o.recipe_name << " in " << o.out_dir.string() << "\n\n";
        for (const auto& f : o.files) {
            std::cout << "  " << std::left << std::setw(22) << f.name << std::right << std::setw(11) << human_size(f.size);
            if (!is_value_file(f.name)) std::cout << "  " << f.sha256.substr(0, 16) << "…";
            std::cout << "\n";
        }
        std::cout << "\n  kernel   " << o.kernel_version << "\n  image    " << o.digest << "\n  profile  " << report.profile.name << "\n\n";
        std::cout << "  MR_TD    " << to_hex(report.mrtd_selected) << "\n";
        std::cout << "  RTMR0    "
                  << (report.rtmr0 ? to_hex(*report.rtmr0)
                                   : "(not computed: it needs QEMU's ACPI tables for your VM shape; docs/operators.md shows "
                                     "`tdximage acpi dump` and `tdximage measure --acpi-dir`)")
                  << "\n";
        std::cout << "  RTMR1    " << (report.rtmr1 ? to_hex(*report.rtmr1) : std::string("(not computed)")) << "\n";
        std::cout << "  RTMR2    " << (report.rtmr2 ? to_hex(*report.rtmr2) : std::string("(not computed)")) << "\n\n";
        print_pin_advice(std::cout, report.coverage, "  pin      ");
        if (o.changed_since_previous) std::cout << "\n  " << changed_line(*o.changed_since_previous) << "\n";
    }
    std::cout.flush();
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
    return a.twice ? build_again_and_compare(a, o) : kExitOk;
}

}  // namespace

void add_build_command(CLI::App& app, Runners& runners) {
    auto a = std::make_shared<BuildArgs>();
    CLI::App* c = app.add_subcommand("build",
                                     "Build a TD image (kernel, initramfs with the agent, OVMF) from a recipe and its lock, and measure it");
    c->add_option("RECIPE", a->recipe, "recipe file, or the name of a shipped recipe (debian-13; see docs/recipes.md)")->required();
    c->add_option("--agent", a->agent, "program to run in the TD: added as /usr/bin/<name> and started by /init instead of init.program");
    c->add_option("--agent-arg", a->agent_args, "argument for the agent (repeat for several); default: none")->each([a](const std::string&) {
        a->agent_args_given = true;
    });
    c->add_option("--out", a->out, "output directory (default: out/<recipe name>); replaced as a whole when the build succeeds");
    c->add_option("--lock", a->lock,
                  "lockfile (default: RECIPE.lock, for a shipped recipe given by name ./NAME.yaml.lock; made when missing unless --locked)");
    c->add_option("--cache-dir", a->cache_dir, "download cache (default: $XDG_CACHE_HOME/tdximage or ~/.cache/tdximage)");
    c->add_flag("--locked", a->locked, "the lockfile must exist and match the recipe; nothing is resolved");
    c->add_flag("--offline", a->offline, "never use the network: every input must be in the cache (implies an existing lock)");
    c->add_flag("--quiet", a->quiet, "no progress on stderr");
    c->add_flag("--json", a->json, "print a JSON document (files, image digest, measurements) instead of the summary");
    c->add_flag("--twice", a->twice,
                "then build again from the lock in another directory, umask, time zone, locale and CPU count, and fail (exit 1) "
                "unless both outputs are byte-identical");
    runners[c] = [a] { return run_build(*a); };
}

}  // namespace tdx::cli
