// tdximage recipe show|check: what a recipe means once `extends` is
// resolved, and whether it is valid, without fetching anything.
#include <nlohmann/json.hpp>

#include <iostream>

#include "base/error.h"
#include "builder/recipe/recipe.h"
#include "builder/recipe/recipe_search.h"
#include "cli/app.h"
#include "cli/commands.h"

namespace tdx::cli {
namespace {

using builder::ArtifactSpec;
using builder::Recipe;

struct ShowArgs {
    std::string recipe;
    bool json = false;
    bool canonical = false;
};

struct CheckArgs {
    std::vector<std::string> recipes;
};

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string artifact_text(const ArtifactSpec& a) {
    switch (a.kind) {
        case ArtifactSpec::Kind::Package: {
            std::string s = "package " + a.package + " (source " + a.source + "), " + a.path;
            if (!a.follow.empty()) s += ", following " + join(a.follow);
            return s;
        }
        case ArtifactSpec::Kind::Url: return a.url + " sha256 " + a.sha256;
        case ArtifactSpec::Kind::File: return a.file.resolved.string() + " sha256 " + a.sha256;
    }
    return "?";
}

void print_summary(std::ostream& out, const Recipe& r) {
    out << "recipe:    " << r.name << "\n";
    if (!r.description.empty()) out << "about:     " << r.description << "\n";
    std::vector<std::string> chain;
    for (const auto& f : r.chain) chain.push_back(f.string());
    out << "files:     " << join(chain, " <- ") << "\n";
    for (const builder::Source& s : r.sources) {
        out << "source:    " << s.name << ": " << to_string(s.distribution) << " " << s.release << " " << s.architecture;
        if (s.is_apt()) out << " suites " << join(s.suites) << " components " << join(s.components);
        else
            out << " repositories " << join(s.repositories);
        if (!s.snapshot.empty()) out << " snapshot " << s.snapshot;
        out << "\n           mirrors " << join(s.mirror_urls()) << "\n";
        std::vector<std::string> keys;
        for (const auto& k : s.keyring) keys.push_back(k.resolved.string());
        out << "           keyring " << join(keys) << "\n";
    }
    std::vector<std::string> pkgs;
    for (const auto& p : r.packages) pkgs.push_back(p.source == r.sources.front().name ? p.name : p.name + " (" + p.source + ")");
    out << "packages:  " << join(pkgs) << "\n";
    out << "kernel:    " << artifact_text(r.kernel) << "\n";
    out << "ovmf:      " << artifact_text(r.ovmf) << "\n";
    out << "modules:   " << join(r.modules) << "\n";
    for (const auto& f : r.files) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", f.mode);
        out << "file:      " << f.src.resolved.string() << " -> " << f.dst << " (" << mode << ")\n";
    }
    out << "init:      " << r.init.program << (r.init.args.empty() ? "" : " " + join(r.init.args, " ")) << "\n";
    for (const auto& [k, v] : r.init.env) out << "  env:     " << k << "=" << v << "\n";
    out << "cmdline:   " << r.cmdline << "\n";
    out << "vm:        memory " << r.vm.memory_text << " (" << r.vm.memory << " bytes), " << r.vm.cpus << " vCPU" << (r.vm.cpus == 1 ? "" : "s")
        << "\n";
    out << "profile:   " << r.profile << "\n";
    out << "initramfs: " << to_string(r.initramfs.compression);
    if (r.initramfs.compression != builder::Compression::None) out << " level " << r.initramfs.level;
    out << "\n";
    out << "sha256:    " << builder::recipe_sha256(r) << "\n";
}

int run_show(const ShowArgs& a) {
    const Recipe r = builder::load_recipe(builder::find_recipe(a.recipe).file);
    if (a.canonical) {
        std::cout << builder::canonical_recipe_json(r) << "\n";
    } else if (a.json) {
        nlohmann::json doc;
        doc["schema"] = "tdximage.recipe-show/v1";
        doc["recipe"] = nlohmann::json::parse(builder::canonical_recipe_json(r));
        doc["recipe_sha256"] = builder::recipe_sha256(r);
        doc["files"] = nlohmann::json::array();
        for (const auto& f : r.chain) doc["files"].push_back(f.string());
        std::cout << doc.dump(2) << "\n";
    } else {
        print_summary(std::cout, r);
    }
    std::cout.flush();
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
    return kExitOk;
}

// Every recipe is checked, so one run reports all broken ones; the errors
// travel up as one tdx::Error and are printed where all errors are.
int run_check(const CheckArgs& a) {
    std::string problems;
    for (const std::string& path : a.recipes) {
        try {
            const Recipe r = builder::load_recipe(builder::find_recipe(path).file);
            builder::check_local_files(r);
            std::cout << path << ": ok, sha256 " << builder::recipe_sha256(r) << "\n";
        } catch (const Error& e) {
            problems += (problems.empty() ? "" : "\n") + std::string(e.what());
        }
    }
    std::cout.flush();
    if (!problems.empty()) fail(problems, ErrorKind::BadInput);
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
    return kExitOk;
}

}  // namespace

void add_recipe_command(CLI::App& app, Runners& runners) {
    CLI::App* c = app.add_subcommand("recipe", "Show or check image recipes (docs/recipes.md)");

    auto show = std::make_shared<ShowArgs>();
    CLI::App* s = c->add_subcommand("show", "Print a recipe with `extends` merged and every default filled in, and its SHA-256");
    s->add_option("RECIPE", show->recipe, "recipe file (YAML), or the name of a shipped recipe (debian-13)")->required();
    s->add_flag("--json", show->json, "print a JSON document (the canonical recipe, its SHA-256, the files read)");
    s->add_flag("--canonical", show->canonical, "print exactly the bytes that are hashed (sha256sum of them is the recipe hash)");
    runners[s] = [show] { return run_show(*show); };

    auto check = std::make_shared<CheckArgs>();
    CLI::App* k = c->add_subcommand("check", "Validate recipes and the local files they name; exit 0 when all are valid, 2 otherwise");
    k->add_option("RECIPE", check->recipes, "recipe files (YAML), or names of shipped recipes")->required();
    runners[k] = [check] { return run_check(*check); };
}

}  // namespace tdx::cli
