#include "tests/support/catch.h"

#include <cstdio>
#include <memory>

#include "builder/lock/lock_timestamp.h"

using tdx::builder::parse_release_date;

namespace {

// GNU date as an independent converter (C locale, UTC).
std::int64_t gnu_date(const std::string& text) {
    const std::string cmd = "LC_ALL=C TZ=UTC date -u -d '" + text + "' +%s";
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    REQUIRE(p);
    char buf[64] = {};
    REQUIRE(std::fgets(buf, sizeof buf, p.get()) != nullptr);
    return std::stoll(buf);
}

}  // namespace

TEST_CASE("Release dates parse to the seconds GNU date gives", "[lock_timestamp]") {
    for (const char* d : {"Sat, 08 Nov 2025 09:52:08 UTC", "Thu, 01 Jan 1970 00:00:00 UTC", "Tue, 29 Feb 2028 23:59:59 UTC",
                          "Sun, 7 Sep 2025 01:02:03 UTC", "Wed, 31 Dec 2025 12:00:00 +0000", "Mon, 01 Mar 2100 00:00:00 GMT"}) {
        INFO(d);
        const auto t = parse_release_date(d);
        REQUIRE(t);
        CHECK(*t == gnu_date(d));
    }
}

TEST_CASE("Malformed release dates are not guessed at", "[lock_timestamp]") {
    for (const char* d : {"", "yesterday", "Sat, 08 Nov 2025 09:52 UTC", "Sat, 08 Foo 2025 09:52:08 UTC", "Sat, 08 Nov 2025 09:52:08 CET",
                          "Sat, 32 Nov 2025 09:52:08 UTC", "Sat, 08 Nov 2025 24:00:00 UTC"}) {
        INFO(d);
        CHECK_FALSE(parse_release_date(d));
    }
}
