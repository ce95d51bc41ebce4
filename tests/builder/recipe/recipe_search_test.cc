// A RECIPE argument: a path stays a path (its lock beside it); a bare name
// is a shipped recipe from the first directory of the search path that has
// it (its lock in the current directory); an unknown name lists the known
// ones with the nearest.
#include "tests/support/catch.h"

#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "builder/recipe/recipe_search.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using tdx::builder::find_recipe;
using tdx::builder::RecipeLocation;
namespace fs = std::filesystem;

namespace {

// Runs the test body in `dir`, back to the previous directory afterwards.
struct InDirectory {
    fs::path before = fs::current_path();
    explicit InDirectory(const fs::path& dir) { fs::current_path(dir); }
    ~InDirectory() { fs::current_path(before); }
};

// Sets an environment variable for the test body, restoring it afterwards.
struct EnvVar {
    std::string name;
    std::optional<std::string> before;
    EnvVar(std::string n, const std::string& value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) before = v;
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~EnvVar() {
        if (before) ::setenv(name.c_str(), before->c_str(), 1);
        else
            ::unsetenv(name.c_str());
    }
};

}  // namespace

TEST_CASE("recipe search: a path is a path, its lock beside it") {
    TempDir d;
    const RecipeLocation a = find_recipe("some/dir/r.yaml", {d.path()});
    CHECK(a.file == "some/dir/r.yaml");
    CHECK(a.default_lock == "some/dir/r.yaml.lock");
    CHECK_FALSE(a.by_name);
    // A missing path is left for load_recipe to report.
    CHECK(find_recipe((d / "none.yaml").string(), {}).file == d / "none.yaml");
}

TEST_CASE("recipe search: a bare name is a shipped recipe from the first directory that has it, its lock here") {
    TempDir a, b;
    write_text(b / "debian-13.yaml", "name: b\n");
    write_text(b / "alpine.yaml", "name: b\n");
    write_text(a / "alpine.yaml", "name: a\n");
    for (const std::string arg : {"alpine", "alpine.yaml"}) {
        const RecipeLocation l = find_recipe(arg, {a.path(), b.path()});
        CHECK(l.file == a / "alpine.yaml");
        CHECK(l.default_lock == "alpine.yaml.lock");
        CHECK(l.by_name);
    }
    CHECK(find_recipe("debian-13", {a.path(), b.path()}).file == b / "debian-13.yaml");
    CHECK(tdx::builder::shipped_recipe_names({a.path(), b.path()}) == std::vector<std::string>{"alpine", "debian-13"});

    // A file of that name in the current directory wins over the shipped one.
    TempDir here;
    write_text(here / "alpine", "name: here\n");
    InDirectory in(here.path());
    const RecipeLocation l = find_recipe("alpine", {a.path()});
    CHECK(l.file == "alpine");
    CHECK_FALSE(l.by_name);
}

TEST_CASE("recipe search: an unknown name lists the shipped recipes with the nearest") {
    TempDir a;
    for (const char* n : {"alpine.yaml", "debian-13.yaml", "ubuntu-24.04.yaml", "README.md"}) write_text(a / n, "");
    CHECK(error_of([&] { find_recipe("debain-13", {a.path()}); }) ==
          "debain-13: no such recipe file, nor a shipped recipe of that name; did you mean 'debian-13'? (shipped: alpine, debian-13, "
          "ubuntu-24.04; in " +
              a.path().string() + ")");
    CHECK_THAT(error_of([&] { find_recipe("ubuntu", {a.path()}); }), TDX_CONTAINS("did you mean 'ubuntu-24.04'?"));
    CHECK_THAT(error_of([&] { find_recipe("fedora", {a.path()}); }),
               TDX_CONTAINS("fedora: no such recipe file, nor a shipped recipe of that name (shipped: alpine, debian-13, ubuntu-24.04"));
    CHECK(error_of([&] { find_recipe("alpine", {}); }) ==
          "alpine: no such recipe file, and no directory of shipped recipes was found (set TDXIMAGE_RECIPE_PATH, or give the recipe's path)");
}

TEST_CASE("recipe search: TDXIMAGE_RECIPE_PATH comes first, missing directories are skipped") {
    TempDir a, b;
    EnvVar env("TDXIMAGE_RECIPE_PATH", a.path().string() + "::" + (a / "missing").string() + ":" + b.path().string());
    const std::vector<fs::path> path = tdx::builder::recipe_search_path();
    REQUIRE(path.size() >= 2);
    CHECK(path[0] == a.path());
    CHECK(path[1] == b.path());
    write_text(b / "mine.yaml", "name: mine\n");
    CHECK(find_recipe("mine").file == b / "mine.yaml");
}
