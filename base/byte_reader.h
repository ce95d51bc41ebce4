// Bounds-checked access to untrusted bytes (firmware images, kernels, logs).
// Every offset and length coming from a file goes through these helpers, so
// arithmetic overflow and out-of-range reads become a tdx::Error naming what
// was being read instead of undefined behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"

namespace tdx {

using Bytes = std::span<const std::uint8_t>;

// "0x1f" style rendering of offsets and field values for messages.
std::string hex_u64(std::uint64_t v);

// a + b, or an error when it would not fit in 64 bits.
std::uint64_t checked_add(std::uint64_t a, std::uint64_t b, const char* what);
std::uint64_t checked_mul(std::uint64_t a, std::uint64_t b, const char* what);

// Sub-range [offset, offset+length) of data, or an error naming `what`.
Bytes slice(Bytes data, std::uint64_t offset, std::uint64_t length, const std::string& what);

// Little-endian loads at an absolute offset, bounds-checked.
std::uint8_t load_u8(Bytes data, std::uint64_t offset, const char* what);
std::uint16_t load_le16(Bytes data, std::uint64_t offset, const char* what);
std::uint32_t load_le32(Bytes data, std::uint64_t offset, const char* what);
std::uint64_t load_le64(Bytes data, std::uint64_t offset, const char* what);

// A cursor that consumes bytes from the front of a region.
class ByteReader {
public:
    explicit ByteReader(Bytes data, std::string name = "data") : data_(data), name_(std::move(name)) {}

    std::uint8_t u8(const char* field);
    std::uint16_t le16(const char* field);
    std::uint32_t le32(const char* field);
    std::uint64_t le64(const char* field);
    Bytes bytes(std::uint64_t n, const char* field);
    void skip(std::uint64_t n, const char* field);

    std::uint64_t offset() const { return pos_; }
    std::uint64_t remaining() const { return data_.size() - pos_; }
    bool at_end() const { return pos_ == data_.size(); }

private:
    Bytes data_;
    std::string name_;
    std::uint64_t pos_ = 0;
};

// Little-endian stores into a mutable buffer (used to patch headers).
void store_le16(std::span<std::uint8_t> data, std::uint64_t offset, std::uint16_t v);
void store_le32(std::span<std::uint8_t> data, std::uint64_t offset, std::uint32_t v);
void store_le64(std::span<std::uint8_t> data, std::uint64_t offset, std::uint64_t v);
// Appends the low `bytes` bytes of v, little-endian (building event data and logs).
void append_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes);

}  // namespace tdx
