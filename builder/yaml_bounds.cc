#include "builder/yaml_bounds.h"

#include <utility>
#include <vector>

namespace tdx::builder {

std::optional<YamlBoundsProblem> check_yaml_bounds(const YAML::Node& root, const std::string& what) {
    std::vector<std::pair<YAML::Node, std::size_t>> pending{{root, 0}};
    std::size_t visited = 0;
    while (!pending.empty()) {
        const auto [node, depth] = pending.back();
        pending.pop_back();
        if (++visited > kMaxYamlNodes)
            return YamlBoundsProblem{node.Mark(), what + " expands to more than " + std::to_string(kMaxYamlNodes) +
                                                      " YAML nodes (aliases are expanded at every use); refusing it"};
        if (depth > kMaxYamlDepth)
            return YamlBoundsProblem{node.Mark(), "values nested more than " + std::to_string(kMaxYamlDepth) + " levels deep; refusing " + what};
        if (node.IsSequence()) {
            for (const YAML::Node& item : node) pending.emplace_back(item, depth + 1);
        } else if (node.IsMap()) {
            for (auto it = node.begin(); it != node.end(); ++it) {
                pending.emplace_back(it->first, depth + 1);
                pending.emplace_back(it->second, depth + 1);
            }
        }
    }
    return std::nullopt;
}

}  // namespace tdx::builder
