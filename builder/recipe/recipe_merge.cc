#include "builder/recipe/recipe_merge.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "base/error.h"
#include "base/limits.h"

namespace tdx::builder {
namespace {

namespace fs = std::filesystem;

// Deeper than any sensible layering; stops a runaway chain of distinct files.

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
    // Where each key is in `out`, and which keys the child has: hashed, so
    // that a mapping of 80000 keys merges in linear time.
    std::unordered_map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < out.entries.size(); ++i) at.emplace(out.entries[i].key, i);
    std::unordered_set<std::string_view> child_keys;
    for (const TreeEntry& ce : child.entries) child_keys.insert(ce.key);
    auto inherited = [&](const std::string& key) -> TreeEntry* {
        const auto it = at.find(key);
        return it == at.end() ? nullptr : &out.entries[it->second];
    };
    auto add = [&](TreeEntry e) {
        out.entries.push_back(std::move(e));
        at.emplace(out.entries.back().key, out.entries.size() - 1);
    };
    for (const TreeEntry& ce : child.entries) {
        if (is_append_key(ce.key)) {
            const std::string key = ce.key.substr(0, ce.key.size() - 1);
            if (child_keys.count(key)) {
                errors.add(ce.key_mark, "'" + ce.key + "' and '" + key + "' in the same mapping: give one of them");
                continue;
            }
            if (ce.value.kind != TreeNode::Kind::Seq) {
                errors.add(ce.value.mark, ce.key + " appends to a list; expected a list, found " + ce.value.kind_name());
                continue;
            }
            TreeEntry* pe = inherited(key);
            if (!pe) {
                add({key, ce.key_mark, ce.value});
            } else if (pe->value.kind == TreeNode::Kind::Null) {
                *pe = {key, ce.key_mark, ce.value};
            } else if (pe->value.kind == TreeNode::Kind::Seq) {
                pe->value.items.insert(pe->value.items.end(), ce.value.items.begin(), ce.value.items.end());
            } else {
                errors.add(ce.key_mark, ce.key + ": the inherited '" + key + "' (" + pe->value.mark.str() + ") is not a list, found " +
                                            pe->value.kind_name());
            }
            continue;
        }
        TreeEntry* pe = inherited(ce.key);
        if (pe && pe->value.kind == TreeNode::Kind::Map && ce.value.kind == TreeNode::Kind::Map) {
            pe->value = merge_trees(pe->value, ce.value, errors);
            pe->key_mark = ce.key_mark;
        } else if (pe) {
            // An explicit null replaces the inherited value too: the key
            // stays, reads as "not given" (the default applies), and is still
            // checked against the known keys like any other.
            pe->value = ce.value;
            pe->key_mark = ce.key_mark;
        } else if (ce.value.kind == TreeNode::Kind::Map) {
            // Resolve KEY+ and nulls inside a mapping that has nothing to inherit.
            TreeNode empty;
            empty.kind = TreeNode::Kind::Map;
            add({ce.key, ce.key_mark, merge_trees(empty, ce.value, errors)});
        } else {
            add(ce);
        }
    }
    return out;
}

MergedTree load_merged_tree(const fs::path& file, ErrorList& errors) {
    std::vector<fs::path> stack{normal_path(file)};
    return load_chain(file, stack, errors);
}

}  // namespace tdx::builder
