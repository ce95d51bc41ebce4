// tdximage diff as a user runs it: exit 0 for identical inputs, 1 with a
// headline, the first difference and one line per difference, 2 for missing
// or mismatched inputs; --json follows tdximage.diff/v1.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "builder/rootfs/fs_tree.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::test;
using nlohmann::json;

namespace {

std::vector<std::uint8_t> initramfs(unsigned agent_mode, std::size_t extra_files = 0) {
    builder::FsTree t;
    builder::FsAttrs x;
    x.mode = agent_mode;
    t.add_file("/init", {'#', '!'}, x);
    builder::FsAttrs plain;
    for (std::size_t i = 0; i < extra_files; ++i) t.add_file("/data/f" + std::to_string(1000 + i), {'x'}, plain);
    const std::vector<std::uint8_t> cpio = builder::write_newc(t);
    return builder::compress(builder::Compression::Gzip, 9, Bytes(cpio.data(), cpio.size()));
}

// Two output directories whose initramfs differ in /init's mode (and, with
// extra_files, in that many files only in B).
struct Outputs {
    TempDir a, b;
    explicit Outputs(std::size_t only_in_b = 0) {
        write_bytes(a / "initramfs.cpio.gz", initramfs(0755));
        write_bytes(b / "initramfs.cpio.gz", initramfs(04755, only_in_b));
        write_text(a / "mr_td.hex", "ab\n");
        write_text(b / "mr_td.hex", "ab\n");
    }
};

}  // namespace

TEST_CASE("diff cli: identical directories exit 0") {
    Outputs o;
    const RunResult r = run_tool({"diff", o.a.path().string(), o.a.path().string()});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "identical\n");
    const RunResult j = run_tool({"diff", o.a.path().string(), o.a.path().string(), "--json"});
    CHECK(j.exit_code == 0);
    const json doc = json::parse(j.out);
    CHECK(doc["schema"] == "tdximage.diff/v1");
    CHECK(doc["identical"] == true);
    CHECK(doc["differences"].empty());
}

TEST_CASE("diff cli: a changed mode exits 1 and names the file and both values") {
    Outputs o;
    const RunResult r = run_tool({"diff", o.a.path().string(), o.b.path().string()});
    CHECK(r.exit_code == 1);
    CHECK(r.out ==
          "1 difference\n"
          "first difference: initramfs.cpio.gz:init: mode 0100755 -> 0104755\n"
          "initramfs.cpio.gz:init: mode 0100755 -> 0104755\n");

    const RunResult j = run_tool({"diff", (o.a / "initramfs.cpio.gz").string(), (o.b / "initramfs.cpio.gz").string(), "--json"});
    CHECK(j.exit_code == 1);
    const json doc = json::parse(j.out);
    CHECK(doc["identical"] == false);
    REQUIRE(doc["differences"].size() == 1);
    CHECK(doc["differences"][0] == json{{"where", "initramfs.cpio.gz:init"}, {"what", "mode"}, {"a", "0100755"}, {"b", "0104755"}});
}

TEST_CASE("diff cli: long reports are capped at 200 lines unless --all") {
    Outputs o(250);
    const RunResult r = run_tool({"diff", o.a.path().string(), o.b.path().string()});
    CHECK(r.exit_code == 1);
    // /init's mode, the root's nlink (one more subdirectory), /data only in
    // B, 250 files only in B.
    CHECK(r.out.rfind("253 differences\n", 0) == 0);
    CHECK(r.out.find("initramfs.cpio.gz:.: nlink 2 -> 3\n") != std::string::npos);
    CHECK(r.out.find("... and 53 more (--all shows them)\n") != std::string::npos);
    const RunResult all = run_tool({"diff", o.a.path().string(), o.b.path().string(), "--all"});
    CHECK(all.exit_code == 1);
    CHECK(all.out.find("more (--all") == std::string::npos);
    CHECK(all.out.find("initramfs.cpio.gz:data/f1249: only in B (file, mode 0100644, 1 bytes)\n") != std::string::npos);
}

TEST_CASE("diff cli: missing inputs and a file against a directory exit 2") {
    Outputs o;
    RunResult r = run_tool({"diff", o.a.path().string(), (o.b / "missing").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("missing: no such file or directory") != std::string::npos);
    r = run_tool({"diff", o.a.path().string(), (o.b / "mr_td.hex").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("is a directory but") != std::string::npos);
    r = run_tool({"diff", o.a.path().string()});
    CHECK(r.exit_code == 2);
}

TEST_CASE("diff cli: a damaged initramfs is reported with the reader's message, exit 1") {
    Outputs o;
    std::vector<std::uint8_t> bad = initramfs(0755);
    bad.resize(bad.size() - 8);  // the gzip trailer
    write_bytes(o.b / "initramfs.cpio.gz", bad);
    const RunResult r = run_tool({"diff", (o.a / "initramfs.cpio.gz").string(), (o.b / "initramfs.cpio.gz").string()});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("initramfs.cpio.gz: unreadable as initramfs: initramfs.cpio.gz (B)") != std::string::npos);
    CHECK(r.out.find("initramfs.cpio.gz: bytes differ from offset") != std::string::npos);
}

TEST_CASE("diff cli: deeply nested JSON and a duplicate key are bad input (exit 2), not a crash") {
    TempDir d;
    write_text(d / "a.json", std::string(300000, '[') + std::string(300000, ']'));
    write_text(d / "b.json", "[]");
    auto deep = run({tool_path().string(), "diff", (d / "a.json").string(), (d / "b.json").string()});
    CHECK(deep.exit_code != 139);
    // Not a JSON document for us: compared as text, a difference, no crash.
    CHECK(deep.exit_code == 1);
    write_text(d / "m1.json", R"({"schema": "x", "mrtd": "a", "mrtd": "b"})");
    write_text(d / "m2.json", R"({"schema": "x", "mrtd": "a"})");
    auto dup = run({tool_path().string(), "diff", (d / "m1.json").string(), (d / "m2.json").string()});
    CHECK(dup.exit_code == 1);
}
