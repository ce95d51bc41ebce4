// `tdximage build` with an Alpine userland from a signed local file:// mirror
// (Alpine's mirrors are not reachable from the test machines) and Debian's
// real kernel and firmware given as pinned local files: the .apk staging path,
// the file-kernel path, the lock's date as SOURCE_DATE_EPOCH, the canonical
// archive read back, measurements.json equal to `measure`, and the errors
// that must leave an output directory alone. `verify` of such images is in
// verify_alpine_debian.cc.
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "tests/cli/alpine_scenario.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

#include <map>

#include <nlohmann/json.hpp>

using namespace tdx::test;
namespace fs = std::filesystem;

using alpine::AlpineBuild;
using alpine::sha256_of_file;

TEST_CASE("build an image with an Alpine userland from a local mirror and Debian's kernel and firmware") {
    AlpineBuild s;
    const std::string recipe = (s.d / "alpine.yaml").string();
    RunResult r = s.tool(
        {"build", recipe, "--agent", (s.d / "agent").string(), "--agent-arg", "a b", "--out", (s.d / "out").string(), "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const fs::path out = s.d / "out";
    const auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["schema"] == "tdximage.build/v1");
    for (const char* f : {"vmlinuz", "initramfs.cpio.xz", "OVMF.fd", "mr_td.hex", "rtmr1.hex", "rtmr2.hex", "measurements.json", "manifest.json",
                          "sbom.spdx.json", "launch-qemu.sh"})
        CHECK(fs::exists(out / f));
    // The lock was written beside the recipe, and the kernel is the pinned file.
    CHECK(fs::exists(s.d / "alpine.yaml.lock"));
    CHECK(sha256_of_file(out / "vmlinuz") == sha256_of_file(s.d / "vmlinuz"));

    // The archive, read back: packages' files with their modes, the agent, /init,
    // the recipe's file with its owner, no leftovers, every mtime the lock's date.
    const std::vector<std::uint8_t> xz = tdx::read_file(out / "initramfs.cpio.xz");
    const std::vector<std::uint8_t> cpio = tdx::builder::decompress(tdx::builder::Compression::Xz, tdx::Bytes(xz), 64 << 20, "initramfs");
    std::map<std::string, tdx::builder::NewcEntry> by_name;
    for (const auto& e : tdx::builder::read_newc(tdx::Bytes(cpio), "initramfs")) by_name[e.name] = e;
    REQUIRE(by_name.count("bin/busybox"));
    CHECK(by_name["bin/busybox"].mode == 0100755);
    CHECK(by_name["bin/bbsuid"].mode == 0104755);
    CHECK(by_name["bin/sh"].mode == 0120777);
    CHECK(by_name["lib/ld-musl-x86_64.so.1"].mode == 0100755);
    CHECK(by_name["usr/bin/agent"].mode == 0100755);
    CHECK(by_name["init"].mode == 0100755);
    CHECK(by_name["etc/motd"].mode == 0100600);
    CHECK(by_name["etc/motd"].uid == 7);
    CHECK(by_name["etc/motd"].gid == 8);
    CHECK(by_name.count("var/log") == 1);
    CHECK(by_name.count("var/log/install.log") == 0);
    CHECK(by_name.count("etc/passwd") == 1);
    for (const auto& [name, e] : by_name) {
        INFO(name);
        CHECK(e.mtime == 1700000000);  // the APKINDEX members' date (apk_fixture.h)
    }
    const std::string init(by_name["init"].data.begin(), by_name["init"].data.end());
    CHECK(init.find("/usr/bin/agent") != std::string::npos);
    CHECK(init.find("'a b'") != std::string::npos);

    const auto manifest = nlohmann::json::parse(read_text(out / "manifest.json"));
    CHECK(manifest["initramfs"]["source_date_epoch_from"] == "lock");
    CHECK(manifest["initramfs"]["compression"] == "xz");
    bool saw_busybox = false;
    for (const auto& in : manifest["inputs"]) saw_busybox = saw_busybox || (in["name"] == "busybox" && in["version"] == "1.37.0-r18");
    CHECK(saw_busybox);

    // measurements.json is what `tdximage measure` says of the output files.
    RunResult m = run({tool_path().string(), "measure", "--ovmf", (out / "OVMF.fd").string(), "--kernel", (out / "vmlinuz").string(), "--initrd",
                       (out / "initramfs.cpio.xz").string(), "--cmdline", "console=ttyS0 quiet", "--memory", "1G", "--cpus", "1", "--json"});
    REQUIRE(m.exit_code == 0);
    CHECK(m.out == read_text(out / "measurements.json"));
    CHECK(nlohmann::json::parse(m.out)["cpus"] == 1);

    // A rebuild gives the same bytes; a changed recipe file is refused
    // against the lock and the previous output stays.
    const std::string before = read_text(out / "initramfs.cpio.xz");
    REQUIRE(s.tool({"build", recipe, "--agent", (s.d / "agent").string(), "--agent-arg", "a b", "--out", (s.d / "out2").string(), "--locked",
                    "--offline"})
                .exit_code == 0);
    CHECK(read_text(s.d / "out2" / "initramfs.cpio.xz") == before);
    // --twice: a second build in another directory, umask, TZ, locale and CPU count.
    RunResult twice = s.tool(
        {"build", recipe, "--agent", (s.d / "agent").string(), "--agent-arg", "a b", "--out", (s.d / "out3").string(), "--locked", "--twice"});
    INFO(twice.err);
    CHECK(twice.exit_code == 0);
    CHECK(twice.out.find("reproducible: a second build") != std::string::npos);
    write_text(s.d / "motd", "changed\n");
    RunResult changed = s.tool({"build", recipe, "--out", out.string(), "--locked"});
    CHECK(changed.exit_code == 2);
    CHECK(changed.err.find("motd") != std::string::npos);
    CHECK(changed.err.find("lock --update") != std::string::npos);
    CHECK(read_text(out / "initramfs.cpio.xz") == before);
}

TEST_CASE("build refuses what it cannot do, naming it, and writes nothing") {
    AlpineBuild s;
    const std::string recipe = (s.d / "alpine.yaml").string();
    // A directory that is not an earlier output is never replaced.
    fs::create_directories(s.d / "mine");
    write_text(s.d / "mine" / "notes.txt", "keep me");
    RunResult foreign = s.tool({"build", recipe, "--out", (s.d / "mine").string()});
    CHECK(foreign.exit_code == 2);
    CHECK(foreign.err.find("not an earlier tdximage output") != std::string::npos);
    CHECK(read_text(s.d / "mine" / "notes.txt") == "keep me");
    // An init program no package provides.
    write_text(s.d / "alpine.yaml", read_text(s.d / "alpine.yaml") + "\n");
    std::string text = read_text(s.d / "alpine.yaml");
    text.replace(text.find("program: /bin/busybox"), 21, "program: /bin/nothere");
    write_text(s.d / "noinit.yaml", text);
    RunResult noinit = s.tool({"build", (s.d / "noinit.yaml").string(), "--out", (s.d / "o").string()});
    CHECK(noinit.exit_code == 2);
    CHECK(noinit.err.find("/bin/nothere is not in the image") != std::string::npos);
    CHECK_FALSE(fs::exists(s.d / "o"));
    // --locked without a lock, --agent that does not exist.
    CHECK(s.tool({"build", recipe, "--locked", "--out", (s.d / "o").string()}).err.find("no lockfile") != std::string::npos);
    CHECK(s.tool({"build", recipe, "--agent", (s.d / "missing").string(), "--out", (s.d / "o").string()}).err.find("--agent: no such file") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(s.d / "o"));
    // Nothing but the lock, the cache and the staging leftovers-free dirs appeared.
    for (const auto& e : fs::directory_iterator(s.d.path())) CHECK(e.path().filename().string().rfind(".o.tmp", 0) != 0);
}

TEST_CASE("build without --agent warns, and its JSON holds the same warnings as its stderr, and the summary names the profile and what to pin") {
    AlpineBuild s;
    RunResult j = s.tool({"build", s.recipe(), "--out", (s.d / "out").string(), "--json"});
    INFO(j.err);
    REQUIRE(j.exit_code == 0);
    const auto doc = nlohmann::json::parse(j.out);
    const std::vector<std::string> on_stderr = warnings_on_stderr(j.err);
    CHECK(doc["warnings"] == nlohmann::json(on_stderr));
    bool no_agent = false;
    for (const std::string& w : on_stderr)
        no_agent = no_agent || w.rfind("no --agent given: /init runs the recipe's init.program (/bin/busybox sh)", 0) == 0;
    CHECK(no_agent);
    const auto manifest = nlohmann::json::parse(read_text(s.d / "out" / "manifest.json"));
    CHECK(manifest["agent"].is_null());
    CHECK(manifest["init"]["program"] == "/bin/busybox");
    CHECK(doc["measurements"]["cpus"] == 1);

    RunResult t = s.tool({"build", s.recipe(), "--out", (s.d / "out").string(), "--agent", s.agent(), "--agent-arg", "-v"});
    REQUIRE(t.exit_code == 0);
    CHECK(warnings_on_stderr(t.err).empty());
    CHECK(t.out.find("  profile  upstream\n") != std::string::npos);
    CHECK(t.out.find("\n  pin      MR_TD, RTMR1 and RTMR2: together they cover") != std::string::npos);
    CHECK(t.out.find("MR_TD alone covers only the firmware") != std::string::npos);
    CHECK(t.out.find("give them with --acpi-dir") == std::string::npos);
    // The .hex files are values, printed as such, not hashed beside them.
    const std::size_t line = t.out.find("  mr_td.hex");
    REQUIRE(line != std::string::npos);
    CHECK(t.out.substr(line, t.out.find('\n', line) - line).find("…") == std::string::npos);
    const auto m2 = nlohmann::json::parse(read_text(s.d / "out" / "manifest.json"));
    CHECK(m2["agent"]["name"] == "agent");
    CHECK(m2["agent"]["args"] == nlohmann::json::array({"-v"}));
    CHECK(m2["agent"]["sha256"] == sha256_of_file(s.agent()));
}
