#include "builder/lock/lock_timestamp.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <memory>

#include "base/error.h"
#include "builder/apt/deb822.h"

namespace tdx::builder {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// civil-from-days inverse), so no host time zone or timegm is involved.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool number(const std::string& s, std::size_t& pos, std::size_t digits, std::int64_t& out) {
    if (pos + digits > s.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < digits; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    pos += digits;
    return true;
}

std::optional<std::int64_t> inrelease_date(const std::vector<std::uint8_t>& bytes, const std::string& url) {
    const std::string text(bytes.begin(), bytes.end());
    // The signed body starts after the armor header; parse_deb822 takes the
    // first stanza's fields, and "Date" is one of them.
    const std::size_t start = text.find("\n\n");
    const std::string_view body = text.rfind("-----BEGIN PGP SIGNED MESSAGE-----", 0) == 0 && start != std::string::npos
                                      ? std::string_view(text).substr(start + 2)
                                      : std::string_view(text);
    for (const Deb822Stanza& s : parse_deb822(body.substr(0, body.find("-----BEGIN PGP SIGNATURE-----")), url))
        for (const Deb822Field& f : s.fields)
            if (f.name == "Date") return parse_release_date(f.value);
    return std::nullopt;
}

std::optional<std::int64_t> apkindex_date(const std::vector<std::uint8_t>& bytes) {
    std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_gzip(a.get());
    if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) return std::nullopt;
    std::optional<std::int64_t> newest;
    struct archive_entry* e = nullptr;
    // APKINDEX.tar.gz is several concatenated gzip members (signature, then
    // index); libarchive reads through them as one tar stream.
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
        if (archive_entry_mtime_is_set(e)) newest = std::max(newest.value_or(0), static_cast<std::int64_t>(archive_entry_mtime(e)));
    }
    return newest;
}

}  // namespace

std::optional<std::int64_t> parse_release_date(const std::string& text) {
    static const std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::string s = text;
    // An optional weekday: "Sat, ".
    if (const std::size_t comma = s.find(','); comma != std::string::npos) s = s.substr(comma + 1);
    s.erase(0, s.find_first_not_of(' '));
    std::size_t pos = 0;
    std::int64_t day = 0, year = 0, hh = 0, mm = 0, ss = 0;
    const std::size_t day_digits = s.size() > 1 && s[1] >= '0' && s[1] <= '9' ? 2 : 1;
    if (!number(s, pos, day_digits, day) || pos >= s.size() || s[pos++] != ' ') return std::nullopt;
    if (pos + 4 > s.size()) return std::nullopt;
    const std::string mon = s.substr(pos, 3);
    const auto m = std::find_if(months.begin(), months.end(), [&](const char* x) { return mon == x; });
    if (m == months.end() || s[pos + 3] != ' ') return std::nullopt;
    pos += 4;
    if (!number(s, pos, 4, year) || pos >= s.size() || s[pos++] != ' ') return std::nullopt;
    if (!number(s, pos, 2, hh) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
    if (!number(s, pos, 2, mm) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
    if (!number(s, pos, 2, ss)) return std::nullopt;
    const std::string zone = pos < s.size() ? s.substr(pos) : "";
    if (zone != " UTC" && zone != " GMT" && zone != " +0000" && zone != " Z") return std::nullopt;
    if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    const unsigned month = static_cast<unsigned>(m - months.begin()) + 1;
    return days_from_civil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss;
}

std::optional<std::int64_t> lock_timestamp(const Lockfile& lock, Downloader& downloader) {
    std::optional<std::int64_t> newest;
    for (const IndexRef& ix : lock.indexes) {
        const bool inrelease = ix.url.size() >= 9 && ix.url.compare(ix.url.size() - 9, 9, "InRelease") == 0;
        const bool apkindex = ix.url.size() >= 15 && ix.url.compare(ix.url.size() - 15, 15, "APKINDEX.tar.gz") == 0;
        if (!inrelease && !apkindex) continue;
        const std::vector<std::uint8_t> bytes = downloader.get({ix.url}, Expected{ix.size, ix.sha256});
        const std::optional<std::int64_t> t = inrelease ? inrelease_date(bytes, ix.url) : apkindex_date(bytes);
        if (t) newest = std::max(newest.value_or(0), *t);
    }
    return newest;
}

}  // namespace tdx::builder
