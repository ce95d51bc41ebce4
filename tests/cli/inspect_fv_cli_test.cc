// `tdximage inspect ovmf` on a synthetic TDVF image whose BFV holds a
// firmware volume: the module section of the table, --modules, the JSON
// keys tdximage.ovmf/v1 gained, and the stderr warning when TdTcg2Dxe is
// missing.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/ovmf/fv_builder.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using nlohmann::json;

namespace {

fv::Buf driver(const char* guid, const std::u16string& name) {
    return fv::ffs_file({fv::guid(guid), 0x07, fv::sections({fv::pe32_section(), fv::ui_section(name)})});
}

// The default TdvfBuilder image (BFV at 0x1000, descriptor at 0x3010) with a
// volume written over the start of the BFV, its DXE drivers LZMA-compressed.
std::string write_image(const TempDir& d, const std::string& name, const std::vector<fv::Buf>& drivers) {
    fv::Buf inner = fv::volume({drivers});
    fv::Buf top = fv::volume(
        {{fv::ffs_file({fv::guid("9e21fd93-9c72-4c15-8c4b-e77f1db2d792"), 0x0b, fv::lzma_section(fv::sections({fv::section(0x17, inner)}))})}});
    std::vector<std::uint8_t> img = TdvfBuilder{}.build();
    if (0x1000 + top.size() > 0x3000) throw std::logic_error("test volume overlaps the TDVF descriptor");
    std::copy(top.begin(), top.end(), img.begin() + 0x1000);
    write_bytes(d / name, img);
    return (d / name).string();
}

}  // namespace

TEST_CASE("inspect ovmf lists volumes and modules and warns on stderr without TdTcg2Dxe") {
    TempDir d;
    auto fw = write_image(
        d, "old.fd", {driver("e750224e-7bce-40af-b5bb-47e3611eb5c2", u"TdxDxe"), driver("fdff263d-5f68-4591-87ba-b768f445a9af", u"Tcg2Dxe")});
    auto r = run({tool_path().string(), "inspect", "ovmf", fw});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);  // a missing driver is a warning, not an invalid image
    CHECK_THAT(r.out, TDX_CONTAINS("firmware volumes (2)"));
    CHECK_THAT(r.out, TDX_CONTAINS("modules: 3 (DRIVER 2, FV_IMAGE 1); --modules lists them"));
    CHECK_THAT(r.out, TDX_CONTAINS("TD measurement drivers: TdTcg2Dxe absent, TdTcg2Pei absent, TdxDxe present"));
    CHECK_THAT(r.out, TDX_CONTAINS("(in module 0 of FV 0, compressed)"));
    CHECK(r.out.find("Tcg2Dxe  ") == std::string::npos);  // no module rows by default
    // The same words as the JSON's firmware_warnings: the file by its name.
    CHECK(r.err ==
          "tdximage: warning: old.fd: no TdTcg2Dxe among its 3 modules: this firmware extends no RTMR in a TD; "
          "predicted RTMR values would never be seen\n");
    auto with_json = run({tool_path().string(), "inspect", "ovmf", fw, "--json"});
    CHECK(with_json.err == r.err);
    CHECK(nlohmann::json::parse(with_json.out)["firmware_warnings"] == nlohmann::json::array({r.err.substr(19, r.err.size() - 20)}));

    auto m = run({tool_path().string(), "inspect", "ovmf", fw, "--modules"});
    REQUIRE(m.exit_code == 0);
    CHECK_THAT(m.out, TDX_CONTAINS("fdff263d-5f68-4591-87ba-b768f445a9af  Tcg2Dxe"));
    CHECK_THAT(m.out, TDX_CONTAINS("9e21fd93-9c72-4c15-8c4b-e77f1db2d792  -"));

    auto j = run({tool_path().string(), "inspect", "ovmf", fw, "--json"});
    REQUIRE(j.exit_code == 0);
    CHECK(j.err == r.err);
    json doc = json::parse(j.out);
    CHECK(doc["schema"] == "tdximage.ovmf/v1");
    CHECK(doc["sections"].size() == 4);  // the existing keys are unchanged
    REQUIRE(doc["firmware_volumes"].size() == 2);
    CHECK(doc["firmware_volumes"][0]["offset"] == "0x1000");
    CHECK(doc["firmware_volumes"][0]["file_system"] == "FFS2");
    CHECK(doc["firmware_volumes"][1]["offset"].is_null());
    CHECK(doc["firmware_volumes"][1]["in_module"] == 0);
    REQUIRE(doc["modules"].size() == 3);
    CHECK(doc["modules"][0]["type"] == "FV_IMAGE");
    CHECK(doc["modules"][0]["name"].is_null());
    CHECK(doc["modules"][0]["volumes"] == json::array({1}));
    CHECK(doc["modules"][0]["image_offset"] == "0x1060");
    CHECK(doc["modules"][2]["name"] == "Tcg2Dxe");
    CHECK(doc["modules"][2]["guid"] == "fdff263d-5f68-4591-87ba-b768f445a9af");
    CHECK(doc["modules"][2]["sections"] == json::array({"PE32", "USER_INTERFACE"}));
    CHECK(doc["modules"][2]["state"] == "valid");
    CHECK(doc["td_measurement"] == json({{"tdtcg2dxe", false}, {"tdtcg2pei", false}, {"tdxdxe", true}}));
    CHECK(doc["firmware_problems"].empty());
    REQUIRE(doc["firmware_warnings"].size() == 1);
    CHECK(doc["firmware_warnings"][0].get<std::string>().rfind("old.fd: no TdTcg2Dxe", 0) == 0);  // base name only
}

TEST_CASE("inspect ovmf with TdTcg2Dxe present prints no warning") {
    TempDir d;
    auto fw = write_image(d, "new.fd", {driver("f062221e-c607-44c2-b0b4-c3886331d351", u"TdTcg2Dxe")});
    auto r = run({tool_path().string(), "inspect", "ovmf", fw, "--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    json doc = json::parse(r.out);
    CHECK(doc["td_measurement"]["tdtcg2dxe"] == true);
    CHECK(doc["firmware_warnings"].empty());
}

TEST_CASE("inspect ovmf on a TDVF image without volumes says it cannot tell") {
    TempDir d;
    write_bytes(d / "bare.fd", TdvfBuilder{}.build());
    auto r = run({tool_path().string(), "inspect", "ovmf", (d / "bare.fd").string()});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("firmware volumes (0)"));
    CHECK_THAT(r.err, TDX_CONTAINS("no firmware volume with FFS files found; cannot tell"));
}
