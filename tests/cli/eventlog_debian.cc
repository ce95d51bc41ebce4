// The operator's loop end to end with the real Debian kernel and Debian 13's
// OVMF: `measure --event-log-out` stands in for a TD's log, `measure --json`
// for the published prediction, and `eventlog compare` must name the input
// that changed: the command line, the initrd, or the memory size.
#include <nlohmann/json.hpp>

#include "tests/measure/acpi_fixture.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using nlohmann::json;

namespace {

struct Scenario {
    TempDir d;
    std::filesystem::path inputs = debian_inputs_dir();
    Scenario() {
        AcpiFixture(2).write(d / "acpi");
        write_text(d / "initrd-a", std::string(4096, 'a'));
        write_text(d / "initrd-b", std::string(4096, 'b'));  // same size: the kernel's header patch is unchanged
    }
    RunResult measure(const std::string& memory, const std::string& cmdline, const std::string& initrd, std::vector<std::string> extra) const {
        std::vector<std::string> argv = {tool_path().string(),
                                         "measure",
                                         "--ovmf",
                                         (inputs / "OVMF-trixie.fd").string(),
                                         "--kernel",
                                         (inputs / "vmlinuz").string(),
                                         "--initrd",
                                         (d / initrd).string(),
                                         "--cmdline",
                                         cmdline,
                                         "--memory",
                                         memory,
                                         "--cpus",
                                         "2",
                                         "--acpi-dir",
                                         (d / "acpi").string(),
                                         "--profile",
                                         "ubuntu-25.04"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run(argv);
    }
    // The "actual" log: inputs A.
    std::string actual_log() const {
        auto r = measure("2G", "console=ttyS0 quiet", "initrd-a", {"--event-log-out", (d / "td.log").string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return (d / "td.log").string();
    }
    std::string expected(const std::string& name, const std::string& memory, const std::string& cmdline, const std::string& initrd) const {
        auto r = measure(memory, cmdline, initrd, {"--out-dir", (d / name).string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return (d / name / "measurements.json").string();
    }
    RunResult compare(const std::string& log, const std::string& expected_json) const {
        return run({tool_path().string(), "eventlog", "compare", log, "--expected", expected_json, "--json"});
    }
};

// The first register that differs, and its first differing event.
std::pair<std::string, json> first_difference(const std::string& out) {
    json j = json::parse(out);
    for (const auto& r : j["registers"])
        if (r["verdict"] == "different") return {r["register"].get<std::string>(), r["first_difference"]};
    return {"", json()};
}

}  // namespace

TEST_CASE("eventlog compare: the predicted log of the same inputs matches") {
    Scenario s;
    const std::string log = s.actual_log();
    auto r = s.compare(log, s.expected("same", "2G", "console=ttyS0 quiet", "initrd-a"));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out)["verdict"] == "match");
}

TEST_CASE("eventlog compare names the changed input") {
    Scenario s;
    const std::string log = s.actual_log();
    SECTION("command line: RTMR2's load options") {
        auto r = s.compare(log, s.expected("cmdline", "2G", "console=ttyS0 quiet=no", "initrd-a"));
        CHECK(r.exit_code == 1);
        const json j = json::parse(r.out);
        CHECK(j["registers"][0]["verdict"] == "match");
        CHECK(j["registers"][2]["register"] == "rtmr2");
        CHECK(j["registers"][2]["first_difference"]["expected"]["kind"] == "load_options");
        CHECK(j["registers"][2]["first_difference"]["depends_on"][0] == "kernel command line");
    }
    SECTION("initrd: RTMR2's initrd event, nothing else") {
        auto r = s.compare(log, s.expected("initrd", "2G", "console=ttyS0 quiet", "initrd-b"));
        CHECK(r.exit_code == 1);
        auto [reg, diff] = first_difference(r.out);
        CHECK(reg == "rtmr2");
        CHECK(diff["expected"]["kind"] == "initrd");
        CHECK(diff["index"] == 1);
        CHECK(json::parse(r.out)["registers"][1]["verdict"] == "match");
    }
    SECTION("memory size: RTMR0's TD HOB first") {
        auto r = s.compare(log, s.expected("memory", "4G", "console=ttyS0 quiet", "initrd-a"));
        CHECK(r.exit_code == 1);
        auto [reg, diff] = first_difference(r.out);
        CHECK(reg == "rtmr0");
        CHECK(diff["expected"]["kind"] == "td_hob");
        CHECK(diff["index"] == 0);
        CHECK(diff["depends_on"][0] == "memory size");
    }
}

TEST_CASE("eventlog compare without ACPI tables: a differing TD HOB is still decisive, a matching prefix is undecided") {
    Scenario s;
    const std::string log = s.actual_log();
    std::filesystem::remove_all(s.d / "acpi");  // the prediction now lacks the tables
    auto no_tables = [&](const std::string& name, const std::string& memory) {
        auto r = run({tool_path().string(), "measure", "--ovmf", (s.inputs / "OVMF-trixie.fd").string(), "--kernel",
                      (s.inputs / "vmlinuz").string(), "--initrd", (s.d / "initrd-a").string(), "--cmdline", "console=ttyS0 quiet", "--memory",
                      memory, "--profile", "ubuntu-25.04", "--out-dir", (s.d / name).string()});
        REQUIRE(r.exit_code == 0);
        return (s.d / name / "measurements.json").string();
    };
    auto same = s.compare(log, no_tables("nt-same", "2G"));
    CHECK(same.exit_code == 2);
    CHECK(json::parse(same.out)["registers"][0]["verdict"] == "undecided");
    auto other = s.compare(log, no_tables("nt-4g", "4G"));
    CHECK(other.exit_code == 1);
    CHECK(first_difference(other.out).second["expected"]["kind"] == "td_hob");
}
