// Alpine package versions and dependency atoms, compared the way apk does so
// a resolver picks the package apk itself would pick.
//
// Version grammar: number{.number}[letter]{_suffix[number]}[~hash][-rN],
// suffixes ordered alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p.
// Dependency atoms: [!]name[op version], op built from the characters
// < > = ~ (so "<=", ">=", "~", "=~" and "><" = "not equal" all parse);
// names include the virtual namespaces so:, cmd:, pc:.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tdx::builder {

// True when `v` follows the grammar above.
bool apk_version_valid(std::string_view v);

// <0, 0 or >0 as a is older than, equal to or newer than b. Throws tdx::Error
// naming both versions when either is invalid (apk would refuse them too).
int apk_version_compare(std::string_view a, std::string_view b);

// Bit set of acceptable outcomes of compare(candidate, wanted).
enum ApkVersionMask : unsigned {
    kApkAny = 0,
    kApkLess = 1,
    kApkEqual = 2,
    kApkGreater = 4,
    kApkFuzzy = 8,  // "~": wanted is a prefix (by version components) of the candidate
};

// Whether `version` matches `mask` relative to `wanted`; kApkAny matches everything.
bool apk_version_matches(std::string_view version, unsigned mask, std::string_view wanted);

// "<", "<=", "=", ">=", ">", "~", "><", ... for messages.
std::string apk_mask_string(unsigned mask);

struct ApkDependency {
    std::string name;         // "musl", "so:libc.musl-x86_64.so.1", "cmd:sh", "pc:zlib"
    unsigned mask = kApkAny;  // version constraint, kApkAny when none
    std::string version;      // empty when mask == kApkAny
    bool conflict = false;    // "!name": must not be installed (in that version range)

    bool constrained() const { return mask != kApkAny; }
    std::string to_string() const;  // round-trips the atom
};

// Parses one atom; `where` names the source (file:line) for errors.
ApkDependency parse_apk_dependency(std::string_view atom, const std::string& where);
// Parses a space-separated list (D:, p:, i: lines, .PKGINFO values).
std::vector<ApkDependency> parse_apk_dependencies(std::string_view list, const std::string& where);

}  // namespace tdx::builder
