// tdximage lock / fetch: pin a recipe's inputs, then fill the cache from the pins.
#include <iostream>
#include <memory>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/caching_downloader.h"
#include "builder/lock/lock_check.h"
#include "builder/lock/lock_recipe.h"
#include "builder/recipe/recipe_search.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/stderr_reporter.h"

namespace tdx::cli {
namespace {

struct LockArgs {
    std::string recipe, lock, cache_dir;
    bool update = false, locked = false, offline = false, quiet = false;
};

std::filesystem::path lock_path(const LockArgs& a, const builder::RecipeLocation& where) { return where.lock_for(a.lock); }

struct Session {
    StderrReporter reporter;
    builder::Cache cache;
    builder::CachingDownloader downloader;
    explicit Session(const LockArgs& a)
        : reporter(a.quiet), cache(builder::Cache::root_for(a.cache_dir)), downloader(cache, options(a, reporter)) {}
    static builder::CachingDownloaderOptions options(const LockArgs& a, Reporter& r) {
        builder::CachingDownloaderOptions o;
        o.offline = a.offline;
        o.reporter = &r;
        return o;
    }
};

std::optional<builder::Lockfile> read_lock(const std::filesystem::path& p) {
    std::optional<builder::LoadedLockfile> loaded = builder::read_lockfile(p);
    if (!loaded) return std::nullopt;
    return std::move(loaded->lock);
}

const char* kind_word(builder::LockChange::Kind k) {
    switch (k) {
        case builder::LockChange::Kind::Added: return "added  ";
        case builder::LockChange::Kind::Removed: return "removed";
        case builder::LockChange::Kind::Changed: return "changed";
    }
    return "";
}

int run_lock(const LockArgs& a) {
    const builder::RecipeLocation where = builder::find_recipe(a.recipe);
    const builder::Recipe recipe = builder::load_recipe(where.file);
    builder::check_local_files(recipe);
    const std::filesystem::path path = lock_path(a, where);
    const std::optional<builder::Lockfile> old = read_lock(path);
    // An existing lock made from this very recipe stays as it is: locking is
    // re-resolving only when asked (--update) or when the recipe changed.
    if (old && !a.update && old->recipe_sha256 == builder::recipe_sha256(recipe)) {
        std::cout << path.string() << " is up to date with " << a.recipe << " (use --update to re-resolve)\n";
        return kExitOk;
    }
    Session s(a);
    const builder::Lockfile lock = builder::lock_recipe(recipe, s.downloader);
    const std::string text = builder::render_lockfile(lock);
    write_file_atomically(path, text);
    std::cout << "wrote " << path.string() << ": " << lock.packages.size() << " packages, " << lock.indexes.size() << " indexes, "
              << lock.files.size() << " files\n";
    if (old) {
        const auto changes = builder::diff_lockfiles(*old, builder::parse_lockfile(text, path.string()));
        if (changes.empty()) std::cout << "no changes\n";
        for (const auto& c : changes)
            std::cout << "  " << kind_word(c.kind) << " " << c.what << (c.before.empty() ? "" : "  " + c.before)
                      << (c.after.empty() ? "" : "  -> " + c.after) << "\n";
    }
    return kExitOk;
}

int run_fetch(const LockArgs& a) {
    const builder::RecipeLocation where = builder::find_recipe(a.recipe);
    const builder::Recipe recipe = builder::load_recipe(where.file);
    const std::filesystem::path path = lock_path(a, where);
    std::optional<builder::Lockfile> lock = read_lock(path);
    Session s(a);
    if (a.locked || a.offline) {
        if (!lock) fail(path.string() + ": no lockfile; run `tdximage lock " + a.recipe + "` first", ErrorKind::Usage);
        builder::check_lock_matches(recipe, *lock, path.string());
    } else if (!lock || lock->recipe_sha256 != builder::recipe_sha256(recipe)) {
        builder::check_local_files(recipe);
        lock = builder::lock_recipe(recipe, s.downloader);
        write_file_atomically(path, builder::render_lockfile(*lock));
        std::cout << "wrote " << path.string() << "\n";
    }
    // A lock found on disk is checked whether or not --locked was given:
    // fetching is where its URLs would first be used.
    builder::check_lock_against_indexes(recipe, *lock, s.downloader, path.string());
    const builder::FetchSummary sum = builder::fetch_locked(recipe, *lock, s.downloader);
    std::cout << "cache " << s.cache.root().string() << ": " << sum.packages << " packages and " << sum.files << " files (" << sum.bytes
              << " bytes) present and verified\n";
    return kExitOk;
}

void common_options(CLI::App* c, LockArgs& a) {
    c->add_option("RECIPE", a.recipe, "recipe file, or the name of a shipped recipe (debian-13; see docs/recipes.md)")->required();
    c->add_option("--lock", a.lock, "lockfile (default: RECIPE.lock; for a shipped recipe given by name, ./NAME.yaml.lock)");
    c->add_option("--cache-dir", a.cache_dir, "download cache (default: $XDG_CACHE_HOME/tdximage or ~/.cache/tdximage)");
    c->add_flag("--offline", a.offline, "never use the network: everything must already be in the cache");
    c->add_flag("--quiet", a.quiet, "no progress on stderr");
}

}  // namespace

void add_lock_command(CLI::App& app, Runners& runners) {
    auto a = std::make_shared<LockArgs>();
    CLI::App* lock = app.add_subcommand("lock",
                                        "Resolve a recipe against its signed package indexes into a lockfile of exact files and SHA-256s");
    common_options(lock, *a);
    lock->add_flag("--update", a->update, "re-resolve even if the lockfile matches the recipe, and show what changed");
    runners[lock] = [a] { return run_lock(*a); };

    auto f = std::make_shared<LockArgs>();
    CLI::App* fetch = app.add_subcommand("fetch", "Fill the cache with every input of a recipe's lockfile, each verified");
    common_options(fetch, *f);
    fetch->add_flag("--locked", f->locked, "use the lockfile only: a missing or outdated lock is an error, nothing is resolved");
    runners[fetch] = [f] { return run_fetch(*f); };
}

}  // namespace tdx::cli
