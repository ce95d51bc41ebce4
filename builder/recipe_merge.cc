#include "builder/recipe_merge.h"

#include <algorithm>

#include "measure/base/error.h"
#include "measure/base/limits.h"

namespace tdx::builder {
namespace {

namespace fs = std::filesystem;

// Deeper than any sensible layering; stops a runaway chain of distinct files.

TreeEntry* find_entry(TreeNode& map, const std::string& key) {
    for (TreeEntry& e : map.entries)
        if (e.key == key) return &e;
    return nullptr;
}

void erase_entry(TreeNode& map, const std::string& key) {
    map.entries.erase(std::remove_if(map.entries.begin(), map.entries.end(), [&](const TreeEntry& e) { return e.key == key; }),
                      map.entries.end());
}

bool is_append_key(const std::string& key) { return key.size() > 1 && key.back() == '+'; }

fs::path normal_path(const fs::path& p) {
    std::error_code ec;
    fs::path canon = fs::weakly_canonical(p, ec);
    return ec ? fs::absolute(p).lexically_normal() : canon;
}

MergedTree load_chain(const fs::path& file, std::vector<fs::path>& stack, ErrorList& errors) {
    TreeNode tree = load_tree(file, errors);
    MergedTree out;
    out.chain.push_back(file);
    if (tree.kind != TreeNode::Kind::Map) {
        // An empty file or a syntax error already said why when it has no mark.
        if (tree.kind != TreeNode::Kind::Null || errors.empty())
            errors.add(tree.mark, "a recipe must be a mapping of keys (name:, sources:, ...), found " + tree.kind_name());
        out.root.kind = TreeNode::Kind::Map;
        out.root.mark = tree.mark;
        return out;
    }
    TreeNode empty;
    empty.kind = TreeNode::Kind::Map;
    empty.mark = tree.mark;
    TreeNode base = empty;

    const TreeNode* ext = tree.find("extends");
    if (ext && ext->kind != TreeNode::Kind::Null) {
        if (ext->kind != TreeNode::Kind::Scalar || ext->scalar.empty()) {
            errors.add(ext->mark, "extends: expected the path of another recipe, found " + ext->kind_name());
        } else {
            const fs::path parent = (file.parent_path() / ext->scalar).lexically_normal();
            const fs::path key = normal_path(parent);
            auto seen = std::find(stack.begin(), stack.end(), key);
            std::error_code ec;
            if (seen != stack.end()) {
                std::string cycle;
                for (auto it = seen; it != stack.end(); ++it) cycle += it->filename().string() + " -> ";
                errors.add(ext->mark, "extends: cycle: " + cycle + key.filename().string());
            } else if (stack.size() >= limit(Limit::RecipeDepth)) {
                errors.add(ext->mark, exceeded_message(Limit::RecipeDepth, "", "extends: the chain of recipes"));
            } else if (!fs::is_regular_file(parent, ec)) {
                errors.add(ext->mark, "extends: '" + parent.string() + "' does not exist or is not a file");
            } else {
                stack.push_back(key);
                MergedTree up = load_chain(parent, stack, errors);
                stack.pop_back();
                base = std::move(up.root);
                out.chain.insert(out.chain.end(), up.chain.begin(), up.chain.end());
            }
        }
    }
    erase_entry(tree, "extends");
    out.root = merge_trees(base, tree, errors);
    // The merged document is the child's: missing-key errors point at it.
    out.root.mark = tree.mark;
    return out;
}

}  // namespace

TreeNode merge_trees(const TreeNode& parent, const TreeNode& child, ErrorList& errors) {
    TreeNode out = parent;
    out.mark = child.mark;
    for (const TreeEntry& ce : child.entries) {
        if (is_append_key(ce.key)) {
            const std::string key = ce.key.substr(0, ce.key.size() - 1);
            if (child.find(key)) {
                errors.add(ce.key_mark, "'" + ce.key + "' and '" + key + "' in the same mapping: give one of them");
                continue;
            }
            if (ce.value.kind != TreeNode::Kind::Seq) {
                errors.add(ce.value.mark, ce.key + " appends to a list; expected a list, found " + ce.value.kind_name());
                continue;
            }
            TreeEntry* pe = find_entry(out, key);
            if (!pe) {
                out.entries.push_back({key, ce.key_mark, ce.value});
            } else if (pe->value.kind == TreeNode::Kind::Seq) {
                pe->value.items.insert(pe->value.items.end(), ce.value.items.begin(), ce.value.items.end());
            } else {
                errors.add(ce.key_mark, ce.key + ": the inherited '" + key + "' (" + pe->value.mark.str() + ") is not a list, found " +
                                            pe->value.kind_name());
            }
            continue;
        }
        TreeEntry* pe = find_entry(out, ce.key);
        if (ce.value.kind == TreeNode::Kind::Null) {
            // Explicit null: drop the inherited value, so the default applies.
            if (pe) erase_entry(out, ce.key);
            continue;
        }
        if (pe && pe->value.kind == TreeNode::Kind::Map && ce.value.kind == TreeNode::Kind::Map) {
            pe->value = merge_trees(pe->value, ce.value, errors);
            pe->key_mark = ce.key_mark;
        } else if (pe) {
            pe->value = ce.value;
            pe->key_mark = ce.key_mark;
        } else if (ce.value.kind == TreeNode::Kind::Map) {
            // Resolve KEY+ and nulls inside a mapping that has nothing to inherit.
            TreeNode empty;
            empty.kind = TreeNode::Kind::Map;
            out.entries.push_back({ce.key, ce.key_mark, merge_trees(empty, ce.value, errors)});
        } else {
            out.entries.push_back(ce);
        }
    }
    return out;
}

MergedTree load_merged_tree(const fs::path& file, ErrorList& errors) {
    std::vector<fs::path> stack{normal_path(file)};
    return load_chain(file, stack, errors);
}

}  // namespace tdx::builder
