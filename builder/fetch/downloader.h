// How the package-source code gets bytes: the Alpine and apt resolvers ask a
// Downloader for an index or a package by URL (mirrors in order) and, when
// they know them, the expected size and SHA-256. The real implementation
// (builder/fetch/fetcher + builder/fetch/cache) fetches with libcurl and keeps a
// content-addressed cache; tests use file:// URLs or an in-memory fake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tdx::builder {

struct Expected {
    std::optional<std::uint64_t> size;
    std::optional<std::string> sha256;  // lowercase hex
};

class Downloader {
public:
    virtual ~Downloader() = default;
    // The content at the first of `urls` that serves it (tried in order).
    // With `expected`, content of another size or hash is rejected (and the
    // next URL tried). Throws tdx::Error naming every URL tried and why each
    // failed.
    virtual std::vector<std::uint8_t> get(const std::vector<std::string>& urls, const Expected& expected) = 0;
};

}  // namespace tdx::builder
