#include "tests/support/catch.h"

#include "base/error.h"
#include "cli/args.h"

using tdx::cli::parse_memory_size;

TEST_CASE("memory sizes follow QEMU's -m conventions") {
    CHECK(parse_memory_size("2G", "--memory") == (2ull << 30));
    CHECK(parse_memory_size("512M", "--memory") == (512ull << 20));
    CHECK(parse_memory_size("2048", "--memory") == (2048ull << 20));
    CHECK(parse_memory_size("4GiB", "--memory") == (4ull << 30));
    CHECK(parse_memory_size("1t", "--memory") == (1ull << 40));
    for (const char* bad : {"", "G", "2X", "-1", "0", "2G2", "99999999999999999999", "16777216T"})
        CHECK_THROWS_WITH(parse_memory_size(bad, "--memory"), TDX_CONTAINS("--memory: '"));
}
