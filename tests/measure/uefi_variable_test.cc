// The variable encodings against the constant digests of the measurement
// reference (section 3), which were recomputed independently and match the
// swtpm oracle's PCR 1/7 events.
#include "measure/uefi_variable.h"

#include "base/digest.h"
#include "base/error.h"
#include "measure/secure_boot_vars.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;

namespace {

std::string digest_of(const std::vector<std::uint8_t>& b) { return to_hex(sha384(Bytes(b.data(), b.size()))); }

}  // namespace

TEST_CASE("empty Secure Boot variables as UEFI_VARIABLE_DATA") {
    const std::vector<std::string> expected{
        "9dc3a1f80bcec915391dcda5ffbb15e7419f77eab462bbf72b42166fb70d50325e37b36f93537a863769bcf9bedae6fb",
        "6f2e3cbc14f9def86980f5f66fd85e99d63e69a73014ed8a5633ce56eca5b64b692108c56110e22acadcef58c3250f1b",
        "d607c0efb41c0d757d69bca0615c3a9ac0b1db06c557d992e906c6b7dee40e0e031640c7bfd7bcd35844ef9edeadc6f9",
        "08a74f8963b337acb6c93682f934496373679dd26af1089cb4eaf0c30cf260a12e814856385ab8843e56a9acea19e127",
        "18cc6e01f0c6ea99aa23f8a280423e94ad81d96d0aeb5180504fc0f7a40cb3619dd39bd6a95ec1680a86ed6ab0f9828d",
    };
    const auto vars = empty_secure_boot_variables();
    REQUIRE(vars.size() == 5);
    for (std::size_t i = 0; i < vars.size(); ++i) {
        INFO(vars[i].name);
        CHECK(digest_of(uefi_variable_data(vars[i].vendor, vars[i].name, {})) == expected[i]);
    }
}

TEST_CASE("SbatLevel with data") {
    const std::string sbat = "sbat,1,2021030218\n";
    const std::vector<std::uint8_t> data(sbat.begin(), sbat.end());
    CHECK(
        digest_of(uefi_variable_data(ovmf::Guid::parse("605dab50-e046-4300-abb6-3dd810dd8b23"), "SbatLevel", Bytes(data.data(), data.size()))) ==
        "f143e2948d63fcd3442e841bb36a7e180871f0a8946541961fe9d12e70d0727874600956264dba531e2edd8729c5eb38");
}

TEST_CASE("Boot0000 UiApp load option: 62 bytes, the reference's digest") {
    const auto opt = fv_app_load_option(kLoadOptionActive | kLoadOptionHidden | kLoadOptionCategoryApp, "UiApp", ovmf_dxe_fv_guid(),
                                        ui_app_file_guid());
    CHECK(opt.size() == 62);
    CHECK(opt[4] == 0x2c);  // FilePathListLength
    CHECK(digest_of(opt) == "23ada07f5261f12f34a0bd8e46760962d6b4d576a416f1fea1c64bc656b1d28eacf7047ae6e967c58fd2a98bfa74c298");
    const std::vector<std::uint8_t> boot_order{0, 0};
    CHECK(digest_of(boot_order) == "1dd6f7b457ad880d840d41c961283bab688e94e4b59359ea45686581e90feccea3c624b1226113f824f315eb60ae0a7c");
}

TEST_CASE("non-ASCII variable names are refused") {
    CHECK_THROWS_WITH(uefi_variable_data(efi_global_variable_guid(), "Bo\xc3\xb6t", {}), TDX_CONTAINS("not plain ASCII"));
}

TEST_CASE("Secure Boot directory: raw and efivarfs files, unknown names refused") {
    test::TempDir dir;
    test::write_bytes(dir / "SecureBoot", {0x01});
    test::write_bytes(dir / "PK-8be4df61-93ca-11d2-aa0d-00e098032b8c", {0x07, 0, 0, 0, 0xaa, 0xbb});
    auto vars = load_secure_boot_dir(dir.path());
    CHECK(vars[0].data == std::vector<std::uint8_t>{0x01});
    CHECK(vars[1].data == std::vector<std::uint8_t>{0xaa, 0xbb});
    CHECK(vars[2].data.empty());
    test::write_bytes(dir / "KEK.bin", {1});
    CHECK_THROWS_WITH(load_secure_boot_dir(dir.path()), TDX_CONTAINS("KEK.bin") && TDX_CONTAINS("not a Secure Boot variable file"));
}
