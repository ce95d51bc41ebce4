// The lock's timestamp: the default SOURCE_DATE_EPOCH of a build when
// neither the environment nor the recipe sets one. It is the newest date
// among the indexes the lock pins (an InRelease's `Date:`, the newest member
// of an APKINDEX.tar.gz), so it is fixed by the lock's content, needs no
// extra field in the lockfile, and moves forward only when the lock does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builder/fetch/downloader.h"
#include "builder/lock/lockfile.h"

namespace tdx::builder {

// Seconds since 1970 of an RFC 2822 date as apt writes it
// ("Sat, 08 Nov 2025 09:52:08 UTC"); nullopt when it does not parse.
std::optional<std::int64_t> parse_release_date(const std::string& text);

// The newest date of the lock's indexes, read through `downloader` (which
// serves them from the cache by their pinned hash); nullopt when no index
// carries one (a lock of files only).
std::optional<std::int64_t> lock_timestamp(const Lockfile& lock, Downloader& downloader);

}  // namespace tdx::builder
