// The limits registry: names, parsing of --limit values, refusing to raise a
// fixed limit, and the message every parser gives when a limit is hit.
#include "tests/support/catch.h"

#include <set>
#include <string>
#include <vector>

#include "base/limits.h"
#include "tests/support/error_of.h"

using tdx::Limit;
using tdx::test::error_of;

TEST_CASE("limits: every limit has a unique name and a default in force", "[limits]") {
    std::set<std::string> names;
    for (const tdx::LimitInfo& info : tdx::limit_table()) {
        CHECK(names.insert(info.name).second);
        CHECK(tdx::limit(info.id) == info.default_value);
        CHECK(&tdx::limit_info(info.id) == &info);
    }
    CHECK(names.size() == tdx::limit_table().size());
    CHECK(tdx::changed_limits().empty());
}

TEST_CASE("limits: --limit values take sizes with binary suffixes, counts as whole numbers", "[limits]") {
    tdx::ScopedLimit keep_size(Limit::DecompressedSize, tdx::limit(Limit::DecompressedSize));
    tdx::ScopedLimit keep_count(Limit::EventCount, tdx::limit(Limit::EventCount));
    tdx::set_limit_from_text("decompressed-size=4G");
    CHECK(tdx::limit(Limit::DecompressedSize) == 4ull << 30);
    tdx::set_limit_from_text("decompressed-size=512MiB");
    CHECK(tdx::limit(Limit::DecompressedSize) == 512ull << 20);
    tdx::set_limit_from_text("decompressed-size=1000");
    CHECK(tdx::limit(Limit::DecompressedSize) == 1000);
    tdx::set_limit_from_text("event-count=2000000");
    CHECK(tdx::limit(Limit::EventCount) == 2000000);
    CHECK(tdx::changed_limits() == std::vector<std::string>{"decompressed-size=1000", "event-count=2000000"});

    CHECK_THAT(error_of([] { tdx::set_limit_from_text("event-count=2M"); }),
               TDX_CONTAINS("--limit 'event-count=2M': '2M' is not a positive whole number"));
    CHECK_THAT(error_of([] { tdx::set_limit_from_text("decompressed-size=0"); }), TDX_CONTAINS("is not a positive size"));
    CHECK_THAT(error_of([] { tdx::set_limit_from_text("decompressed-size=99999999999999999999"); }), TDX_CONTAINS("is not a positive size"));
    CHECK_THAT(error_of([] { tdx::set_limit_from_text("decompressed-size=20000000000T"); }), TDX_CONTAINS("is not a positive size"));
    CHECK_THAT(error_of([] { tdx::set_limit_from_text("decompresed-size=1G"); }),
               TDX_CONTAINS("unknown limit 'decompresed-size' (limits: decompressed-size, module-size"));
    CHECK_THAT(error_of([] { tdx::set_limit_from_text("decompressed-size"); }), TDX_CONTAINS("expected NAME=VALUE"));
    // A failed assignment changes nothing.
    CHECK(tdx::limit(Limit::DecompressedSize) == 1000);
}

TEST_CASE("limits: a fixed limit may be lowered, never raised", "[limits]") {
    tdx::ScopedLimit keep(Limit::PathLength, tdx::limit(Limit::PathLength));
    CHECK_THAT(error_of([] { tdx::set_limit_from_text("path-length=8192"); }),
               TDX_CONTAINS("path-length cannot be raised: Linux refuses paths of PATH_MAX"));
    tdx::set_limit_from_text("path-length=100");
    CHECK(tdx::limit(Limit::PathLength) == 100);
    CHECK(tdx::exceeded_message(Limit::PathLength, "x.deb", "the path of entry 'a'") ==
          "x.deb: the path of entry 'a' exceeds the limit path-length (100); it cannot be raised: Linux refuses paths of "
          "PATH_MAX (4096) bytes or more, so the image could not hold it");
}

TEST_CASE("limits: the message names the limit, its value and how to raise it", "[limits]") {
    CHECK(tdx::exceeded_message(Limit::DecompressedSize, "pkg.deb: data.tar.xz", "the decompressed size") ==
          "pkg.deb: data.tar.xz: the decompressed size exceeds the limit decompressed-size (2 GiB); "
          "if the input is legitimate, raise it with --limit decompressed-size=VALUE");
    CHECK_THROWS_AS(tdx::exceeded(Limit::EventCount, "log", "the number of events"), tdx::Error);
    CHECK(tdx::format_limit_value(tdx::limit_info(Limit::EventSize), 1536) == "1536 bytes");
    CHECK(tdx::format_limit_value(tdx::limit_info(Limit::EventSize), 3 << 10) == "3 KiB");
    {
        tdx::ScopedLimit low(Limit::RecipeDepth, 2);
        CHECK(tdx::limit(Limit::RecipeDepth) == 2);
    }
    CHECK(tdx::limit(Limit::RecipeDepth) == 16);
}
