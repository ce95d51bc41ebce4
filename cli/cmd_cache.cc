// tdximage cache ls|gc|export|import: look after the content-addressed
// download cache and carry it to builders without network access.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/cache_archive.h"
#include "builder/lock/lockfile.h"
#include "cli/app.h"
#include "cli/commands.h"

namespace tdx::cli {
namespace {

using builder::Cache;

struct CacheArgs {
    std::string cache_dir;
    bool json = false;
    std::vector<std::string> keep_lists;
    std::vector<std::string> keep_locks;
    bool all = false;
    bool dry_run = false;
    std::string archive;
    std::string only;
};

Cache open_cache(const CacheArgs& a) { return Cache(Cache::root_for(a.cache_dir)); }

int flush_stdout() {
    std::cout.flush();
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
    return kExitOk;
}

int run_ls(const CacheArgs& a) {
    Cache cache = open_cache(a);
    const auto entries = cache.list();
    if (a.json) {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& e : entries) j.push_back({{"sha256", e.sha256}, {"size", e.size}, {"name", e.name}});
        std::cout << nlohmann::json{{"cache_dir", cache.root().string()}, {"entries", j}}.dump(2) << "\n";
    } else {
        for (const auto& e : entries) std::cout << e.sha256 << "  " << e.size << "  " << (e.name.empty() ? "-" : e.name) << "\n";
    }
    return flush_stdout();
}

int run_gc(const CacheArgs& a) {
    const bool listed = !a.keep_lists.empty() || !a.keep_locks.empty();
    if (a.all == listed)
        fail(a.all ? "cache gc: --all excludes --keep-list and --lock"
                   : "cache gc: give --lock LOCKFILE or --keep-list FILE (entries to keep), or --all",
             ErrorKind::Usage);
    std::set<std::string> keep;
    for (const auto& f : a.keep_lists) keep.merge(builder::read_sha256_list(f));
    // A lockfile keeps every package, file and index it pins.
    for (const auto& f : a.keep_locks) {
        const std::vector<std::uint8_t> bytes = read_file(f);
        const builder::Lockfile lock = builder::parse_lockfile(std::string(bytes.begin(), bytes.end()), f);
        for (const auto& p : lock.packages) keep.insert(p.sha256);
        for (const auto& i : lock.indexes) keep.insert(i.sha256);
        for (const auto& l : lock.files) keep.insert(l.sha256);
    }
    Cache cache = open_cache(a);
    const auto r = cache.collect_garbage(keep, a.dry_run);
    for (const auto& e : r.removed)
        std::cout << (a.dry_run ? "would remove " : "removed ") << e.sha256 << "  " << e.size << "  " << (e.name.empty() ? "-" : e.name) << "\n";
    std::cout << (a.dry_run ? "would remove " : "removed ") << r.removed.size() << " entries (" << r.removed_bytes << " bytes), kept " << r.kept
              << "\n";
    return flush_stdout();
}

int run_export(const CacheArgs& a) {
    Cache cache = open_cache(a);
    std::optional<std::set<std::string>> only;
    if (!a.only.empty()) only = builder::read_sha256_list(a.only);
    const std::size_t n = builder::export_cache(cache, a.archive, only);
    std::cout << "exported " << n << " entries to " << a.archive << "\n";
    return flush_stdout();
}

int run_import(const CacheArgs& a) {
    Cache cache = open_cache(a);
    const auto r = builder::import_cache(cache, a.archive);
    std::cout << "imported " << r.added << " entries into " << cache.root().string() << " (" << r.already_present << " already present)\n";
    return flush_stdout();
}

}  // namespace

void add_cache_command(CLI::App& app, Runners& runners) {
    auto args = std::make_shared<CacheArgs>();
    CLI::App* cache = app.add_subcommand("cache", "Inspect, prune, export and import the content-addressed download cache");
    cache->footer("Default cache directory: $XDG_CACHE_HOME/tdximage, else ~/.cache/tdximage. See docs/cache.md.");
    auto add_dir = [&](CLI::App* c) {
        c->add_option("--cache-dir", args->cache_dir, "cache directory (default: $XDG_CACHE_HOME/tdximage or ~/.cache/tdximage)");
    };

    CLI::App* ls = cache->add_subcommand("ls", "List entries: sha256, size in bytes, and the URL/name each was last fetched as");
    add_dir(ls);
    ls->add_flag("--json", args->json, "print a JSON document instead of lines");
    runners[ls] = [args] { return run_ls(*args); };

    CLI::App* gc = cache->add_subcommand("gc", "Remove entries no --lock lockfile or --keep-list names (or all of them with --all)");
    add_dir(gc);
    gc->add_option("--keep-list", args->keep_lists,
                   "file of SHA-256 values to keep, one per line (sha256sum output works; # comments); repeatable");
    gc->add_option("--lock", args->keep_locks, "lockfile whose pinned packages, indexes and files are kept; repeatable");
    gc->add_flag("--all", args->all, "remove every entry");
    gc->add_flag("--dry-run", args->dry_run, "only print what would be removed");
    runners[gc] = [args] { return run_gc(*args); };

    CLI::App* ex = cache->add_subcommand("export", "Write entries to a deterministic tar archive for an air-gapped builder");
    add_dir(ex);
    ex->add_option("archive", args->archive, "tar file to write (replaced atomically)")->required();
    ex->add_option("--only", args->only, "file of SHA-256 values (one per line) to export instead of every entry");
    runners[ex] = [args] { return run_export(*args); };

    CLI::App* im = cache->add_subcommand("import", "Add the entries of an exported tar archive, verifying every hash");
    add_dir(im);
    im->add_option("archive", args->archive, "tar file written by `tdximage cache export`")->required();
    runners[im] = [args] { return run_import(*args); };
}

}  // namespace tdx::cli
