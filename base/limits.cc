#include "base/limits.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <optional>

#include "base/error.h"

namespace tdx {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;

// Defaults are far above anything a real distribution ships (Debian's largest
// package member is a few hundred MiB, its largest package a few ten thousand
// files, a TD's event log a few hundred records of a few KiB) and low enough
// that a hostile input cannot take the machine's memory or time.
const std::vector<LimitInfo>& table_storage() {
    static const std::vector<LimitInfo> table = {
        {Limit::DecompressedSize, "decompressed-size", 2 * GiB, true,
         "the size one compressed stream (package member, index, initramfs) decompresses to", nullptr},
        {Limit::ModuleSize, "module-size", 256 * MiB, true, "the size one kernel module decompresses to", nullptr},
        {Limit::FirmwareSectionSize, "firmware-section-size", 64 * MiB, true, "the size one compressed firmware section decompresses to",
         nullptr},
        {Limit::FirmwareTotalSize, "firmware-total-size", 256 * MiB, true,
         "the size all compressed sections of one firmware image decompress to", nullptr},
        {Limit::FirmwareDepth, "firmware-depth", 8, false, "how deep firmware volumes and encapsulation sections nest", nullptr},
        {Limit::FirmwareMemory, "firmware-memory", 1 * GiB, true,
         "the memory a firmware's TDVF sections add to the TD at launch, which MR_TD hashes page by page", nullptr},
        {Limit::ArchiveEntries, "archive-entries", 1000000, false, "the number of entries in one archive (package, initramfs, cache export)",
         nullptr},
        {Limit::PathLength, "path-length", 4095, false, "the length of one path inside an image or archive",
         "Linux refuses paths of PATH_MAX (4096) bytes or more, so the image could not hold it"},
        {Limit::EventCount, "event-count", 1u << 20, false, "the number of records in one TCG event log", nullptr},
        {Limit::EventSize, "event-size", 16 * MiB, true, "the size of one event log record's data", nullptr},
        {Limit::RecipeDepth, "recipe-depth", 16, false, "how many recipes may be chained through extends:", nullptr},
        {Limit::InputSize, "input-size", 4 * GiB, true,
         "the size of one input file read whole (firmware, kernel, initramfs, event log, ACPI blob)", nullptr},
        {Limit::DocumentSize, "document-size", 64 * MiB, true,
         "the size of one text document read whole (recipe, lockfile, JSON document, loader script)", nullptr},
        {Limit::DownloadSize, "download-size", 1 * GiB, true, "the size of one download no lock pins yet (InRelease, APKINDEX, Packages index)",
         nullptr},
        {Limit::EventLogNodes, "event-log-nodes", 1u << 20, false,
         "the number of structures decoded from one event log (device-path nodes, variables, entries)", nullptr},
        // A real OVMF/TDVF is 2-4 MiB; a debug build is larger, a firmware volume
        // scan of a huge file is only wasted time.
        {Limit::FirmwareSize, "firmware-size", 64 * MiB, true, "the size of one firmware image file", nullptr},
    };
    return table;
}

constexpr std::size_t kLimitCount = 16;

struct Values {
    std::array<std::atomic<std::uint64_t>, kLimitCount> v;
    Values() {
        for (const LimitInfo& info : table_storage()) v[static_cast<std::size_t>(info.id)].store(info.default_value);
    }
};

std::array<std::atomic<std::uint64_t>, kLimitCount>& values() {
    static Values values;
    return values.v;
}

std::atomic<std::uint64_t>& slot(Limit id) { return values()[static_cast<std::size_t>(id)]; }

// Parses "123", and for byte limits "64K", "512M", "4G", "1T" (binary, with
// an optional "iB"/"B"). nullopt for anything else or on overflow.
std::optional<std::uint64_t> parse_value(std::string_view text, bool is_bytes) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end == text.data()) return std::nullopt;
    std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
    if (suffix.empty()) return n;
    if (!is_bytes) return std::nullopt;
    std::uint64_t unit = 0;
    switch (suffix.front()) {
        case 'K':
        case 'k': unit = KiB; break;
        case 'M':
        case 'm': unit = MiB; break;
        case 'G':
        case 'g': unit = GiB; break;
        case 'T':
        case 't': unit = GiB * 1024; break;
        default: return std::nullopt;
    }
    suffix.remove_prefix(1);
    if (!suffix.empty() && suffix != "iB" && suffix != "B") return std::nullopt;
    if (n > UINT64_MAX / unit) return std::nullopt;
    return n * unit;
}

std::string known_names() {
    std::string out;
    for (const LimitInfo& info : table_storage()) out += (out.empty() ? "" : ", ") + std::string(info.name);
    return out;
}

}  // namespace

const std::vector<LimitInfo>& limit_table() { return table_storage(); }

const LimitInfo& limit_info(Limit id) {
    for (const LimitInfo& info : table_storage())
        if (info.id == id) return info;
    fail("internal error: unknown limit");
}

std::uint64_t limit(Limit id) { return slot(id).load(std::memory_order_relaxed); }

void set_limit_from_text(std::string_view assignment) {
    std::size_t eq = assignment.find('=');
    std::string shown(assignment);
    if (eq == std::string_view::npos) fail("--limit '" + shown + "': expected NAME=VALUE (limits: " + known_names() + ")", ErrorKind::Usage);
    std::string_view name = assignment.substr(0, eq);
    auto it = std::find_if(table_storage().begin(), table_storage().end(), [&](const LimitInfo& info) { return name == info.name; });
    if (it == table_storage().end())
        fail("--limit '" + shown + "': unknown limit '" + std::string(name) + "' (limits: " + known_names() + ")", ErrorKind::Usage);
    auto value = parse_value(assignment.substr(eq + 1), it->is_bytes);
    if (!value || *value == 0)
        fail("--limit '" + shown + "': '" + std::string(assignment.substr(eq + 1)) + "' is not a positive " +
                 (it->is_bytes ? "size (a number with an optional K, M, G or T suffix)" : "whole number"),
             ErrorKind::Usage);
    if (it->fixed_because && *value > it->default_value)
        fail("--limit '" + shown + "': " + it->name + " cannot be raised: " + it->fixed_because, ErrorKind::Usage);
    slot(it->id).store(*value);
}

std::vector<std::string> changed_limits() {
    std::vector<std::string> out;
    for (const LimitInfo& info : table_storage()) {
        std::uint64_t v = limit(info.id);
        if (v != info.default_value) out.push_back(std::string(info.name) + "=" + std::to_string(v));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string format_limit_value(const LimitInfo& info, std::uint64_t value) {
    if (!info.is_bytes) return std::to_string(value);
    struct Unit {
        std::uint64_t size;
        const char* name;
    };
    for (Unit u : {Unit{GiB * 1024, "TiB"}, Unit{GiB, "GiB"}, Unit{MiB, "MiB"}, Unit{KiB, "KiB"}})
        if (value >= u.size && value % u.size == 0) return std::to_string(value / u.size) + " " + u.name;
    return std::to_string(value) + " bytes";
}

std::string exceeded_message(Limit id, const std::string& where, const std::string& detail) {
    const LimitInfo& info = limit_info(id);
    std::string msg = (where.empty() ? "" : where + ": ") + detail + " exceeds the limit " + info.name + " (" +
                      format_limit_value(info, limit(id)) + ")";
    if (info.fixed_because) msg += std::string("; it cannot be raised: ") + info.fixed_because;
    else
        msg += std::string("; if the input is legitimate, raise it with --limit ") + info.name + "=VALUE";
    return msg;
}

void exceeded(Limit id, const std::string& where, const std::string& detail) { fail(exceeded_message(id, where, detail)); }

ScopedLimit::ScopedLimit(Limit id, std::uint64_t value) : id_(id), saved_(limit(id)) { slot(id).store(value); }
ScopedLimit::~ScopedLimit() { slot(id_).store(saved_); }

}  // namespace tdx
