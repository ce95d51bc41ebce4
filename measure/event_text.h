// Turning untrusted bytes from an event log into text a person can read and a
// JSON document can hold. Every function returns valid UTF-8 whatever the
// input: nlohmann::json refuses to serialise anything else, and a log is
// written by firmware we are trying to check, not by a friend.
#pragma once

#include <cstddef>
#include <string>

#include "base/byte_reader.h"
#include "ovmf/tdvf.h"

namespace tdx {

// Bytes that should be text (ASCII or UTF-8): valid UTF-8 sequences are kept,
// every other byte becomes the four characters "\xNN". Trailing NULs are
// dropped; interior NULs become "\x00".
std::string bytes_as_text(Bytes data);

// UTF-16LE text up to the first NUL (or the end): surrogate pairs are joined,
// unpaired surrogates become U+FFFD. An odd trailing byte is ignored.
std::string utf16le_as_text(Bytes data);

// `s` in double quotes with control characters, quotes and backslashes
// escaped: for one-line summaries.
std::string quoted(const std::string& s);

// Lowercase hex of at most `max` bytes, with "..." when there were more.
std::string hex_prefix(Bytes data, std::size_t max);

// True when `data` (without trailing NULs) is non-empty printable ASCII,
// tab, CR and LF included.
bool looks_like_ascii_text(Bytes data);

// The GUID stored at data[0, 16) in the mixed-endian EFI layout.
ovmf::Guid guid_at(Bytes data);

// A short name for the GUIDs an OVMF/shim/Linux event log mentions
// ("EFI global variable", "QEMU kernel loader", "UiApp", ...); "" if unknown.
std::string known_guid_name(const ovmf::Guid& guid);

}  // namespace tdx
