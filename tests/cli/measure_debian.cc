// `tdximage measure` and `inspect ovmf` on the real Debian 12 OVMF.fd and
// kernel: vector V6 of docs/measurement.md and the output contract.
#include "tests/support/catch.h"

#include <nlohmann/json.hpp>

#include "tests/support/test_env.h"

using namespace tdx::test;
using nlohmann::json;

namespace {
const char* kV6PerPage = "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057fb887fed0744d5631a212967fb231c47";
const char* kV6TwoPass = "acccbcc870a381adab0d3919d90a7f268ac3b0364771f202ed4bb4e892d045b33db3b32e6924cba830a724eed443f7e1";
}  // namespace

TEST_CASE("measure --mrtd-order per-page / two-pass on Debian's OVMF.fd gives vector V6") {
    auto ovmf = (debian_inputs_dir() / "OVMF.fd").string();
    auto pp = run({tool_path(), "measure", "--ovmf", ovmf, "--mrtd-order", "per-page", "--json"});
    INFO(pp.err);
    REQUIRE(pp.exit_code == 0);
    json j = json::parse(pp.out);
    CHECK(j["mrtd"] == kV6PerPage);
    CHECK(j["profile"]["mrtd_order"] == "per-page");
    CHECK(j["rtmr1"].is_null());
    CHECK(j["rtmr0"].is_null());
    CHECK(j["inputs"]["ovmf"]["sha256"] == "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773");

    auto tp = run({tool_path(), "measure", "--ovmf", ovmf, "--mrtd-order", "two-pass", "--json"});
    REQUIRE(tp.exit_code == 0);
    CHECK(json::parse(tp.out)["mrtd"] == kV6TwoPass);
    CHECK(json::parse(tp.out)["mrtd_candidates"]["per-page"] == kV6PerPage);

    auto canonical = run({tool_path(), "measure", "--ovmf", ovmf, "--profile", "canonical-24.04", "--json"});
    REQUIRE(canonical.exit_code == 0);
    CHECK(json::parse(canonical.out)["mrtd"] == kV6TwoPass);
}

TEST_CASE("inspect ovmf shows both MR_TDs and the sections of Debian's OVMF.fd") {
    auto ovmf = (debian_inputs_dir() / "OVMF.fd").string();
    auto r = run({tool_path(), "inspect", "ovmf", ovmf, "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    CHECK(j["mrtd"]["per-page"] == kV6PerPage);
    CHECK(j["mrtd"]["two-pass"] == kV6TwoPass);
    CHECK(j["sections"].size() == 6);
    CHECK(j["sections"][0]["type"] == "BFV");
    CHECK(j["sections"][1]["type"] == "CFV");
    CHECK(j["cfv_sha384"].is_string());

    auto text = run({tool_path(), "inspect", "ovmf", ovmf});
    REQUIRE(text.exit_code == 0);
    CHECK_THAT(text.out, TDX_CONTAINS(kV6PerPage));
    CHECK_THAT(text.out, TDX_CONTAINS("TD_HOB"));
}

TEST_CASE("OVMF_CODE.fd alone (metadata pointing past its end) is rejected with exit 2") {
    auto code = (debian_inputs_dir() / "OVMF_CODE.fd").string();
    auto r = run({tool_path(), "measure", "--ovmf", code});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("OVMF_CODE.fd"));
    CHECK(r.out.empty());
    auto i = run({tool_path(), "inspect", "ovmf", code});
    CHECK(i.exit_code == 2);
}

TEST_CASE("measure on the real kernel writes the out-dir files atomically and consistently") {
    TempDir out;
    auto dir = debian_inputs_dir();
    TempDir work;
    write_text(work / "initrd.img", std::string(100000, 'x'));
    auto r = run({tool_path(), "measure", "--ovmf", (dir / "OVMF.fd").string(), "--kernel", (dir / "vmlinuz").string(), "--initrd",
                  (work / "initrd.img").string(), "--cmdline", "console=ttyS0", "--memory", "2G", "--profile", "ubuntu-25.04", "--json",
                  "--out-dir", (out / "o").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    CHECK(read_text(out / "o" / "mr_td.hex") == j["mrtd"].get<std::string>() + "\n");
    CHECK(read_text(out / "o" / "rtmr1.hex") == j["rtmr1"].get<std::string>() + "\n");
    CHECK(read_text(out / "o" / "rtmr2.hex") == j["rtmr2"].get<std::string>() + "\n");
    CHECK(json::parse(read_text(out / "o" / "measurements.json")) == j);
    // RTMR0 without ACPI tables: its 8 table-independent events; then 5 in
    // RTMR1 (2024.11 layout) + cmdline + initrd.
    REQUIRE(j["events"].size() == 15);
    CHECK(j["rtmr0"].is_null());
    CHECK(j["events"][7]["register"] == "rtmr0");
    CHECK(j["events"][8 + 2]["type"] == "EV_SEPARATOR");
    CHECK(j["events"][8 + 5]["register"] == "rtmr2");
    CHECK(j["kernel_header_patch"].size() >= 6);
    CHECK(j["inputs"]["kernel_version"].get<std::string>().rfind("6.1.", 0) == 0);
    CHECK_THAT(r.err, TDX_CONTAINS("predates 6.9"));  // Debian 12's kernel cannot extend RTMR2 in a TD
    for (const auto& e : std::filesystem::directory_iterator(out / "o"))
        CHECK(e.path().filename().string().rfind(".", 0) != 0);  // no temporary files left

    // A second run without a kernel must not leave the stale RTMR files behind.
    auto r2 = run({tool_path(), "measure", "--ovmf", (dir / "OVMF.fd").string(), "--out-dir", (out / "o").string()});
    REQUIRE(r2.exit_code == 0);
    CHECK(!std::filesystem::exists(out / "o" / "rtmr1.hex"));
    CHECK(std::filesystem::exists(out / "o" / "mr_td.hex"));

    // A failing run (missing kernel) leaves the previous outputs untouched.
    std::string before = read_text(out / "o" / "measurements.json");
    auto bad = run({tool_path(), "measure", "--ovmf", (dir / "OVMF.fd").string(), "--kernel", (work / "missing").string(), "--out-dir",
                    (out / "o").string()});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, TDX_CONTAINS("missing: cannot open"));
    CHECK(read_text(out / "o" / "measurements.json") == before);
}

TEST_CASE("measurements.json is the same bytes whatever the time zone, locale, working directory or input path") {
    auto dir = debian_inputs_dir();
    TempDir a, b;
    std::filesystem::copy_file(dir / "OVMF.fd", b / "OVMF.fd");
    std::filesystem::copy_file(dir / "vmlinuz", b / "vmlinuz");
    auto first = run({"/usr/bin/env", "TZ=UTC", "LC_ALL=C", tool_path().string(), "measure", "--ovmf", (dir / "OVMF.fd").string(), "--kernel",
                      (dir / "vmlinuz").string(), "--cmdline", "console=ttyS0", "--json", "--out-dir", (a / "o").string()});
    auto second = run({"/usr/bin/env", "-C", b.path().string(), "TZ=Pacific/Chatham", "LC_ALL=C.UTF-8", tool_path().string(), "measure",
                       "--ovmf", "OVMF.fd", "--kernel", "vmlinuz", "--cmdline", "console=ttyS0", "--json", "--out-dir", "o"});
    INFO(first.err << second.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(second.exit_code == 0);
    CHECK(first.out == second.out);
    CHECK(read_text(a / "o" / "measurements.json") == read_text(b / "o" / "measurements.json"));
    CHECK(read_text(a / "o" / "mr_td.hex") == read_text(b / "o" / "mr_td.hex"));
}

TEST_CASE("measure: every warning on stderr is in the JSON, and the JSON says what each register covers") {
    // Debian 12's OVMF lacks TdTcg2Dxe and its kernel (6.1) predates RTMR2
    // measurement: two warnings, the same in both places.
    auto r = run({tool_path(), "measure", "--ovmf", (debian_inputs_dir() / "OVMF.fd").string(), "--kernel",
                  (debian_inputs_dir() / "vmlinuz").string(), "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(r.out);
    const std::vector<std::string> on_stderr = warnings_on_stderr(r.err);
    CHECK(on_stderr.size() == 2);
    CHECK(j["warnings"] == json(on_stderr));
    CHECK(r.err.find("no TdTcg2Dxe") != std::string::npos);
    // No register covers the agent with this kernel; MR_TD only the firmware.
    CHECK(j["agent_covered_by"] == json::array());
    CHECK(j["pin"] == json::array({"mrtd", "rtmr1", "rtmr2"}));
    CHECK(j["covers"]["mrtd"].size() == 1);
    CHECK(j["covers"]["rtmr2"][0].get<std::string>().rfind("nothing: Linux before 6.9", 0) == 0);
    // The text form says the same, and that MR_TD alone is not enough.
    auto t = run(
        {tool_path(), "measure", "--ovmf", (debian_inputs_dir() / "OVMF.fd").string(), "--kernel", (debian_inputs_dir() / "vmlinuz").string()});
    CHECK(warnings_on_stderr(t.err) == on_stderr);
    CHECK(t.out.find("pin       MR_TD, RTMR1 and RTMR2") != std::string::npos);
    CHECK(t.out.find("WARNING: no register covers the agent") != std::string::npos);
}

TEST_CASE("eventlog replay of a predicted log marks the register measure could not compute instead of printing a value") {
    TempDir d;
    const std::string log = (d / "predicted.log").string();
    auto m = run({tool_path(), "measure", "--ovmf", (debian_inputs_dir() / "OVMF-trixie.fd").string(), "--kernel",
                  (debian_inputs_dir() / "vmlinuz").string(), "--json", "--event-log-out", log});
    REQUIRE(m.exit_code == 0);
    const json measured = json::parse(m.out);
    REQUIRE(measured["rtmr0"].is_null());  // no ACPI tables: only RTMR0's known prefix is in the log
    auto r = run({tool_path(), "eventlog", "replay", log});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.rfind("rtmr0 - (incomplete prediction, no value: " + measured["notes"]["rtmr0"].get<std::string>() + ")\n", 0) == 0);
    CHECK(r.out.find("rtmr1 " + measured["rtmr1"].get<std::string>()) != std::string::npos);
    auto show = run({tool_path(), "eventlog", "show", log});
    CHECK(show.out.find("rtmr0  (incomplete prediction, no value: ") != std::string::npos);
    auto j = run({tool_path(), "eventlog", "replay", log, "--json"});
    const json doc = json::parse(j.out);
    CHECK(doc["registers"]["rtmr0"]["value"].is_null());
    CHECK(doc["registers"]["rtmr0"]["incomplete"] == measured["notes"]["rtmr0"]);
    CHECK(doc["registers"]["rtmr1"]["value"] == measured["rtmr1"]);
    CHECK(!doc["registers"]["rtmr1"].contains("incomplete"));
}

TEST_CASE("measure --initrd /dev/zero stops at input-size, naming the initrd, with the real kernel") {
    auto ovmf = (debian_inputs_dir() / "OVMF.fd").string();
    auto kernel = (debian_inputs_dir() / "vmlinuz").string();
    auto r = run({tool_path(), "measure", "--ovmf", ovmf, "--kernel", kernel, "--initrd", "/dev/zero", "--limit", "input-size=64M"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("/dev/zero: what it gives when read exceeds the limit input-size (64 MiB)") != std::string::npos);
}
