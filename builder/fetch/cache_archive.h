// Carrying a cache to an air-gapped builder: `cache export` writes entries
// to a plain tar, `cache import` adds the entries of such a tar to a cache.
//
// The tar is deterministic for the same entries (names sorted, mtime 0,
// uid/gid 0, no user/group names, mode 0644, ustar) and holds only
//   sha256/<hex>   content
//   names/<hex>    the sidecar: what the entry was last fetched as
// Import trusts nothing in it: any other name (../, absolute, unexpected
// directories), any non-regular member (symlink, hard link, device,
// directory) or content that does not hash to its name rejects the whole
// archive, and nothing is added. Members are staged in the cache's tmp/ and
// only renamed into place once every one has been checked.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "builder/fetch/cache.h"

namespace tdx::builder {

// Writes the entries named in `only` (all entries when not given) to `out`,
// atomically. Throws naming an entry of `only` that the cache lacks.
// Returns how many entries were written.
std::size_t export_cache(Cache& cache, const std::filesystem::path& out, const std::optional<std::set<std::string>>& only);

struct ImportResult {
    std::size_t added = 0;
    std::size_t already_present = 0;
};

ImportResult import_cache(Cache& cache, const std::filesystem::path& archive);

// Reads a list of SHA-256 values, one per line; blank lines and lines
// starting with '#' are skipped, and a line may carry more after the hash
// (`sha256sum` output: "<hex>  <name>"). Throws naming the file and line.
std::set<std::string> read_sha256_list(const std::filesystem::path& path);

}  // namespace tdx::builder
