#include "base/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace tdx {

struct Hasher::Impl {
    EVP_MD_CTX* ctx = nullptr;
    ~Impl() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(Algorithm alg) : impl_(std::make_unique<Impl>()) {
    impl_->ctx = EVP_MD_CTX_new();
    const EVP_MD* md = alg == Algorithm::Sha384 ? EVP_sha384() : EVP_sha256();
    if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, md, nullptr) != 1) fail("OpenSSL: cannot initialise digest", ErrorKind::Io);
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::update(Bytes data) {
    if (!data.empty() && EVP_DigestUpdate(impl_->ctx, data.data(), data.size()) != 1) fail("OpenSSL: digest update failed", ErrorKind::Io);
}

void Hasher::update(std::string_view data) {
    update(Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));  // NOLINT: char->byte view
}

void Hasher::update_zeros(std::uint64_t n) {
    static const std::array<std::uint8_t, 4096> zeros{};
    while (n > 0) {
        std::size_t k = n < zeros.size() ? static_cast<std::size_t>(n) : zeros.size();
        update(Bytes(zeros.data(), k));
        n -= k;
    }
}

Digest384 Hasher::final384() {
    Digest384 d{};
    unsigned int len = 0;
    if (EVP_MD_CTX_get_size(impl_->ctx) != 48 || EVP_DigestFinal_ex(impl_->ctx, d.data(), &len) != 1)
        fail("OpenSSL: SHA-384 final failed", ErrorKind::Io);
    return d;
}

Digest256 Hasher::final256() {
    Digest256 d{};
    unsigned int len = 0;
    if (EVP_MD_CTX_get_size(impl_->ctx) != 32 || EVP_DigestFinal_ex(impl_->ctx, d.data(), &len) != 1)
        fail("OpenSSL: SHA-256 final failed", ErrorKind::Io);
    return d;
}

Digest384 sha384(Bytes data) {
    Hasher h;
    h.update(data);
    return h.final384();
}

Digest384 sha384(std::string_view data) {
    Hasher h;
    h.update(data);
    return h.final384();
}

Digest256 sha256(Bytes data) {
    Hasher h(Hasher::Algorithm::Sha256);
    h.update(data);
    return h.final256();
}

void extend_register(Digest384& reg, const Digest384& digest) {
    Hasher h;
    h.update(Bytes(reg.data(), reg.size()));
    h.update(Bytes(digest.data(), digest.size()));
    reg = h.final384();
}

void append_hex_escape(std::string& out, std::uint8_t b) {
    out += "\\x";
    out += to_hex(Bytes(&b, 1));
}

std::string to_hex(Bytes data) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(data.size() * 2);
    for (std::uint8_t b : data) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 15]);
    }
    return s;
}

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_sha256_hex(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Digest384 parse_digest384(std::string_view hex, const std::string& what) {
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.front()))) hex.remove_prefix(1);
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.remove_suffix(1);
    if (hex.size() != 96) fail(what + ": expected 96 hex characters (a SHA-384 digest), got " + std::to_string(hex.size()));
    Digest384 d{};
    auto nibble = [&](char c) -> int {
        int v = hex_digit_value(c);
        if (v < 0) fail(what + ": '" + std::string(1, c) + "' is not a hex digit");
        return v;
    };
    for (std::size_t i = 0; i < 48; ++i) d[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
    return d;
}

}  // namespace tdx
