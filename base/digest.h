// SHA-384 and SHA-256 through OpenSSL 3's EVP interface, streaming, plus the
// fixed-size digest type every register and event uses.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_reader.h"

namespace tdx {

using Digest384 = std::array<std::uint8_t, 48>;
using Digest256 = std::array<std::uint8_t, 32>;

class Hasher {
public:
    enum class Algorithm { Sha256, Sha384 };
    explicit Hasher(Algorithm alg = Algorithm::Sha384);
    ~Hasher();
    Hasher(Hasher&&) noexcept;
    Hasher& operator=(Hasher&&) noexcept;
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    void update(Bytes data);
    void update(std::string_view data);
    // Appends n zero bytes without allocating n bytes.
    void update_zeros(std::uint64_t n);
    Digest384 final384();
    Digest256 final256();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

Digest384 sha384(Bytes data);
Digest384 sha384(std::string_view data);
Digest256 sha256(Bytes data);

// The RTMR/PCR extend operation: reg = SHA384(reg || digest).
void extend_register(Digest384& reg, const Digest384& digest);

std::string to_hex(Bytes data);
// Appends the four characters "\xNN" (lowercase): how text output shows a
// byte that is not printable.
void append_hex_escape(std::string& out, std::uint8_t b);
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& d) {
    return to_hex(Bytes(d.data(), d.size()));
}

// The value of one hex digit (either case), or -1 for any other character.
int hex_digit_value(char c);

// True for exactly 64 lowercase hex digits: how SHA-256 values are written
// in lockfiles, indexes and cache entry names.
bool is_sha256_hex(std::string_view s);

// Parses exactly 96 hex characters (either case; surrounding whitespace
// allowed) into a digest; throws naming `what` otherwise.
Digest384 parse_digest384(std::string_view hex, const std::string& what);

}  // namespace tdx
