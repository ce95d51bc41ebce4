// `tdximage recipe show/check` as a user runs them: exit 0 for valid
// recipes, 2 with file:line:column for broken ones, JSON that parses.
#include "tests/support/catch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/cli/minimal_recipe.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

fs::path recipes_dir() { return tdx::test::source_dir() / "recipes"; }

}  // namespace

TEST_CASE("recipe check: valid recipes exit 0 and print their hash") {
    TempDir d;
    write_text(d / "r.yaml", kMinimalRecipe);
    write_text(d / "keyring.gpg", "");
    auto r = run({tool_path().string(), "recipe", "check", (d / "r.yaml").string(), (recipes_dir() / "alpine.yaml").string()});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("r.yaml: ok, sha256 "));
    CHECK_THAT(r.out, TDX_CONTAINS("alpine.yaml: ok, sha256 "));
}

TEST_CASE("recipe check: a broken recipe exits 2 naming file, line and column, the others are still checked") {
    TempDir d;
    write_text(d / "bad.yaml", std::string(kMinimalRecipe) + "vm: {cpuz: 2}\n");
    write_text(d / "good.yaml", kMinimalRecipe);
    write_text(d / "keyring.gpg", "");
    auto r = run({tool_path().string(), "recipe", "check", (d / "bad.yaml").string(), (d / "good.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("bad.yaml:11:6: vm: unknown key 'cpuz' (did you mean 'cpus'?)"));
    CHECK_THAT(r.out, TDX_CONTAINS("good.yaml: ok"));
}

TEST_CASE("recipe check: a missing local file is an error, recipe show does not mind") {
    TempDir d;
    write_text(d / "r.yaml", kMinimalRecipe);
    auto r = run({tool_path().string(), "recipe", "check", (d / "r.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("r.yaml:7:14: sources[0].keyring: '"));
    auto s = run({tool_path().string(), "recipe", "show", (d / "r.yaml").string()});
    CHECK(s.exit_code == 0);
    CHECK_THAT(s.out, TDX_CONTAINS("kernel:    package linux-image-cloud-amd64 (source trixie), /boot/vmlinuz-*"));
}

TEST_CASE("recipe show --json: the merged recipe and its hash, --canonical is what is hashed") {
    auto r = run({tool_path().string(), "recipe", "show", "--json", (recipes_dir() / "debian-13-debug.yaml").string()});
    REQUIRE(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["schema"] == "tdximage.recipe-show/v1");
    CHECK(doc["recipe"]["name"] == "debian-13-debug");
    CHECK(doc["recipe"]["vm"]["memory"] == 4ull << 30);
    CHECK(doc["recipe"]["vm"]["cpus"] == 2);  // inherited from debian-13.yaml
    CHECK(doc["files"].size() == 2);
    auto c = run({tool_path().string(), "recipe", "show", "--canonical", (recipes_dir() / "debian-13-debug.yaml").string()});
    REQUIRE(c.exit_code == 0);
    CHECK(nlohmann::json::parse(c.out) == doc["recipe"]);
}

TEST_CASE("recipe show: a missing file or a bad recipe exits 2") {
    TempDir d;
    auto r = run({tool_path().string(), "recipe", "show", (d / "none.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("none.yaml: cannot read the recipe: No such file or directory"));
    write_text(d / "r.yaml", "name: [\n");
    r = run({tool_path().string(), "recipe", "show", (d / "r.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("r.yaml:2:1: not valid YAML syntax"));
    r = run({tool_path().string(), "recipe", "show"});
    CHECK(r.exit_code == 2);
}

TEST_CASE("recipe check, show and build: a directory given as the recipe says so") {
    TempDir d;
    for (const std::vector<std::string>& cmd :
         {std::vector<std::string>{"recipe", "check", d.path().string()}, std::vector<std::string>{"recipe", "show", d.path().string()},
          std::vector<std::string>{"build", d.path().string()}, std::vector<std::string>{"lock", d.path().string()}}) {
        std::vector<std::string> argv = {tool_path().string()};
        argv.insert(argv.end(), cmd.begin(), cmd.end());
        auto r = run(argv);
        INFO(cmd[0]);
        CHECK(r.exit_code == 2);
        CHECK(r.err == "tdximage: error: " + d.path().string() + ": is a directory, not a recipe file\n");
    }
}

TEST_CASE("recipe show and check: a shipped recipe by name, from the source tree for a build-tree tool") {
    auto r = run({tool_path().string(), "recipe", "show", "debian-13"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("recipe:    debian-13\n"));
    CHECK_THAT(r.out, TDX_CONTAINS(fs::weakly_canonical(recipes_dir() / "debian-13.yaml").string()));
    auto c = run({tool_path().string(), "recipe", "check", "alpine", "debian-13.yaml"});
    CHECK(c.exit_code == 0);
    CHECK_THAT(c.out, TDX_CONTAINS("alpine: ok, sha256 "));
    CHECK_THAT(c.out, TDX_CONTAINS("debian-13.yaml: ok, sha256 "));
}

TEST_CASE("recipe show: an unknown name lists the shipped recipes with a did-you-mean") {
    auto r = run({tool_path().string(), "recipe", "show", "debain-13"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err,
               TDX_CONTAINS("tdximage: error: debain-13: no such recipe file, nor a shipped recipe of that name; did you mean 'debian-13'? "
                            "(shipped: alpine, debian-13, debian-13-debug, ubuntu-24.04; in "));
}

TEST_CASE("recipe show: TDXIMAGE_RECIPE_PATH is searched first") {
    TempDir d;
    write_text(d / "debian-13.yaml", std::string(kMinimalRecipe));
    write_text(d / "keyring.gpg", "");
    auto r = run({"/usr/bin/env", "TDXIMAGE_RECIPE_PATH=" + d.path().string(), tool_path().string(), "recipe", "show", "debian-13"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("recipe:    t\n"));
}

TEST_CASE("recipe check: an error in a recipe read from a FIFO is quoted without opening the FIFO again") {
    TempDir d;
    const fs::path fifo = d / "r.yaml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string text = std::string(kMinimalRecipe) + "vm: {cpuz: 2}\n";
    // The writer opens first (its open waits for the reader) so the tool
    // reads the text, not an empty FIFO.
    std::thread writer([&] {
        const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return;
        (void)!::write(fd, text.data(), text.size());
        ::close(fd);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // Before the fix the error printer re-opened the FIFO and waited forever
    // for a second writer; timeout turns that into exit status 124.
    const auto r = run({"/usr/bin/timeout", "20", tool_path().string(), "recipe", "check", fifo.string()});
    // Release the writer if the tool never opened the FIFO.
    const int unblock = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    writer.join();
    if (unblock >= 0) ::close(unblock);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("r.yaml:11:6: vm: unknown key 'cpuz'") && TDX_CONTAINS("\n    vm: {cpuz: 2}\n         ^"));
}

TEST_CASE("recipe check: a 2 MB one-line recipe with 60 unknown keys writes a bounded error") {
    TempDir d;
    std::string line = "{name: t";
    for (int i = 0; i < 60; ++i) line += ", k" + std::to_string(i) + ": '" + std::string(33000, 'x') + "'";
    write_text(d / "r.yaml", line + "}\n");
    const auto r = run_tool({"recipe", "check", (d / "r.yaml").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("r.yaml:1:11: unknown key 'k0'") && TDX_CONTAINS("(more errors not shown)"));
    CHECK(r.err.size() < 64 * 1024);  // 200 MB before the fix
}

TEST_CASE("recipe check: a recipe name too long for a directory is refused, and build creates no output directory") {
    TempDir d;
    std::string text = kMinimalRecipe;
    text.replace(text.find("name: t"), 7, "name: " + std::string(5000, 'n'));
    write_text(d / "r.yaml", text);
    write_text(d / "keyring.gpg", "");
    const auto c = run_tool({"recipe", "check", (d / "r.yaml").string()});
    CHECK(c.exit_code == 2);
    CHECK_THAT(c.err, TDX_CONTAINS("r.yaml:1:7: name: 5000 bytes; a name has at most 128"));
    const auto b = run({"/bin/sh", "-c", "cd '" + d.path().string() + "' && exec '" + tool_path().string() + "' build r.yaml --offline"});
    CHECK(b.exit_code == 2);
    CHECK_THAT(b.err, TDX_CONTAINS("r.yaml:1:7: name: 5000 bytes"));
    CHECK_FALSE(fs::exists(d / "out"));
}

TEST_CASE("measure --cmdline: bytes that are not UTF-8 or are control characters are refused naming the option") {
    const auto r = run_tool({"measure", "--ovmf", "/nonexistent/OVMF.fd", "--cmdline", "console=ttyS0 x=\xff\xfe"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("--cmdline: byte 16 is not UTF-8"));
    CHECK_THAT(r.err, !TDX_CONTAINS("json"));
    const auto c = run_tool({"measure", "--ovmf", "/nonexistent/OVMF.fd", "--cmdline", "a\tb"});
    CHECK(c.exit_code == 2);
    CHECK_THAT(c.err, TDX_CONTAINS("--cmdline: contains a newline or another control character"));
}
