// Where a RECIPE argument points: a recipe file given by its path, or a
// shipped recipe given by its name ("debian-13"), looked up in the
// installed data directory (docs/recipes.md, "Shipped recipes"). Every
// command that takes a RECIPE resolves it here before load_recipe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tdx::builder {

struct RecipeLocation {
    std::filesystem::path file;          // the recipe to load
    std::filesystem::path default_lock;  // its lock unless --lock says otherwise
    bool by_name = false;                // found in the search path

    // The lock a command uses: its --lock when given, else default_lock.
    std::filesystem::path lock_for(const std::string& lock_option) const {
        return lock_option.empty() ? default_lock : std::filesystem::path(lock_option);
    }
};

// The directories searched for a recipe given by name, in this order, those
// that exist, each once: every entry of $TDXIMAGE_RECIPE_PATH (colon-
// separated); the source tree's recipes/ when this program runs where its
// build put it (build/cli/tdximage); share/tdximage/recipes beside the program's bin/ (an install
// moved with --prefix or DESTDIR); the configured install prefix's
// share/tdximage/recipes.
std::vector<std::filesystem::path> recipe_search_path();

// `arg` is a path when it contains '/' or names something that exists (a
// missing path is load_recipe's to report); its lock is "<arg>.lock".
// Otherwise it names a recipe, "debian-13" or "debian-13.yaml", found in
// the first directory of `search_path` that has it; its lock is
// "./debian-13.yaml.lock" in the current directory, since the data
// directory is usually read-only. An unknown name throws tdx::Error
// (Usage) listing the recipes there, with the nearest as a suggestion.
RecipeLocation find_recipe(const std::string& arg, const std::vector<std::filesystem::path>& search_path);
RecipeLocation find_recipe(const std::string& arg);  // in recipe_search_path()

// The recipes in `search_path` by name ("alpine", "debian-13"), sorted.
std::vector<std::string> shipped_recipe_names(const std::vector<std::filesystem::path>& search_path);

}  // namespace tdx::builder
