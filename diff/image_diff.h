// What differs between two builds: `tdximage diff` for the formats the tool
// itself writes and reads. When a reproducibility check fails, "the initramfs
// differs" is not enough; people need the one file, mode or firmware module
// behind it. So each kind of file is opened and compared by its own
// structure (docs/diff.md lists what is compared per kind), and anything we
// cannot open still gets a byte diff: differing bytes always give at least one
// difference.
//
// Differences are listed in a fixed order (sorted paths, then attributes in a
// fixed sequence), never in directory or hash-map order, so two runs on the
// same inputs print the same report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/byte_reader.h"

namespace tdx::builder {

struct Difference {
    std::string where;  // "initramfs.cpio.gz:usr/bin/agent", "OVMF.fd:TDVF section 0"
    std::string what;   // "mode", "content sha256", "only in A"
    std::string a, b;   // the two values as text, "" when absent on that side
};

enum class FileKind { Initramfs, Firmware, Kernel, Manifest, Measurements, Json, Text, Binary };
std::string to_string(FileKind k);  // "initramfs", "firmware", ...

// The kind of a file from its content alone (compression or cpio magic,
// TDVF metadata, setup header or PE signature, JSON schema), never its name.
FileKind detect_kind(Bytes data);

// Per-kind comparisons; `where` prefixes every Difference::where. They throw
// tdx::Error (BadInput) naming `where` when a side cannot be read as that
// kind; diff_bytes_as() catches that and falls back to a byte diff.
std::vector<Difference> diff_initramfs(Bytes a, Bytes b, const std::string& where);
std::vector<Difference> diff_firmware(Bytes a, Bytes b, const std::string& where);
std::vector<Difference> diff_kernel(Bytes a, Bytes b, const std::string& where);
std::vector<Difference> diff_manifest(Bytes a, Bytes b, const std::string& where);
std::vector<Difference> diff_measurements_documents(Bytes a, Bytes b, const std::string& where);
std::vector<Difference> diff_json(Bytes a, Bytes b, const std::string& where);
std::vector<Difference> diff_text(Bytes a, Bytes b, const std::string& where);
// First differing offset and both sizes; empty when equal.
std::vector<Difference> diff_binary(Bytes a, Bytes b, const std::string& where);

// Equal bytes give nothing. Otherwise the kind of A decides the comparison
// when B has the same kind (else "kind" differs and a byte diff follows); a
// structural diff that finds nothing, or cannot read a side, is followed by
// a byte diff.
std::vector<Difference> diff_contents(Bytes a, Bytes b, const std::string& where);

// Two files, or two directories (files matched by relative path, sorted;
// "only in A"/"only in B"). Throws tdx::Error (Io) for an unreadable path and
// (Usage) when one is a directory and the other is not.
std::vector<Difference> diff_paths(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace tdx::builder
