// The .deb reader on the real Debian packages the fixture downloaded.
#include <fstream>

#include "builder/apt/deb_reader.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

TEST_CASE("deb_control on Debian's real ovmf and kernel packages") {
    std::ifstream list(tdx::test::debian_inputs_dir() / "debs.txt");
    std::string ovmf_deb, kernel_deb;
    REQUIRE(std::getline(list, ovmf_deb));
    REQUIRE(std::getline(list, kernel_deb));
    const std::string ovmf = tdx::builder::deb_control(ovmf_deb);
    CHECK(ovmf.rfind("Package: ovmf\n", 0) == 0);
    CHECK(ovmf.find("\nVersion: 2022.11") != std::string::npos);
    const std::string kernel = tdx::builder::deb_control(kernel_deb);
    CHECK(kernel.rfind("Package: linux-image-", 0) == 0);
    CHECK(kernel.find("\nDepends: ") != std::string::npos);
}
