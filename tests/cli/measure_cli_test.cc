// The measure / inspect commands as a user runs them: exit statuses, messages
// that name the file and the problem, nothing on stdout and no files on error.
#include "tests/support/catch.h"

#include <nlohmann/json.hpp>

#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using nlohmann::json;

namespace {

std::string write_fw(const TempDir& d, const std::string& name, const std::vector<std::uint8_t>& bytes) {
    write_bytes(d / name, bytes);
    return (d / name).string();
}

RunResult measure_fw(const std::string& fw, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {tool_path().string(), "measure", "--ovmf", fw};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

}  // namespace

TEST_CASE("measure on a valid synthetic TDVF image prints both MR_TDs, the profile and null RTMRs") {
    TempDir d;
    auto fw = write_fw(d, "fw.fd", TdvfBuilder{}.build());
    auto r = measure_fw(fw, {"--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    CHECK(j["schema"] == "tdximage.measurements/v1");
    CHECK(j["mrtd"] == j["mrtd_candidates"]["per-page"]);  // default profile is upstream: per-page
    CHECK(j["mrtd_candidates"]["per-page"] != j["mrtd_candidates"]["two-pass"]);
    CHECK(j["profile"]["name"] == "upstream");
    for (const char* axis : {"mrtd_order", "kernel_header", "initrd_arg", "fw_layout", "page_aug"}) CHECK(j["profile"][axis].is_string());
    CHECK(j["rtmr0"].is_null());
    CHECK(j["rtmr1"].is_null());
    CHECK(j["rtmr2"].is_null());
    CHECK(j["notes"]["rtmr0"].get<std::string>().find("2025.05") != std::string::npos);
    // Only the RTMR0 events that do not depend on the missing part: TD HOB and CFV.
    REQUIRE(j["events"].size() == 2);
    CHECK(j["events"][0]["kind"] == "td_hob");
    CHECK(j["events"][1]["kind"] == "cfv");
    CHECK(j["inputs"]["ovmf"]["file"] == "fw.fd");

    auto two = measure_fw(fw, {"--json", "--mrtd-order", "two-pass"});
    REQUIRE(two.exit_code == 0);
    CHECK(json::parse(two.out)["mrtd"] == j["mrtd_candidates"]["two-pass"]);
    CHECK(json::parse(two.out)["profile"]["name"] == "upstream+overrides");

    auto text = measure_fw(fw);
    REQUIRE(text.exit_code == 0);
    CHECK_THAT(text.out, TDX_CONTAINS("MR_TD     " + j["mrtd"].get<std::string>()));
}

TEST_CASE("malformed firmware gives exit 2, names the file and the problem, prints nothing on stdout") {
    TempDir d;
    struct Case {
        std::string name;
        std::vector<std::uint8_t> bytes;
        std::string expect;
    };
    std::vector<Case> cases;
    auto good = TdvfBuilder{}.build();
    cases.push_back({"empty.fd", {}, "empty.fd"});
    cases.push_back({"truncated.fd", std::vector<std::uint8_t>(good.begin(), good.begin() + 0x2000), "truncated.fd"});
    {
        TdvfBuilder b;
        b.footer = false;
        cases.push_back({"nofooter.fd", b.build(), "nofooter.fd"});
    }
    {
        TdvfBuilder b;
        b.signature = 0x12345678;
        cases.push_back({"badsig.fd", b.build(), "0x12345678"});
    }
    {
        TdvfBuilder b;
        b.sections[0].data_offset = 0x3800;  // BFV data runs past the end of the file
        cases.push_back({"range.fd", b.build(), "range.fd"});
    }
    {
        TdvfBuilder b;
        b.sections[2].memory_address = 0x809001;
        cases.push_back({"align.fd", b.build(), "0x809001"});
    }
    for (const auto& c : cases) {
        INFO(c.name);
        auto path = write_fw(d, c.name, c.bytes);
        auto r = measure_fw(path, {"--out-dir", (d / ("out-" + c.name)).string()});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS(c.name));
        CHECK_THAT(r.err, TDX_CONTAINS(c.expect));
        CHECK(r.out.empty());
        CHECK(!std::filesystem::exists(d / ("out-" + c.name)));
        auto i = run({tool_path().string(), "inspect", "ovmf", path});
        CHECK(i.exit_code == 2);
    }
}

TEST_CASE("malformed kernels give exit 2 naming the kernel file") {
    TempDir d;
    auto fw = write_fw(d, "fw.fd", TdvfBuilder{}.build());
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>> kernels;
    kernels.push_back({"empty-kernel", {}});
    kernels.push_back({"text-kernel", std::vector<std::uint8_t>(4096, 'A')});
    std::vector<std::uint8_t> mz(4096, 0);
    mz[0] = 'M';
    mz[1] = 'Z';
    mz[0x3c] = 0xf0;
    mz[0x3d] = 0xff;  // e_lfanew far outside the file
    kernels.push_back({"bad-lfanew", mz});
    for (const auto& [name, bytes] : kernels) {
        INFO(name);
        write_bytes(d / name, bytes);
        for (const char* header : {"patched", "raw"}) {
            auto r = measure_fw(fw, {"--kernel", (d / name).string(), "--kernel-header", header});
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, TDX_CONTAINS(name));
            CHECK(r.out.empty());
        }
    }
}

TEST_CASE("usage errors give exit 2 with a message") {
    TempDir d;
    auto fw = write_fw(d, "fw.fd", TdvfBuilder{}.build());
    struct Case {
        std::vector<std::string> args;
        std::string expect;
    };
    std::vector<Case> cases = {
        {{"measure"}, "--ovmf"},
        {{"measure", "--ovmf", fw, "--profile", "nope"}, "unknown profile 'nope'"},
        {{"measure", "--ovmf", fw, "--mrtd-order", "sideways"}, "--mrtd-order"},
        {{"measure", "--ovmf", fw, "--kernel-header", "x"}, "--kernel-header"},
        {{"measure", "--ovmf", fw, "--initrd-arg", "x"}, "--initrd-arg"},
        {{"measure", "--ovmf", fw, "--fw-layout", "x"}, "--fw-layout"},
        {{"measure", "--ovmf", fw, "--page-aug", "x"}, "--page-aug"},
        {{"measure", "--ovmf", fw, "--memory", "lots"}, "--memory"},
        {{"measure", "--ovmf", fw, "--initrd", fw}, "--initrd given without --kernel"},
        {{"measure", "--ovmf", (d / "missing.fd").string()}, "missing.fd: cannot open"},
        {{"measure", "--ovmf", d.path().string()}, "is a directory"},
        {{"measure", "--ovmf", fw, "--memory", "4M"}, "give more --memory"},
        {{"inspect", "ovmf", fw, "--lint", "x"}, "--lint"},
        {{"frobnicate"}, "frobnicate"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv = {tool_path().string()};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        INFO(c.expect);
        auto r = run(argv);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS(c.expect));
    }
    CHECK(run({tool_path().string(), "--help"}).exit_code == 0);
    auto v = run({tool_path().string(), "--version"});
    CHECK(v.exit_code == 0);
    CHECK_THAT(v.out, TDX_CONTAINS("tdximage "));
    // The libraries that decide output bytes and trust are named with their versions.
    CHECK_THAT(v.out, TDX_CONTAINS("OpenSSL 3"));
    CHECK_THAT(v.out, TDX_CONTAINS("zlib/"));
    CHECK_THAT(v.out, TDX_CONTAINS("liblzma/"));
    CHECK_THAT(v.out, TDX_CONTAINS("libcurl/"));
}

TEST_CASE("profiles lists the shipped profiles with every axis") {
    auto r = run({tool_path().string(), "profiles", "--json"});
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    std::vector<std::string> names;
    for (const auto& p : j) names.push_back(p["name"]);
    CHECK(names == std::vector<std::string>{"canonical-24.04", "ubuntu-25.04", "upstream"});
    CHECK(j[0]["mrtd_order"] == "two-pass");
    CHECK(j[0]["fw_layout"] == "pre-2024.11");
    CHECK(j[2]["kernel_header"] == "raw");
    CHECK(j[2]["initrd_arg"] == "prefix");
}
