#include "base/byte_reader.h"

#include <sstream>

namespace tdx {
std::string hex_u64(std::uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::hex << v;
    return s.str();
}

std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what) {
    std::uint64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) fail(std::string(what) + ": " + hex_u64(a) + " + " + hex_u64(b) + " overflows 64 bits");
    return r;
}

std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const char* what) {
    std::uint64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) fail(std::string(what) + ": " + hex_u64(a) + " * " + hex_u64(b) + " overflows 64 bits");
    return r;
}

Bytes slice(Bytes data, std::uint64_t offset, std::uint64_t length, const std::string& what) {
    std::uint64_t end = 0;
    if (__builtin_add_overflow(offset, length, &end) || end > data.size()) {
        fail(what + ": range [" + hex_u64(offset) + ", +" + hex_u64(length) + ") lies outside the " + std::to_string(data.size()) +
             "-byte input");
    }
    return data.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
}

namespace {
template <typename T>
T load_le(Bytes data, std::uint64_t offset, const char* what) {
    Bytes b = slice(data, offset, sizeof(T), what);
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | (static_cast<T>(b[i]) << (8 * i)));
    return v;
}
}  // namespace

std::uint8_t load_u8(Bytes data, std::uint64_t offset, const char* what) { return load_le<std::uint8_t>(data, offset, what); }
std::uint16_t load_le16(Bytes data, std::uint64_t offset, const char* what) { return load_le<std::uint16_t>(data, offset, what); }
std::uint32_t load_le32(Bytes data, std::uint64_t offset, const char* what) { return load_le<std::uint32_t>(data, offset, what); }
std::uint64_t load_le64(Bytes data, std::uint64_t offset, const char* what) { return load_le<std::uint64_t>(data, offset, what); }

std::uint8_t ByteReader::u8(const char* field) {
    auto v = load_u8(data_, pos_, field);
    pos_ += 1;
    return v;
}
std::uint16_t ByteReader::le16(const char* field) {
    auto v = load_le16(data_, pos_, field);
    pos_ += 2;
    return v;
}
std::uint32_t ByteReader::le32(const char* field) {
    auto v = load_le32(data_, pos_, field);
    pos_ += 4;
    return v;
}
std::uint64_t ByteReader::le64(const char* field) {
    auto v = load_le64(data_, pos_, field);
    pos_ += 8;
    return v;
}

Bytes ByteReader::bytes(std::uint64_t n, const char* field) {
    Bytes b = slice(data_, pos_, n, name_ + ": " + field);
    pos_ += n;
    return b;
}

void ByteReader::skip(std::uint64_t n, const char* field) { (void)bytes(n, field); }

namespace {
template <typename T>
void store_le(std::span<std::uint8_t> data, std::uint64_t offset, T v) {
    if (offset > data.size() || data.size() - offset < sizeof(T)) fail("store at " + hex_u64(offset) + " outside buffer");
    for (std::size_t i = 0; i < sizeof(T); ++i) data[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
}  // namespace

void store_le16(std::span<std::uint8_t> data, std::uint64_t offset, std::uint16_t v) { store_le(data, offset, v); }
void store_le32(std::span<std::uint8_t> data, std::uint64_t offset, std::uint32_t v) { store_le(data, offset, v); }
void store_le64(std::span<std::uint8_t> data, std::uint64_t offset, std::uint64_t v) { store_le(data, offset, v); }

void append_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
    // Wider than 8 bytes: zero-extended (a shift by 64 or more is undefined).
    for (int i = 0; i < bytes; ++i) out.push_back(i < 8 ? static_cast<std::uint8_t>(v >> (8 * i)) : std::uint8_t{0});
}

}  // namespace tdx
