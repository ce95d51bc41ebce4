// Debian version ordering and relationship fields, as dpkg and apt define
// them, so the resolver picks the same candidates and accepts the same
// dependencies as `apt-get install` would.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tdx::builder {

// dpkg's total order on "[epoch:]upstream[-revision]": epochs numerically,
// then upstream and revision with letters before non-letters, '~' before
// everything (even the end of the string) and digit runs compared as numbers.
// Returns <0, 0, >0. Equal means equivalent ("1.0" == "0:1.0" == "1.0-0").
int compare_versions(std::string_view a, std::string_view b);

// Throws tdx::Error ("where: ...") when `v` is not a version dpkg would
// accept: empty, a non-numeric epoch, an empty upstream part or revision, or
// whitespace/characters outside the allowed set.
void check_version(std::string_view v, const std::string& where);

enum class RelOp { Any, Less, LessEqual, Equal, GreaterEqual, Greater };

// "<<", "<=", "=", ">=", ">>"; the obsolete "<" and ">" mean "<=" and ">="
// (as dpkg and apt still read them). Throws naming `where` otherwise.
RelOp parse_relop(std::string_view op, const std::string& where);
std::string to_string(RelOp op);

// Whether `version` satisfies "(op constraint)"; RelOp::Any always does.
bool version_satisfies(std::string_view version, RelOp op, std::string_view constraint);

// One alternative of a dependency: "name[:arch] [(op version)]".
struct DepAtom {
    std::string name;
    std::string arch_qualifier;  // "", "any", "native" or an architecture name
    RelOp op = RelOp::Any;
    std::string version;
};

// "a | b (>= 1)": alternatives in preference order.
using DepGroup = std::vector<DepAtom>;

std::string to_string(const DepAtom& atom);
std::string to_string(const DepGroup& group);

// Parses a relationship field (Depends, Pre-Depends, Conflicts, Provides...)
// for a build on `host_arch`: comma-separated groups of '|' alternatives.
// "[arch ...]" lists drop alternatives not meant for host_arch; "<profile>"
// restriction lists are evaluated with no build profile active (what apt does
// when installing binary packages), so "<!nocheck>" keeps and "<stage1>"
// drops the alternative. A group left without alternatives disappears.
// `where` ("file:line: Depends") prefixes errors.
std::vector<DepGroup> parse_relations(std::string_view field, const std::string& host_arch, const std::string& where);

}  // namespace tdx::builder
