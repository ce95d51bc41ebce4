// A recipe: the YAML document as a tree with source marks, the merge rules
// applied to a lone file (KEY+ and null), and the conversion of the merged
// tree into a checked Recipe with its canonical JSON and hash. Only one
// document is read: an input naming a parent through extends: stops after
// the tree, so no file but the input's own is ever opened.
#include "builder/recipe/recipe.h"
#include "builder/recipe/recipe_merge.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

bool names_a_parent(const tdx::builder::TreeNode& root) {
    const tdx::builder::TreeNode* ext = root.kind == tdx::builder::TreeNode::Kind::Map ? root.find("extends") : nullptr;
    return ext && ext->kind != tdx::builder::TreeNode::Kind::Null;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    using builder::TreeNode;
    // load_recipe takes a path: an in-memory file in /proc/self/fd, where
    // relative paths in the recipe resolve to nothing real.
    static fuzz::MemoryFile file("recipe.yaml");
    const std::string text(fuzz::text_of(data, size));

    builder::ErrorList errors;
    const TreeNode root = builder::parse_tree(text, "fuzz.yaml", errors);
    if (root.kind == TreeNode::Kind::Map) {
        TreeNode empty;
        empty.kind = TreeNode::Kind::Map;
        (void)builder::merge_trees(empty, root, errors);
    }
    fuzz::rejecting([&] { errors.throw_if_any(); });
    if (!errors.empty() || names_a_parent(root)) return 0;

    file.assign(data, size);
    fuzz::rejecting([&] {
        const builder::Recipe recipe = builder::load_recipe(file.path());
        (void)builder::canonical_recipe_json(recipe);
        (void)builder::recipe_sha256(recipe);
    });
    return 0;
}
