// `extends:` — a recipe built on another. The parent is read first, then the
// child's values are laid over it (docs/recipes.md, "Merge rules"):
// mappings merge key by key, scalars and lists replace, `KEY+:` appends to
// an inherited list, and `KEY: null` removes an inherited value.
#pragma once

#include <filesystem>
#include <vector>

#include "builder/recipe/recipe_tree.h"

namespace tdx::builder {

struct MergedTree {
    TreeNode root;
    std::vector<std::filesystem::path> chain;  // the file, then its parent, grandparent...
};

// Loads `file` and its extends chain (each path relative to the file that
// names it) and merges them. Cycles, unreadable parents and misuse of the
// merge operators are added to `errors` at the offending key.
MergedTree load_merged_tree(const std::filesystem::path& file, ErrorList& errors);

// Lays `child` over `parent` (both mappings) by the rules above. Also used
// with an empty parent, which resolves `KEY+` and `null` in a lone file.
TreeNode merge_trees(const TreeNode& parent, const TreeNode& child, ErrorList& errors);

}  // namespace tdx::builder
