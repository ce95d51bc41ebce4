// A published output directory, as an operator receives it: boot files plus
// documents that make claims about them (manifest.json: each output's size
// and SHA-256, the image digest, the agent; measurements.json: the SHA-256 of
// the firmware, kernel and initramfs it was computed from, and the register
// values; mr_td.hex and rtmrN.hex: the values to pin). None of it is trusted:
// every file is hashed here, and each claim that does not match its file is a
// finding. `verify`, `verify --image` and `diff` report them.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "builder/build_manifest.h"

namespace tdx::builder {

// A claim that does not hold.
struct ClaimFinding {
    std::string file;     // the file the claim is about, e.g. "initramfs.cpio.gz"
    std::string claim;    // who claims it, e.g. "manifest.json outputs[].sha256"
    std::string claimed;  // the claimed value
    std::string actual;   // the file's value; "" when the file is missing
    // "initramfs.cpio.gz: manifest.json outputs[].sha256 claims 12ab…, the file has 34cd…"
    std::string message() const;
};

struct PublishedDir {
    std::filesystem::path dir;
    std::map<std::string, std::string> boot_files;  // every boot file present: name -> the SHA-256 computed here
    std::optional<PublishedManifest> manifest;      // parsed claims, when manifest.json exists
    std::optional<std::string> measurements;        // measurements.json's text, when it exists
    std::string initramfs_name;                     // "" when there is none
    std::vector<ClaimFinding> findings;
};

// What build may name its boot files: the firmware, the kernel, and the
// initramfs under any of its compressions.
std::vector<std::string> boot_file_names();

// The boot files of a directory, hashed: name -> SHA-256. Only regular files
// (a symlink is refused, naming it).
std::map<std::string, std::string> hash_boot_files(const std::filesystem::path& dir);

// Hashes every file the directory's documents make a claim about and checks
// each claim. Throws tdx::Error (BadInput) naming the file when a document is
// not what it says it is (not JSON, wrong schema, a name that is not a plain
// file name); a claim that is well-formed but false is a finding, not an
// error.
PublishedDir check_published_dir(const std::filesystem::path& dir);

}  // namespace tdx::builder
