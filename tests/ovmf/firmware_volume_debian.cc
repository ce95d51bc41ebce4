// The firmware volume walk on Debian's real OVMF builds: Debian 12's
// OVMF.fd (edk2 2022.11, built without CC_MEASUREMENT_ENABLE) lacks the TD
// measurement drivers, Debian 13's (edk2 2025.02) has TdTcg2Dxe and
// TdTcg2Pei. The counts were cross-checked with UEFIExtract (Debian package
// uefitool-cli 0.28.0+A62-1, "UEFIExtract OVMF.fd report"): it lists 142
// files for Debian 12 and 150 for Debian 13, pad files included, and the same
// GUID, type, size and UI name for every non-pad file in the same order; the
// LZMA payload of FVMAIN_COMPACT decodes to the bytes `xz --format=lzma -dc`
// gives (13500560 bytes for Debian 12).
#include <map>
#include <string>

#include "base/digest.h"
#include "base/file_io.h"
#include "ovmf/firmware_volume.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::ovmf;

namespace {

constexpr const char* kDebian12Sha256 = "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773";
constexpr const char* kDebian13Sha256 = "14954040cc754ade0c625ac3470ea46d4c14318b5b1396de4ef77090203d76db";

FirmwareInventory scan_pinned(const InputFile& f, const char* sha) {
    const std::string actual = to_hex(sha256(f.bytes()));
    if (actual != sha) FAIL(f.path().string() + " has sha256 " + actual + ", not " + sha + ": a new ovmf package; re-check the counts");
    return scan_firmware_volumes(f.bytes());
}

const FfsFile* find(const FirmwareInventory& inv, const std::string& ui) {
    for (const FfsFile& f : inv.files)
        if (f.ui_name == ui) return &f;
    return nullptr;
}

std::size_t pads(const FirmwareInventory& inv) {
    std::size_t n = 0;
    for (const FirmwareVolume& v : inv.volumes) n += v.pad_files;
    return n;
}

std::map<std::size_t, std::size_t> files_per_volume(const FirmwareInventory& inv) {
    std::map<std::size_t, std::size_t> m;
    for (const FfsFile& f : inv.files) ++m[f.volume];
    return m;
}

// The edk2 OvmfPkgX64 layout both releases share: the variable store, then
// FVMAIN_COMPACT (one FV_IMAGE file whose LZMA section holds PEIFV and
// DXEFV), then SECFV.
void check_layout(const FirmwareInventory& inv, std::uint64_t vars, std::uint64_t compact, std::uint64_t dxe_length) {
    REQUIRE(inv.volumes.size() == 5);
    CHECK(inv.volumes[0].image_offset == 0u);
    CHECK(inv.volumes[0].length == vars);
    CHECK(file_system_name(inv.volumes[0].file_system) == "NV_DATA");
    CHECK(inv.volumes[1].image_offset == vars);
    CHECK(inv.volumes[1].length == compact);
    CHECK(inv.volumes[1].name->to_string() == "48db5e17-707c-472d-91cd-1613e7ef51b0");
    CHECK(inv.volumes[2].name->to_string() == "6938079b-b503-4e3d-9d24-b28337a25806");  // PEIFV
    CHECK(inv.volumes[2].length == 0xe0000);
    CHECK(inv.volumes[3].name->to_string() == "7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1");  // DXEFV
    CHECK(inv.volumes[3].length == dxe_length);
    for (std::size_t i : {2, 3}) {
        CHECK_FALSE(inv.volumes[i].image_offset);
        CHECK(inv.volumes[i].parent_file == 0u);
        CHECK(inv.volumes[i].depth == 2);
    }
    CHECK(inv.files[0].sections.front() == "GUID_DEFINED(LZMA)");
    CHECK(inv.volumes[4].image_offset == vars + compact);  // SECFV
    CHECK(inv.volumes[4].length == 0x34000);
    CHECK(inv.volumes[4].name->to_string() == "763bed0d-de9f-48f5-81f1-3e90e1b1a015");

    for (const char* name : {"PeiCore", "PlatformPei", "DxeIpl", "DxeCore", "TdxDxe", "Tcg2Dxe", "QemuKernelLoaderFsDxe", "Shell", "SecMain"}) {
        INFO(name);
        CHECK(find(inv, name));
    }
    CHECK(ffs_file_type_name(find(inv, "PeiCore")->type) == "PEI_CORE");
    CHECK(find(inv, "PeiCore")->volume == 2);
    CHECK(ffs_file_type_name(find(inv, "DxeCore")->type) == "DXE_CORE");
    CHECK(find(inv, "DxeCore")->volume == 3);
    CHECK(ffs_file_type_name(find(inv, "SecMain")->type) == "SEC");
    CHECK(find(inv, "SecMain")->volume == 4);
    CHECK(find(inv, "SecMain")->image_offset.has_value());
    CHECK(find(inv, "PlatformPei")->name.to_string() == "222c386d-5abc-4fb4-b124-fbb82488acf4");
}

}  // namespace

TEST_CASE("Debian 12 OVMF.fd: five volumes, 131 modules, no TdTcg2Dxe") {
    InputFile f(test::debian_inputs_dir() / "OVMF.fd");
    FirmwareInventory inv = scan_pinned(f, kDebian12Sha256);
    CHECK(inv.problems.empty());
    check_layout(inv, 0x20000, 0x1ac000, 0xc00000);
    CHECK(inv.files.size() == 131);
    CHECK(inv.files.size() + pads(inv) == 142);  // UEFIExtract's file count
    CHECK(files_per_volume(inv) == std::map<std::size_t, std::size_t>{{1, 1}, {2, 15}, {3, 113}, {4, 2}});
    CHECK(inv.undecoded_sections() == 0);

    TdMeasurementDrivers d = td_measurement_drivers(inv);
    CHECK_FALSE(d.td_tcg2_dxe);
    CHECK_FALSE(d.td_tcg2_pei);
    CHECK(d.tdx_dxe);  // boots as a TD, but measures nothing into the RTMRs
    auto w = firmware_warnings(inv, "OVMF.fd");
    REQUIRE(w.size() == 1);
    CHECK(w[0] ==
          "OVMF.fd: no TdTcg2Dxe among its 131 modules: this firmware extends no RTMR in a TD; "
          "predicted RTMR values would never be seen");
}

TEST_CASE("Debian 13 OVMF-trixie.fd: TdTcg2Dxe and TdTcg2Pei by FILE_GUID and name") {
    InputFile f(test::debian_inputs_dir() / "OVMF-trixie.fd");
    FirmwareInventory inv = scan_pinned(f, kDebian13Sha256);
    CHECK(inv.problems.empty());
    check_layout(inv, 0x84000, 0x348000, 0xe80000);
    CHECK(inv.files.size() == 138);
    CHECK(inv.files.size() + pads(inv) == 150);
    CHECK(files_per_volume(inv) == std::map<std::size_t, std::size_t>{{1, 1}, {2, 16}, {3, 119}, {4, 2}});

    const FfsFile* dxe = find(inv, "TdTcg2Dxe");
    REQUIRE(dxe);
    CHECK(dxe->name.to_string() == "f062221e-c607-44c2-b0b4-c3886331d351");
    CHECK(ffs_file_type_name(dxe->type) == "DRIVER");
    CHECK(dxe->volume == 3);
    const FfsFile* pei = find(inv, "TdTcg2Pei");
    REQUIRE(pei);
    CHECK(pei->name.to_string() == "fcb3a3d6-6274-411c-a548-bd0e717d533a");
    CHECK(ffs_file_type_name(pei->type) == "PEIM");
    CHECK(pei->volume == 2);

    TdMeasurementDrivers d = td_measurement_drivers(inv);
    CHECK(d.td_tcg2_dxe);
    CHECK(d.td_tcg2_pei);
    CHECK(d.tdx_dxe);
    CHECK(firmware_warnings(inv, "OVMF-trixie.fd").empty());
}
