// measure with the VM shape: --acpi-dir, --cpus, --secure-boot-dir, and the
// RTMR0 they complete.
#include "tests/support/catch.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/measure/acpi_fixture.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using nlohmann::json;

namespace {

struct Inputs {
    TempDir d;
    std::string fw;
    Inputs() {
        fw = (d / "fw.fd").string();
        write_bytes(fw, TdvfBuilder{}.build());
        AcpiFixture(2).write(d / "acpi");
    }
    RunResult measure(std::vector<std::string> extra) const {
        std::vector<std::string> argv = {tool_path().string(), "measure", "--ovmf", fw, "--profile", "ubuntu-25.04"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run(argv);
    }
};

}  // namespace

TEST_CASE("measure --acpi-dir completes RTMR0 and writes rtmr0.hex") {
    Inputs in;
    auto r = in.measure({"--acpi-dir", (in.d / "acpi").string(), "--cpus", "2", "--json", "--out-dir", (in.d / "out").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    REQUIRE(j["rtmr0"].is_string());
    CHECK(!j["notes"].contains("rtmr0"));
    CHECK(j["cpus"] == 2);
    CHECK(j["inputs"]["acpi"]["tables"] == json::array({"FACP", "APIC"}));
    CHECK(j["inputs"]["acpi"]["blobs"][0]["name"] == "etc/table-loader");
    CHECK(j["td_hob"]["ranges"].size() >= 2);
    std::size_t rtmr0_events = 0;
    for (const auto& e : j["events"]) rtmr0_events += e["register"] == "rtmr0";
    CHECK(rtmr0_events == 13);
    CHECK(read_text(in.d / "out" / "rtmr0.hex") == j["rtmr0"].get<std::string>() + "\n");

    // Without the tables the register is null, the reason is given and a stale rtmr0.hex goes.
    auto none = in.measure({"--json", "--out-dir", (in.d / "out").string()});
    REQUIRE(none.exit_code == 0);
    json n = json::parse(none.out);
    CHECK(n["rtmr0"].is_null());
    CHECK(n["notes"]["rtmr0"].get<std::string>().find("--acpi-dir") != std::string::npos);
    CHECK(!std::filesystem::exists(in.d / "out" / "rtmr0.hex"));
    // The text report says the same.
    auto text = in.measure({});
    CHECK(text.out.find("RTMR0     -  (RTMR0 includes QEMU's ACPI tables") != std::string::npos);
}

TEST_CASE("measure --cpus must agree with the tables' MADT") {
    Inputs in;
    auto r = in.measure({"--acpi-dir", (in.d / "acpi").string(), "--cpus", "4", "--out-dir", (in.d / "out").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("2 enabled vCPUs") != std::string::npos);
    CHECK(r.err.find("--cpus is 4") != std::string::npos);
    CHECK(r.out.empty());
    CHECK(!std::filesystem::exists(in.d / "out"));
}

TEST_CASE("measure --acpi-dir errors name the blob, --secure-boot-dir changes the SecureBoot event") {
    Inputs in;
    std::filesystem::remove(in.d / "acpi" / "etc" / "acpi" / "rsdp");
    auto r = in.measure({"--acpi-dir", (in.d / "acpi").string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("etc/acpi/rsdp") != std::string::npos);

    std::filesystem::create_directories(in.d / "sb");
    auto plain = in.measure({"--json"});
    write_bytes(in.d / "sb" / "SecureBoot", {1});
    auto sb = in.measure({"--json", "--secure-boot-dir", (in.d / "sb").string()});
    REQUIRE(plain.exit_code == 0);
    REQUIRE(sb.exit_code == 0);
    json a = json::parse(plain.out), b = json::parse(sb.out);
    CHECK(a["events"][2]["digest"] != b["events"][2]["digest"]);
    CHECK(a["events"][3]["digest"] == b["events"][3]["digest"]);
    CHECK(b["inputs"]["secure_boot"] == "given");
}

TEST_CASE("measure --acpi-dir: a loader script naming a file outside the directory is refused, exit 2, nothing read") {
    Inputs in;
    AcpiFixture fx(2, true);
    // The second ALLOCATE (etc/tpm/log) renamed to a path out of the directory.
    const std::string name = "../../../../etc/shadow";
    std::fill(fx.loader.begin() + 132, fx.loader.begin() + 188, std::uint8_t{0});
    std::copy(name.begin(), name.end(), fx.loader.begin() + 132);
    fx.write(in.d / "acpi");
    // What the name reaches from inside acpi/etc/...: a FIFO nobody writes
    // to, so reading it would be seen as a different error (or a hang).
    std::filesystem::create_directories(in.d / "etc");
    REQUIRE(::mkfifo((in.d / "etc" / "shadow").c_str(), 0600) == 0);
    auto r = in.measure({"--acpi-dir", (in.d / "acpi").string(), "--out-dir", (in.d / "out").string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, TDX_CONTAINS((in.d / "acpi" / "etc/table-loader").string() + ": the loader script names the blob \"" + name +
                                   "\", which is not a fw_cfg file name"));
    CHECK(!std::filesystem::exists(in.d / "out"));
}
