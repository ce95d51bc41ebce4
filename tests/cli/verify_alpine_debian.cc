// `tdximage verify` on images of the offline Alpine scenario (alpine_scenario.h):
// what it compares and what that covers, the published files and their
// claims (manifest.json, measurements.json, the .hex files) checked against
// the bytes, the refusal of expectations that do not cover the agent, the
// agent named by the published manifest, and explanations below the event
// (the setup-header field QEMU writes).
#include "tests/cli/alpine_scenario.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

#include <sstream>

#include <nlohmann/json.hpp>

using namespace tdx::test;
namespace fs = std::filesystem;

using alpine::AlpineBuild;
using alpine::sha256_of_file;

namespace {

// A copy of the published directory with one byte of `file` flipped.
fs::path tampered_copy(const AlpineBuild& s, const std::string& file, const std::string& name) {
    const fs::path dir = s.d / name;
    fs::copy(s.d / "published", dir);
    std::vector<std::uint8_t> b = tdx::read_file(dir / file);
    b[b.size() / 2] ^= 0x01;
    write_bytes(dir / file, b);
    return dir;
}

std::string without_newline(std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// The recipe with `from` replaced by `to`, written as `name`.
std::string recipe_variant(const AlpineBuild& s, const std::string& from, const std::string& to, const std::string& name) {
    std::string text = read_text(s.d / "alpine.yaml");
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
    write_text(s.d / name, text);
    return (s.d / name).string();
}

}  // namespace

TEST_CASE("verify: a rebuild matches the published image and says what it compared and what that covers") {
    AlpineBuild s;
    const std::string recipe = s.recipe(), agent = s.agent();
    REQUIRE(s.tool({"build", recipe, "--agent", agent, "--agent-arg", "x y", "--out", (s.d / "published").string()}).exit_code == 0);
    const std::string published = (s.d / "published").string();

    SECTION("by directory: verified, with the registers, what they cover, and the published agent") {
        RunResult v = s.tool({"verify", recipe, "--agent", agent, "--agent-arg", "x y", "--expect-dir", published});
        INFO(v.out << v.err);
        CHECK(v.exit_code == 0);
        CHECK(v.out.rfind("verified: MR_TD, RTMR1, RTMR2 of alpine-local match the published values\n", 0) == 0);
        CHECK(v.out.find("RTMR2   covers the command line and the initramfs with the agent") != std::string::npos);
        CHECK(
            v.out.find("RTMR0   NOT compared, it covers the firmware configuration and the VM shape: the published values do not include it") !=
            std::string::npos);
        CHECK(v.out.find("agent:        agent (sha256 " + sha256_of_file(agent) + ", " + std::to_string(fs::file_size(agent)) +
                         " bytes), arguments: 'x y'") != std::string::npos);
        RunResult j = s.tool({"verify", recipe, "--agent", agent, "--agent-arg", "x y", "--expect-dir", published, "--json"});
        const auto doc = nlohmann::json::parse(j.out);
        CHECK(doc["verdict"] == "verified");
        CHECK(doc["partial"] == false);
        CHECK(doc["claims"].empty());
        CHECK(doc["pin"] == nlohmann::json::array({"mrtd", "rtmr1", "rtmr2"}));
        CHECK(doc["published_agent"]["args"] == nlohmann::json::array({"x y"}));
    }
    SECTION("by measurements.json, and --image with its own claims") {
        CHECK(s.tool({"verify", recipe, "--agent", agent, "--agent-arg", "x y", "--expect", published + "/measurements.json"}).exit_code == 0);
        CHECK(s.tool({"verify", recipe, "--image", published, "--expect-dir", published}).exit_code == 0);
    }
    SECTION("MR_TD alone does not cover the agent: refused, unless --partial, which says what was not verified") {
        const std::string mrtd = without_newline(read_text(s.d / "published" / "mr_td.hex"));
        RunResult refused = s.tool({"verify", recipe, "--agent", agent, "--expect-mrtd", mrtd});
        CHECK(refused.exit_code == 2);
        CHECK(refused.out.empty());
        CHECK(refused.err.find("the expected values give only MR_TD; they do not cover RTMR1 (the kernel) and RTMR2 (the command line and the "
                               "initramfs with the agent)") != std::string::npos);
        CHECK(refused.err.find("--partial") != std::string::npos);
        RunResult partial = s.tool({"verify", recipe, "--agent", agent, "--agent-arg", "x y", "--expect-mrtd", mrtd, "--partial"});
        INFO(partial.out << partial.err);
        CHECK(partial.exit_code == 0);
        CHECK(partial.out.rfind("verified: MR_TD of alpine-local matches the published value; NOT verified: RTMR1 (the kernel) and RTMR2 (the "
                                "command line and the initramfs with the agent)",
                                0) == 0);
        // A measurements.json without RTMR2 is refused the same way.
        auto doc = nlohmann::json::parse(read_text(s.d / "published" / "measurements.json"));
        doc["rtmr2"] = nullptr;
        doc["notes"]["rtmr2"] = "withheld";
        nlohmann::json events = nlohmann::json::array();
        for (const auto& e : doc["events"])
            if (e["register"] != "rtmr2") events.push_back(e);
        doc["events"] = events;
        write_text(s.d / "no-rtmr2.json", doc.dump());
        RunResult no2 = s.tool({"verify", recipe, "--agent", agent, "--expect", (s.d / "no-rtmr2.json").string()});
        CHECK(no2.exit_code == 2);
        CHECK(no2.err.find("they do not cover RTMR2 (the command line and the initramfs with the agent)") != std::string::npos);
    }
    SECTION("without --agent, the published manifest says which agent and arguments to pass") {
        RunResult v = s.tool({"verify", recipe, "--expect-dir", published});
        CHECK(v.exit_code == 2);
        CHECK(v.err.find("manifest.json: the published image was built with the agent agent (sha256 " + sha256_of_file(agent) + ", " +
                         std::to_string(fs::file_size(agent)) +
                         " bytes) and arguments: 'x y'; rebuild with it: --agent PATH/agent --agent-arg 'x y'") != std::string::npos);
        // Other arguments than the published ones: a mismatch that names them.
        RunResult other = s.tool({"verify", recipe, "--agent", agent, "--agent-arg", "z", "--expect-dir", published});
        CHECK(other.exit_code == 1);
        CHECK(other.out.find("note: the agent arguments given ('z') are not the ones") != std::string::npos);
        CHECK(other.out.find("RTMR2  differs") != std::string::npos);
    }
}

TEST_CASE("verify: nothing published is trusted, every claim is checked against the files") {
    AlpineBuild s;
    const std::string recipe = s.recipe(), agent = s.agent();
    REQUIRE(s.tool({"build", recipe, "--agent", agent, "--out", (s.d / "published").string()}).exit_code == 0);
    const fs::path published = s.d / "published";

    for (const char* file : {"initramfs.cpio.xz", "vmlinuz", "OVMF.fd"}) {
        DYNAMIC_SECTION("one byte of " << file << " flipped, manifest untouched") {
            const fs::path dir = tampered_copy(s, file, "flipped");
            const std::string claimed = sha256_of_file(published / file), actual = sha256_of_file(dir / file);
            RunResult v = s.tool({"verify", recipe, "--agent", agent, "--expect-dir", dir.string()});
            INFO(v.out << v.err);
            CHECK(v.exit_code == 1);
            CHECK(v.out.rfind("MISMATCH", 0) == 0);
            CHECK(v.out.find(std::string(file) + ": manifest.json outputs[].sha256 claims " + claimed + ", the file has " + actual) !=
                  std::string::npos);
            CHECK(v.out.find(std::string("files that differ from the published image: ") + file) != std::string::npos);
            const auto doc = nlohmann::json::parse(s.tool({"verify", recipe, "--agent", agent, "--expect-dir", dir.string(), "--json"}).out);
            CHECK(doc["verdict"] == "mismatch");
            CHECK(doc["differing_files"] == nlohmann::json::array({file}));
        }
    }
    SECTION("the initramfs tampered and the manifest edited to match: RTMR2 of the published files differs") {
        const fs::path dir = tampered_copy(s, "initramfs.cpio.xz", "edited");
        std::string manifest = read_text(dir / "manifest.json");
        const std::string old_sha = sha256_of_file(published / "initramfs.cpio.xz"), new_sha = sha256_of_file(dir / "initramfs.cpio.xz");
        manifest.replace(manifest.find(old_sha), old_sha.size(), new_sha);
        write_text(dir / "manifest.json", manifest);
        RunResult v = s.tool({"verify", recipe, "--agent", agent, "--expect-dir", dir.string()});
        INFO(v.out);
        CHECK(v.exit_code == 1);
        CHECK(v.out.find("initramfs.cpio.xz: manifest.json outputs[]") == std::string::npos);
        CHECK(v.out.find("initramfs.cpio.xz: measurements.json inputs.initrd.sha256 claims " + old_sha + ", the file has " + new_sha) !=
              std::string::npos);
        CHECK(v.out.find("manifest.json: image.digest claims") != std::string::npos);
        const std::size_t section = v.out.find("the published files themselves, measured here, against the rebuild:");
        REQUIRE(section != std::string::npos);
        CHECK(v.out.find("RTMR2  differs", section) != std::string::npos);
        CHECK(v.out.find("MR_TD  matches", section) != std::string::npos);
    }
    SECTION("an .hex file that says another value than measurements.json") {
        fs::copy(published, s.d / "hex");
        write_text(s.d / "hex" / "rtmr1.hex", std::string(96, 'a') + "\n");
        RunResult v = s.tool({"verify", recipe, "--agent", agent, "--expect-dir", (s.d / "hex").string()});
        CHECK(v.exit_code == 1);
        CHECK(v.out.find("rtmr1.hex: measurements.json rtmr1 claims") != std::string::npos);
    }
    SECTION("verify --image checks the image directory's own claims") {
        const fs::path dir = tampered_copy(s, "vmlinuz", "image");
        RunResult v = s.tool({"verify", recipe, "--image", dir.string(), "--expect", (published / "measurements.json").string()});
        CHECK(v.exit_code == 1);
        CHECK(v.out.find("vmlinuz: manifest.json outputs[].sha256 claims") != std::string::npos);
        CHECK(v.out.find("RTMR1  differs") != std::string::npos);
    }
    SECTION("diff: two identical directories that both lie about a file are not identical") {
        const fs::path a = tampered_copy(s, "initramfs.cpio.xz", "A");
        fs::copy(a, s.d / "B");
        RunResult d = run({tool_path().string(), "diff", a.string(), (s.d / "B").string()});
        INFO(d.out << d.err);
        CHECK(d.exit_code == 1);
        CHECK(d.out.find("A:initramfs.cpio.xz: claim does not hold: manifest.json outputs[].sha256 " +
                         sha256_of_file(published / "initramfs.cpio.xz") + " -> " + sha256_of_file(a / "initramfs.cpio.xz")) !=
              std::string::npos);
        CHECK(d.out.find("B:initramfs.cpio.xz: claim does not hold") != std::string::npos);
        CHECK(run({tool_path().string(), "diff", published.string(), published.string()}).out == "identical\n");
    }
    SECTION("a hostile manifest.json (deep nesting, a duplicate key) is bad input naming it, not a crash") {
        fs::copy(published, s.d / "deep");
        write_text(s.d / "deep" / "manifest.json", std::string(400000, '[') + std::string(400000, ']'));
        RunResult deep = s.tool({"verify", recipe, "--agent", agent, "--expect-dir", (s.d / "deep").string()});
        CHECK(deep.exit_code == 2);
        CHECK(deep.err.find("deep/manifest.json: nested deeper than 64 levels") != std::string::npos);
        fs::copy(published, s.d / "dup");
        std::string m = read_text(published / "measurements.json");
        m.insert(m.find('{') + 1, "\"rtmr2\": \"" + std::string(96, '0') + "\",");
        write_text(s.d / "dup" / "measurements.json", m);
        RunResult dup = s.tool({"verify", recipe, "--agent", agent, "--expect-dir", (s.d / "dup").string()});
        CHECK(dup.exit_code == 2);
        CHECK(dup.err.find("dup/measurements.json: the key \"rtmr2\" appears twice in one object") != std::string::npos);
    }
    SECTION("a published file that is a symlink is refused, naming it") {
        fs::copy(published, s.d / "link");
        fs::remove(s.d / "link" / "vmlinuz");
        fs::create_symlink(published / "vmlinuz", s.d / "link" / "vmlinuz");
        RunResult v = s.tool({"verify", recipe, "--agent", agent, "--expect-dir", (s.d / "link").string()});
        CHECK(v.exit_code == 2);
        CHECK(v.err.find("link/vmlinuz: not a regular file") != std::string::npos);
    }
}

TEST_CASE("verify and build explain an agent change below the event: the setup-header field QEMU writes") {
    AlpineBuild s;
    // The ubuntu-25.04 profile: QEMU <= 10.1, which patches the kernel header.
    const std::string recipe = recipe_variant(s, "initramfs: {compression: xz}", "initramfs: {compression: none}\nprofile: ubuntu-25.04",
                                              "patched.yaml");
    // Another agent of the same name, 1000 bytes longer (the archive is
    // padded to 512 bytes, so its growth is what the build says it is).
    fs::create_directories(s.d / "other");
    write_text(s.d / "other" / "agent", read_text(s.agent()) + "#" + std::string(998, 'x') + "\n");
    const fs::path published = s.d / "published";
    REQUIRE(s.tool({"build", recipe, "--agent", s.agent(), "--out", published.string()}).exit_code == 0);
    REQUIRE(s.tool({"build", recipe, "--agent", (s.d / "other" / "agent").string(), "--out", (s.d / "other-out").string()}).exit_code == 0);
    const auto growth = fs::file_size(s.d / "other-out" / "initramfs.cpio") - fs::file_size(published / "initramfs.cpio");
    REQUIRE(growth > 0);

    // The other agent, verified against the published image: RTMR1 differs
    // although the kernel file is the same.
    RunResult v = s.tool({"verify", recipe, "--agent", (s.d / "other" / "agent").string(), "--expect-dir", published.string()});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 1);
    CHECK(v.out.find("the kernel file is identical; the setup header QEMU patches differs: ramdisk_size ") != std::string::npos);
    CHECK(v.out.find(": the initramfs is " + std::to_string(growth) + " bytes longer") != std::string::npos);
    CHECK(v.out.find("(EV_EVENT_TAG, initrd) differs: the initramfs") != std::string::npos);

    // A rebuild into the same directory says which values to re-pin.
    RunResult again = s.tool({"build", recipe, "--agent", s.agent(), "--out", published.string()});
    CHECK(again.out.find("unchanged since the previous build in this directory") != std::string::npos);
    RunResult changed = s.tool({"build", recipe, "--agent", (s.d / "other" / "agent").string(), "--out", published.string()});
    CHECK(changed.out.find("changed since the previous build in this directory: RTMR1, RTMR2; re-pin RTMR1, RTMR2") != std::string::npos);
}

TEST_CASE("verify: with a kernel before 6.9 no register covers the agent, and verify says so") {
    AlpineBuild s;
    const std::string recipe = recipe_variant(s, "kernel: {file: vmlinuz, sha256: " + sha256_of_file(s.d / "vmlinuz") + "}",
                                              "kernel: {file: vmlinuz-6.1, sha256: " + sha256_of_file(s.d / "vmlinuz-6.1") + "}",
                                              "old-kernel.yaml");
    RunResult b = s.tool({"build", recipe, "--agent", s.agent(), "--out", (s.d / "published").string()});
    REQUIRE(b.exit_code == 0);
    CHECK(b.out.find("WARNING: no register covers the agent") != std::string::npos);
    RunResult v = s.tool({"verify", recipe, "--agent", s.agent(), "--expect-dir", (s.d / "published").string()});
    CHECK(v.exit_code == 2);
    CHECK(v.err.find("no register compared covers the agent (Linux 6.1.0") != std::string::npos);
    RunResult p = s.tool({"verify", recipe, "--agent", s.agent(), "--expect-dir", (s.d / "published").string(), "--partial"});
    CHECK(p.exit_code == 0);
    CHECK(p.out.find("; NOT covered: the agent") != std::string::npos);
}

namespace {

// The shell commands of a Markdown file's ```sh blocks, continuation lines
// joined, comments dropped.
std::vector<std::string> shell_commands(const std::string& markdown) {
    std::vector<std::string> out;
    std::istringstream in(markdown);
    std::string line, pending;
    bool in_sh = false;
    while (std::getline(in, line)) {
        if (line.rfind("```", 0) == 0) {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if (!in_sh) continue;
        const std::size_t first = line.find_first_not_of(' ');
        if (first == std::string::npos || line[first] == '#') continue;
        if (!line.empty() && line.back() == '\\') {
            pending += line.substr(0, line.size() - 1) + " ";
            continue;
        }
        out.push_back(pending + line);
        pending.clear();
    }
    return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("docs/operators.md: every shell command runs and answers as the page says") {
    AlpineBuild s;
    const fs::path published = s.d / "published";
    REQUIRE(s.tool({"build", s.recipe(), "--agent", s.agent(), "--agent-arg", "ARG", "--out", published.string()}).exit_code == 0);
    const std::string mrtd = without_newline(read_text(published / "mr_td.hex"));
    const std::vector<std::string> commands = shell_commands(read_text(source_dir() / "docs" / "operators.md"));
    REQUIRE(commands.size() >= 6);
    // The page's placeholders, for this scenario's image (ubuntu-25.04: the
    // profile whose firmware layout Debian 13's OVMF has).
    const std::vector<std::pair<std::string, std::string>> placeholders = {
        {"their/recipe.yaml", s.recipe()},
        {"their-agent", s.agent()},
        {"their-published-image/", published.string() + "/"},
        {"\"$(cat mr_td.hex)\"", mrtd},
        {"DIR/", published.string() + "/"},
        {"initramfs.cpio.gz", "initramfs.cpio.xz"},
        {"\"<the recipe's cmdline>\"", "'console=ttyS0 quiet'"},
        {"<the recipe's memory>", "1G"},
        {"<the recipe's vCPUs>", "1"},
        {"<profile>", "ubuntu-25.04"},
    };
    int ran = 0;
    for (std::string cmd : commands) {
        INFO(cmd);
        REQUIRE(cmd.rfind("tdximage ", 0) == 0);
        for (const auto& [from, to] : placeholders) replace_all(cmd, from, to);
        // The MR_TD-only check is refused unless --partial, as the page says.
        const int expected = cmd.find("--expect-mrtd") != std::string::npos && cmd.find("--partial") == std::string::npos ? 2 : 0;
        // The rebuild reads this scenario's cache; nothing else takes the option.
        if (cmd.rfind("tdximage verify", 0) == 0) cmd += " --cache-dir '" + s.cache_dir().string() + "'";
        RunResult r = run({"/bin/sh", "-c",
                           "cd '" + s.d.path().string() + "' && PATH='" + tool_path().parent_path().string() + "':\"$PATH\" " + cmd +
                               " > out.txt 2> err.txt; echo $?"});
        INFO(read_text(s.d / "out.txt") << read_text(s.d / "err.txt"));
        CHECK(std::stoi(r.out) == expected);
        ++ran;
    }
    CHECK(ran == static_cast<int>(commands.size()));
}
