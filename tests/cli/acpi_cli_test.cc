// `tdximage acpi dump` as a user runs it: exit status 2 with a message that
// names the program or directory, nothing written on error; and, where
// qemu-system-x86_64 is installed, a real dump and its replacement.
#include "tests/support/catch.h"

#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

const char kQemu[] = "qemu-system-x86_64";
const std::vector<std::string> kMachine = {"-machine", "q35", "-cpu", "max", "-m", "512M", "-smp", "2", "-net", "none"};

bool have_qemu() {
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "";
    std::size_t start = 0;
    while (start <= p.size()) {
        std::size_t colon = p.find(':', start);
        std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!dir.empty() && ::access((fs::path(dir) / kQemu).c_str(), X_OK) == 0) return true;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    return false;
}

RunResult dump(const std::string& qemu, const fs::path& out, std::vector<std::string> extra, std::vector<std::string> machine = kMachine) {
    std::vector<std::string> argv = {tool_path().string(), "acpi", "dump", "--qemu", qemu, "-o", out.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--");
    argv.insert(argv.end(), machine.begin(), machine.end());
    return run(argv);
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("acpi dump: a QEMU binary that does not exist gives exit 2 naming it, and writes nothing") {
    TempDir d;
    auto r = dump((d / "no-such-qemu").string(), d / "out", {});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("no-such-qemu") && TDX_CONTAINS("cannot execute"));
    CHECK(r.out.empty());
    auto on_path = dump("tdximage-no-such-qemu", d / "out", {});
    CHECK(on_path.exit_code == 2);
    CHECK_THAT(on_path.err, TDX_CONTAINS("tdximage-no-such-qemu: not found in PATH"));
    CHECK(entries(d.path()).empty());
}

TEST_CASE("acpi dump: a non-empty directory it did not write is refused and left untouched") {
    TempDir d;
    fs::create_directories(d / "foreign" / "sub");
    write_text(d / "foreign" / "keep.txt", "mine");
    auto r = dump(kQemu, d / "foreign", {});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("foreign") && TDX_CONTAINS("refusing to replace"));
    CHECK(entries(d / "foreign") == std::vector<std::string>{"keep.txt", "sub"});
    CHECK(read_text(d / "foreign" / "keep.txt") == "mine");
    CHECK(entries(d.path()) == std::vector<std::string>{"foreign"});  // no temporary sibling left

    write_text(d / "file", "x");
    auto not_dir = dump(kQemu, d / "file", {});
    CHECK(not_dir.exit_code == 2);
    CHECK_THAT(not_dir.err, TDX_CONTAINS("not a directory"));
}

TEST_CASE("acpi dump: options that cannot work are usage errors naming the option") {
    TempDir d;
    for (const auto& bad : std::vector<std::vector<std::string>>{{"-machine", "q35", "-daemonize"}, {"-S"}, {"-qtest", "stdio"}}) {
        auto r = dump(kQemu, d / "out", {}, bad);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS("cannot be used with acpi dump"));
    }
    auto pcie = dump(kQemu, d / "out", {"--pciexbar", "0xb8000000"});
    CHECK(pcie.exit_code == 2);
    CHECK_THAT(pcie.err, TDX_CONTAINS("--pciexbar"));
    CHECK(entries(d.path()).empty());
}

TEST_CASE("acpi dump: an option QEMU rejects gives exit 2 with QEMU's own message") {
    if (!tdx::test::require(have_qemu(), "qemu-system-x86_64")) return;
    TempDir d;
    auto r = dump(kQemu, d / "out", {}, {"-machine", "q35", "-no-such-option-tdximage"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("qemu-system-x86_64: exited with status 1") && TDX_CONTAINS("-no-such-option-tdximage: invalid option"));
    auto pc = dump(kQemu, d / "out", {}, {"-machine", "pc"});
    CHECK(pc.exit_code == 2);
    CHECK_THAT(pc.err, TDX_CONTAINS("only q35"));
    CHECK(entries(d.path()).empty());
}

TEST_CASE("acpi dump: a real dump, its manifest, modes regardless of umask, and replacing an earlier dump") {
    if (!tdx::test::require(have_qemu(), "qemu-system-x86_64")) return;
    TempDir d;
    const fs::path out = d / "acpi";
    mode_t old = ::umask(077);
    auto r = dump(kQemu, out, {"--json"});
    ::umask(old);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(read_text(out / "acpi-dump.json") == r.out);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["schema"] == "tdximage.acpi-dump/v1");
    CHECK(j["qemu"]["binary"] == "qemu-system-x86_64");
    CHECK(j["qemu"]["version"].get<std::string>().rfind("QEMU emulator version", 0) == 0);
    CHECK(j["machine_options"] == kMachine);
    CHECK(j["pciexbar"] == "0xe0000000");
    REQUIRE(j["blobs"].size() >= 3);
    CHECK(j["blobs"][0]["name"] == "etc/table-loader");
    for (const auto& b : j["blobs"]) {
        const fs::path f = out / b["name"].get<std::string>();
        CHECK(fs::file_size(f) == b["size"].get<std::uint64_t>());
        CHECK(mode_of(f) == 0644);
    }
    CHECK(fs::file_size(out / "etc/acpi/rsdp") == 20);
    CHECK(fs::file_size(out / "etc/acpi/tables") % 0x20000 == 0);
    CHECK(read_text(out / "etc/acpi/rsdp").substr(0, 8) == "RSD PTR ");
    CHECK(mode_of(out) == 0755);
    CHECK(mode_of(out / "etc") == 0755);
    CHECK(mode_of(out / "etc/acpi") == 0755);

    // An earlier dump is replaced as a whole: stray files do not survive.
    write_text(out / "stale", "old");
    auto again = dump(kQemu, out, {}, {"-machine", "q35", "-cpu", "max", "-m", "512M", "-smp", "3", "-net", "none"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    CHECK_THAT(again.out, TDX_CONTAINS("etc/acpi/tables"));
    CHECK_FALSE(fs::exists(out / "stale"));
    auto j2 = nlohmann::json::parse(read_text(out / "acpi-dump.json"));
    CHECK(j2["blobs"][2]["sha384"] != j["blobs"][2]["sha384"]);  // 3 vCPUs: other tables
    CHECK(entries(d.path()) == std::vector<std::string>{"acpi"});
}
