// Bounds on what untrusted input may make the tool do: how much a stream may
// decompress to, how many entries an archive or event log may have, how long
// a path may be, how deep recipes may extend each other. Every parser asks
// here rather than keeping its own constant, so one table (docs/limits.md)
// lists them all and one option (--limit NAME=VALUE) raises them.
//
// The values are process-wide: the CLI sets them once, before any work, and
// they are only read afterwards (tests use ScopedLimit).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tdx {

enum class Limit {
    DecompressedSize,     // bytes one compressed stream may expand to
    ModuleSize,           // bytes one kernel module may expand to
    FirmwareSectionSize,  // bytes one compressed firmware section may expand to
    FirmwareTotalSize,    // bytes all compressed sections of a firmware image expand to
    FirmwareDepth,        // nested firmware volumes and encapsulation sections
    FirmwareMemory,       // bytes the TDVF sections add to the TD at launch (MR_TD hashes each page)
    ArchiveEntries,       // entries in one archive (package, initramfs, cache export)
    PathLength,           // bytes in one path inside an image or archive
    EventCount,           // records in one TCG event log
    EventSize,            // bytes of event data in one record
    RecipeDepth,          // recipes chained through extends:
    InputSize,            // bytes of one binary input read whole (firmware, kernel, initramfs, event log, ACPI blob)
    DocumentSize,         // bytes of one text document read whole (recipe, lockfile, JSON, loader script)
    DownloadSize,         // bytes of one download no lock pins yet (InRelease, APKINDEX, Packages)
    EventLogNodes,        // decoded structures (device-path nodes, variables, entries) in one event log
    FirmwareSize,         // bytes of one firmware image file, checked before it is scanned
};

struct LimitInfo {
    Limit id;
    const char* name;  // as given to --limit
    std::uint64_t default_value;
    bool is_bytes;              // printed and parsed with K/M/G suffixes
    const char* what;           // what is counted, for messages and docs
    const char* fixed_because;  // non-null: raising is refused, and this says why
};

const std::vector<LimitInfo>& limit_table();
const LimitInfo& limit_info(Limit id);

// The value in force.
std::uint64_t limit(Limit id);

// Sets one limit from "NAME=VALUE" (VALUE takes K, M, G, T suffixes, binary,
// for byte limits). Throws tdx::Error (Usage) for an unknown name, a value
// that is not a number, zero, or raising a fixed limit.
void set_limit_from_text(std::string_view assignment);

// The "NAME=VALUE" assignments that differ from the defaults, sorted by name,
// so a child process (build --twice) can be given the same limits.
std::vector<std::string> changed_limits();

// "1 GiB", "4095 bytes", "1048576"
std::string format_limit_value(const LimitInfo& info, std::uint64_t value);

// Throws tdx::Error: "<where>: <detail> exceeds the limit <name> (<value>);
// if the input is legitimate, raise it with --limit <name>=VALUE" (or, for a
// fixed limit, why it cannot be raised).
[[noreturn]] void exceeded(Limit id, const std::string& where, const std::string& detail);
// The same message, for code that reports instead of throwing.
std::string exceeded_message(Limit id, const std::string& where, const std::string& detail);

// exceeded(id, where, detail) when `value` is over the limit.
inline void check_limit(Limit id, std::uint64_t value, const std::string& where, const std::string& detail) {
    if (value > limit(id)) exceeded(id, where, detail);
}

// Sets a limit for the lifetime of the object (tests).
class ScopedLimit {
public:
    ScopedLimit(Limit id, std::uint64_t value);
    ~ScopedLimit();
    ScopedLimit(const ScopedLimit&) = delete;
    ScopedLimit& operator=(const ScopedLimit&) = delete;

private:
    Limit id_;
    std::uint64_t saved_;
};

}  // namespace tdx
