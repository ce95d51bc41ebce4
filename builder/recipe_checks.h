// Checks of single recipe values. Each returns an empty string when the
// value is good, else the reason, phrased to follow "KEY: " in a message.
#pragma once

#include <cstdint>
#include <string>

namespace tdx::builder {

// https://host/..., http://host/... or file:///absolute/path; nothing else
// (no ftp, no relative URLs, no spaces or control characters).
std::string check_url(const std::string& url);

// 64 hex digits, either case; `out` gets them in lowercase.
std::string check_sha256(const std::string& text, std::string& out);

// "0755", "644": three or four octal digits, at most 07777.
std::string check_mode(const std::string& text, unsigned& out);

// QEMU -m style: "2G", "512M", "4096K", "1T", optional "iB"/"B"; a bare
// number is MiB. Nonzero. (The builder keeps its own copy of this rule so
// that it does not depend on the command-line layer.)
std::string check_memory_size(const std::string& text, std::uint64_t& out);

// The snapshot services' timestamp form, "20261123T000000Z" (UTC).
std::string check_snapshot(const std::string& text);

// An absolute guest path without "." or ".." parts, empty parts or a
// trailing slash; `out` gets it unchanged when good.
std::string check_guest_path(const std::string& text);

// Package names as both dpkg and apk accept them, without version constraints.
std::string check_package_name(const std::string& text);

// Names of recipes and sources: [A-Za-z0-9][A-Za-z0-9._-]*.
std::string check_simple_name(const std::string& text);

}  // namespace tdx::builder
