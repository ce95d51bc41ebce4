#include "builder/recipe/recipe_search.h"

#include <algorithm>
#include <cstdlib>

#include "base/error.h"
#include "base/suggest.h"
#include "base/text_list.h"

// Set by builder/CMakeLists.txt for this file only.
#ifndef TDXIMAGE_DATADIR
#error "TDXIMAGE_DATADIR (the install prefix's share/tdximage) must be defined"
#endif

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

constexpr char kSuffix[] = ".yaml";

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The running program, with links resolved; empty when /proc is missing.
fs::path self_exe() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : p;
}

bool same_directory(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec);
}

}  // namespace

std::vector<fs::path> recipe_search_path() {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("TDXIMAGE_RECIPE_PATH")) {
        const std::string text = env;
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t colon = text.find(':', start);
            if (colon == std::string::npos) colon = text.size();
            if (colon > start) candidates.emplace_back(text.substr(start, colon - start));
            start = colon + 1;
        }
    }
    const fs::path exe = self_exe();
#if defined(TDXIMAGE_SOURCE_DIR) && defined(TDXIMAGE_BUILD_TOOL_DIR)
    // The program where the build made it goes with its own sources'
    // recipes, ahead of whatever release is installed (an install, even one
    // inside the build tree, has its own copy).
    if (!exe.empty() && same_directory(exe.parent_path(), TDXIMAGE_BUILD_TOOL_DIR))
        candidates.push_back(fs::path(TDXIMAGE_SOURCE_DIR) / "recipes");
#endif
    if (!exe.empty()) candidates.push_back(exe.parent_path().parent_path() / "share" / "tdximage" / "recipes");
    candidates.push_back(fs::path(TDXIMAGE_DATADIR) / "recipes");

    std::vector<fs::path> out;
    for (const fs::path& c : candidates) {
        std::error_code ec;
        if (!fs::is_directory(c, ec)) continue;
        const fs::path key = fs::weakly_canonical(c, ec);
        if (std::none_of(out.begin(), out.end(), [&](const fs::path& o) { return fs::weakly_canonical(o, ec) == key; })) out.push_back(c);
    }
    return out;
}

std::vector<std::string> shipped_recipe_names(const std::vector<fs::path>& search_path) {
    std::vector<std::string> names;
    for (const fs::path& dir : search_path) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string file = it->path().filename().string();
            if (!ends_with(file, kSuffix) || !it->is_regular_file(ec)) continue;
            const std::string name = file.substr(0, file.size() - (sizeof kSuffix - 1));
            if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

RecipeLocation find_recipe(const std::string& arg, const std::vector<fs::path>& search_path) {
    std::error_code ec;
    if (arg.empty() || arg.find('/') != std::string::npos || fs::exists(fs::symlink_status(arg, ec)))
        return {fs::path(arg), fs::path(arg + ".lock"), false};
    const std::string file = ends_with(arg, kSuffix) ? arg : arg + kSuffix;
    for (const fs::path& dir : search_path) {
        if (fs::is_regular_file(dir / file, ec)) return {dir / file, fs::path(file + ".lock"), true};
    }
    const std::vector<std::string> names = shipped_recipe_names(search_path);
    const std::string wanted = file.substr(0, file.size() - (sizeof kSuffix - 1));
    std::string best = closest_name(wanted, names);
    for (const std::string& n : names)
        if (best.empty() && n.compare(0, wanted.size(), wanted) == 0) best = n;  // "debian" -> "debian-13"
    std::vector<std::string> dirs;
    for (const fs::path& d : search_path) dirs.push_back(d.string());
    if (names.empty())
        fail(arg + ": no such recipe file, and no directory of shipped recipes was found (set TDXIMAGE_RECIPE_PATH, or give the recipe's path)",
             ErrorKind::Usage);
    fail(arg + ": no such recipe file, nor a shipped recipe of that name" + (best.empty() ? "" : "; did you mean '" + best + "'?") +
             " (shipped: " + comma_list(names) + "; in " + comma_list(dirs) + ")",
         ErrorKind::Usage);
}

RecipeLocation find_recipe(const std::string& arg) { return find_recipe(arg, recipe_search_path()); }

}  // namespace tdx::builder
