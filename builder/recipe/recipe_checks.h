// Checks of single recipe values. Each returns an empty string when the
// value is good, else the reason, phrased to follow "KEY: " in a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tdx::builder {

inline constexpr std::size_t kMaxNameBytes = 128;
inline constexpr std::size_t kMaxCmdlineBytes = 2047;
// Below this neither TDVF's memory sections nor a kernel with its initramfs
// fit (QEMU's own default is 128 MiB).
inline constexpr std::uint64_t kMinVmMemory = 64ull << 20;

// https://host/..., http://host/... or file:///absolute/path; nothing else
// (no ftp, no relative URLs, no spaces or control characters). No user:pass@
// (a recipe is hashed, shared and quoted in messages: no place for a
// password), no ?query or #fragment (paths are joined onto a mirror URL,
// which would put them in the middle of the path).
std::string check_url(const std::string& url);

// 64 hex digits, either case; `out` gets them in lowercase.
std::string check_sha256(const std::string& text, std::string& out);

// "0755", "644": three or four octal digits, at most 07777.
std::string check_mode(const std::string& text, unsigned& out);

// QEMU -m style: "2G", "512M", "4096K", "1T", optional "iB"/"B"; a bare
// number is MiB. Decimal without a leading zero, a multiple of 4 KiB (the
// TD's memory is measured in pages) and at least kMinVmMemory.
std::string check_memory_size(const std::string& text, std::uint64_t& out);

// The snapshot services' timestamp form, "20261123T000000Z" (UTC).
std::string check_snapshot(const std::string& text);

// An absolute guest path without "." or ".." parts, empty parts or a
// trailing slash; `out` gets it unchanged when good.
std::string check_guest_path(const std::string& text);

// Package names as both dpkg and apk accept them, without version constraints.
std::string check_package_name(const std::string& text);

// Names of recipes and sources: [A-Za-z0-9][A-Za-z0-9._-]*, at most
// kMaxNameBytes (a recipe's name is a directory name under out/).
std::string check_simple_name(const std::string& text);

// A kernel command line as QEMU's -append passes it: at most 2047 bytes (the
// x86 kernel's COMMAND_LINE_SIZE with its NUL), UTF-8 without control
// characters. It is measured byte for byte and written into JSON reports,
// which hold text; the same rule holds for a recipe's cmdline and for
// `measure --cmdline`.
std::string check_cmdline(const std::string& text);

// A Linux network interface name: 1-15 letters, digits, _ . - (the kernel
// refuses '/', ':' and blanks; the rest reads well in messages).
std::string check_interface_name(const std::string& text);

// IPv4 or IPv6 text; with `prefix`, followed by /LENGTH (required).
std::string check_ip_address(const std::string& text, bool prefix);

}  // namespace tdx::builder
