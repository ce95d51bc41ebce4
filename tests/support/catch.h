// Catch2 v2 (Debian 12) and v3 (Debian 13, backports) have different headers;
// the tests use only macros common to both.
#pragma once
#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_message.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
using Catch::Matchers::ContainsSubstring;
#define TDX_CONTAINS(s) ContainsSubstring(s)
#else
#include <catch2/catch.hpp>
#define TDX_CONTAINS(s) Catch::Matchers::Contains(s)
#endif
