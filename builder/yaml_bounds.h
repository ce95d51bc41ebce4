// The size of a YAML document as a walk sees it. yaml-cpp keeps an alias as
// one shared node, but every walk visits its target again at each use: nine
// nested anchors of ten aliases each make a 430-byte file of 10^9 nodes (the
// recipe fuzzer's alias bomb; a 311 KB lockfile expanded to 3.4 GB). Every
// YAML document the tool reads (recipes, lockfiles) is checked here, without
// recursion, before anything walks it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace tdx::builder {

// A real recipe or lock has a few hundred nodes and five levels.
inline constexpr std::size_t kMaxYamlNodes = 100000;
inline constexpr std::size_t kMaxYamlDepth = 64;

struct YamlBoundsProblem {
    YAML::Mark mark;      // where the walk stopped
    std::string message;  // "the lockfile expands to more than 100000 YAML nodes ..."
};

// nullopt when the document is within both bounds; `what` names it in the
// message ("the recipe", "the lockfile").
std::optional<YamlBoundsProblem> check_yaml_bounds(const YAML::Node& root, const std::string& what);

}  // namespace tdx::builder
