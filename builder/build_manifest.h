// manifest.json of a build: every input byte with where it came from, the
// recipe and lock it was built from, the tool and codec versions, and every
// output with its hash. Like every document the tool writes, it has sorted
// keys and no host paths or build times, so two builds of one lock give the
// same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tdx::builder {

inline constexpr char kManifestSchema[] = "tdximage.manifest/v1";

struct ManifestInput {
    std::string role;          // "package", "kernel", "ovmf", "file", "agent"
    std::string name;          // package name, or file name
    std::string version;       // packages only
    std::string architecture;  // packages only
    std::vector<std::string> urls;
    std::uint64_t size = 0;
    std::string sha256;
};

struct ManifestOutput {
    std::string name;
    std::uint64_t size = 0;
    std::string sha256;
};

// What /init runs: the agent given to `build --agent` (its file name, bytes
// and arguments), or none, when /init runs the recipe's init.program.
struct ManifestAgent {
    std::string name;  // file name; installed as /usr/bin/<name>
    std::uint64_t size = 0;
    std::string sha256;
    std::vector<std::string> args;
};

struct BuildManifest {
    std::string image_name;
    std::string recipe_file;  // file name, for people
    std::string recipe_sha256;
    std::string lock_sha256;  // of the lockfile's bytes
    std::string tool_version;
    std::string codec_versions;
    std::string kernel_version;
    std::string compression;  // "gzip", "zstd", "xz", "none"
    int compression_level = 0;
    std::int64_t source_date_epoch = 0;
    std::string source_date_epoch_from;  // "environment", "recipe", "lock", "default"
    std::vector<std::string> modules;    // guest paths, in load order
    std::vector<std::string> builtin_modules;
    std::vector<std::string> removed;  // leftovers removed from the tree
    std::uint64_t initramfs_entries = 0;
    std::vector<ManifestInput> inputs;
    std::optional<ManifestAgent> agent;  // nullopt: built without --agent
    std::string init_program;            // what /init starts, with its arguments
    std::vector<std::string> init_args;
    std::vector<ManifestOutput> outputs;  // the files the image digest covers
    ManifestOutput sbom;                  // sbom.spdx.json: it names the digest, so it is not covered
};

// The image digest covers every output but manifest.json and sbom.spdx.json,
// which both contain it.
// SHA-256 over the lines "<sha256>  <name>\n" of `outputs` sorted by name
// (sha256sum's format, so `sha256sum FILES | sort -k2 | sha256sum` agrees).
std::string image_digest(std::vector<ManifestOutput> outputs);

std::string render_manifest(const BuildManifest& m);

// A manifest.json as published: what it claims. Every field is a claim about
// files the reader must hash itself (builder/published_dir.h does). Throws
// tdx::Error (BadInput) naming `name` and the key that is wrong.
struct PublishedManifest {
    std::string image_name;
    std::string image_digest;
    std::string tool_version;
    std::vector<ManifestOutput> outputs;
    std::optional<ManifestOutput> sbom;
    bool agent_recorded = false;  // false for manifests before the agent was recorded
    std::optional<ManifestAgent> agent;
    std::string init_program;
    std::vector<std::string> init_args;
};
PublishedManifest parse_manifest(const std::string& text, const std::string& name);

}  // namespace tdx::builder
