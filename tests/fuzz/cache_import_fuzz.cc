// `cache import`: the archive a cache export is carried in, from anyone. The
// input is imported into a private cache; whatever the import accepts must
// be entries whose bytes hash to their names, and a rejected archive must
// add nothing. The cache is emptied after every input, so one run's entries
// cannot change the next one's outcome.
#include <cstdio>
#include <cstdlib>

#include "base/temp_dir.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/cache_archive.h"
#include "builder/fetch/file_hash.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tdx;
    fuzz::lower_limits();
    static TempDir dir("tdximage-fuzz-cache");
    static builder::Cache cache(dir.path() / "cache");
    static fuzz::MemoryFile file("fuzz-import.tar");
    file.assign(data, size);
    bool accepted = false;
    fuzz::rejecting([&] {
        (void)builder::import_cache(cache, file.path());
        accepted = true;
    });
    const std::vector<builder::CacheEntry> entries = cache.list();
    if (!accepted && !entries.empty()) {
        std::fprintf(stderr, "a rejected archive added %zu entries\n", entries.size());
        std::abort();
    }
    for (const builder::CacheEntry& e : entries) {
        if (builder::hash_file(cache.path_for(e.sha256)).sha256 != e.sha256) {
            std::fprintf(stderr, "imported entry %s does not hash to its name\n", e.sha256.c_str());
            std::abort();
        }
    }
    (void)cache.collect_garbage({});
    return 0;
}
