// A recipe: everything needed to build one TDX guest image, as read from
// YAML (docs/recipes.md) and checked. Plain structs; the builder, the
// resolvers and the lockfile read them, nothing writes them but the loader.
// Every value keeps the place it was written (file, line, column) so checks
// that run later (the resolvers, the lock) can still point at it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "builder/recipe/recipe_tree.h"

namespace tdx::builder {

inline constexpr char kRecipeSchema[] = "tdximage.recipe/v1";

enum class Distribution { Alpine, Debian, Ubuntu };
std::string to_string(Distribution d);  // "alpine", "debian", "ubuntu"

// A file on the build machine named in a recipe. Relative paths are taken
// from the directory of the recipe file that contained them (not the one
// named on the command line), so a parent recipe's files stay its own.
struct LocalPath {
    std::string written;             // as in the recipe
    std::filesystem::path resolved;  // absolute, lexically normalised
    SourceMark mark;
};

// One package archive: a distribution release at some mirrors, verified
// with the keyring. A recipe may take packages from several sources.
struct Source {
    std::string name;
    Distribution distribution = Distribution::Debian;
    std::string release;                    // "trixie", "noble", "3.22", "edge"
    std::string architecture;               // "amd64" (apt) or "x86_64" (Alpine)
    std::vector<std::string> mirrors;       // base URLs as written; may hold "{snapshot}"
    std::string snapshot;                   // "YYYYMMDDTHHMMSSZ", or empty
    std::vector<std::string> suites;        // apt: dists/<suite>; default {release}
    std::vector<std::string> components;    // apt: default {"main"}
    std::vector<std::string> repositories;  // Alpine: default {"main"}
    std::vector<LocalPath> keyring;         // apt: OpenPGP keyrings; Alpine: RSA public keys
    SourceMark mark;

    bool is_apt() const { return distribution != Distribution::Alpine; }
    // The mirrors with "{snapshot}" replaced by the timestamp.
    std::vector<std::string> mirror_urls() const;
};

struct PackageSpec {
    std::string name;
    std::string source;  // a Source name; a plain string in YAML means the first source
    SourceMark mark;
};

// The kernel or the firmware: a file inside a package, or a single file
// pinned by SHA-256 (from a URL or from the build machine).
struct ArtifactSpec {
    enum class Kind { Package, Url, File };
    Kind kind = Kind::Package;
    std::string package;              // Package
    std::string source;               // Package
    std::string path;                 // Package: path (kernel: or glob) inside the package
    std::vector<std::string> follow;  // Package, kernel only: dependency globs to follow (see docs)
    std::string url;                  // Url
    LocalPath file;                   // File
    std::string sha256;               // Url, File: lowercase hex
    SourceMark mark;
};

struct FileSpec {
    LocalPath src;
    std::string dst;  // absolute, normalised guest path
    unsigned mode = 0644;
    std::uint32_t uid = 0, gid = 0;
    SourceMark mark;
};

// Networking the generated /init configures before it starts the program.
struct NetworkSpec {
    enum class Mode { None, Dhcp, Static };
    Mode mode = Mode::None;
    std::string interface = "eth0";
    std::string address;           // Static: "10.0.2.15/24"
    std::string gateway;           // Static, optional: "10.0.2.2"
    std::vector<std::string> dns;  // nameservers written to /etc/resolv.conf
};

struct InitSpec {
    std::string program;  // absolute guest path, exec'd by the generated /init
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // sorted by name
    SourceMark mark;
};

struct VmShape {
    std::uint64_t memory = 2ull << 30;  // bytes
    std::string memory_text = "2G";     // as written, for messages
    unsigned cpus = 1;
};

enum class Compression { None, Gzip, Zstd, Xz };
std::string to_string(Compression c);  // "none", "gzip", "zstd", "xz"

struct InitramfsSpec {
    Compression compression = Compression::Gzip;
    int level = 9;  // 0 for none
};

struct Recipe {
    std::filesystem::path file;                // the recipe named by the user
    std::vector<std::filesystem::path> chain;  // it and every recipe it extends, child first
    SourceTexts texts;                         // their texts, for quoting lines in later errors
    std::string name;
    std::string description;  // for people; not hashed
    std::vector<Source> sources;
    std::vector<PackageSpec> packages;
    ArtifactSpec kernel;
    ArtifactSpec ovmf;
    std::vector<std::string> modules;
    std::vector<FileSpec> files;
    InitSpec init;
    std::string cmdline;
    VmShape vm;
    std::string profile = "upstream";
    InitramfsSpec initramfs;
    NetworkSpec network;
    // The time every entry of the initramfs carries, unless SOURCE_DATE_EPOCH
    // is set in the environment; unset: the lock's.
    std::optional<std::int64_t> source_date_epoch;

    const Source& source(const std::string& name) const;  // throws when unknown
};

// Reads `file` and every recipe it extends, merges them, checks the result.
// Throws one tdx::Error (BadInput) listing every problem, each naming the
// file, line and column of the offending value; Io when a file is unreadable.
Recipe load_recipe(const std::filesystem::path& file);

// Local files the recipe names (keyrings, kernel/OVMF files, files to add)
// that do not exist or are not regular files; throws like load_recipe.
void check_local_files(const Recipe& recipe);

// The merged recipe as canonical JSON: keys sorted, no insignificant space,
// every default filled in, relative paths given from the recipe's directory.
// Key order, quoting, comments and layout of the YAML do not change it.
std::string canonical_recipe_json(const Recipe& recipe);
// SHA-256 (lowercase hex) of canonical_recipe_json: what the lockfile records.
std::string recipe_sha256(const Recipe& recipe);

}  // namespace tdx::builder
