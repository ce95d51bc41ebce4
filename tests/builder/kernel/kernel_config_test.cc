#include "tests/support/catch.h"

#include <algorithm>

#include "builder/kernel/kernel_config.h"
#include "tests/support/error_of.h"

using namespace tdx::builder;
using namespace tdx::test;

namespace {

// Every option check_tdx_kernel_config looks at, set the way Debian 13's
// cloud kernel sets it (distro-facts.md section 3).
const std::string kGood =
    "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.12.1 Kernel Configuration\n#\n"
    "CONFIG_CC_VERSION_TEXT=\"gcc-14 (Debian 14.2.0-19) 14.2.0\"\n"
    "CONFIG_MODULES=y\n"
    "CONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\nCONFIG_RD_XZ=y\nCONFIG_RD_ZSTD=y\n"
    "CONFIG_INTEL_TDX_GUEST=y\nCONFIG_EFI_STUB=y\n"
    "CONFIG_TSM_REPORTS=m\nCONFIG_TDX_GUEST_DRIVER=m\n";

std::vector<std::string> warnings(const std::string& config, Compression c, const std::vector<std::string>& modules) {
    return check_tdx_kernel_config(parse_kernel_config(config, "config"), c, modules);
}

std::string with(std::string config, const std::string& line) { return config + line + "\n"; }

}  // namespace

TEST_CASE("kernel configs parse tristates, numbers, strings and 'is not set'", "[kconfig]") {
    const auto c = parse_kernel_config(
        "# comment\n\nCONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=\"a \\\"quoted\\\" \\\\ word\"\n"
        "CONFIG_E=-12\nCONFIG_F=0x1F\nCONFIG_G=\"\"\nCONFIG_A=m\r\nCONFIG_H=y  \n# CONFIG_A is the best\n",
        "config-6.12");
    CHECK(c.get("CONFIG_A") == "m");  // a later line wins, as in kconfig
    CHECK(c.get("CONFIG_B") == "m");
    CHECK(c.get("CONFIG_C") == "n");
    CHECK(c.get("CONFIG_D") == "a \"quoted\" \\ word");
    CHECK(c.get("CONFIG_E") == "-12");
    CHECK(c.get("CONFIG_F") == "0x1F");
    CHECK(c.get("CONFIG_G") == "");
    CHECK(c.values.count("CONFIG_G") == 1);
    CHECK(c.get("CONFIG_H") == "y");
    CHECK(c.get("CONFIG_NOPE") == "");
    CHECK(c.values.size() == 8);
}

TEST_CASE("malformed config lines are errors naming file and line", "[kconfig]") {
    CHECK(error_of([] { parse_kernel_config("CONFIG_A=y\nFOO=bar\n", "config-x"); }) ==
          "config-x:2: expected CONFIG_NAME=value or a comment, found 'FOO=bar'");
    CHECK(error_of([] { parse_kernel_config("CONFIG_A=maybe\n", "config-x"); }) ==
          "config-x:1: CONFIG_A has a malformed value 'maybe' (not y, m, a number or a quoted string)");
    CHECK(error_of([] { parse_kernel_config("\n\nCONFIG_S=\"open\n", "config-x"); }) ==
          "config-x:3: CONFIG_S has a malformed value '\"open' (not y, m, a number or a quoted string)");
    CHECK(error_of([] { parse_kernel_config("CONFIG_S=\"a\"b\"\n", "c"); }).find("c:1: CONFIG_S has a malformed value") == 0);
    CHECK(error_of([] { parse_kernel_config("CONFIG_=y\n", "c"); }) == "c:1: expected CONFIG_NAME=value or a comment, found 'CONFIG_=y'");
    CHECK(error_of([] { parse_kernel_config("just words\n", "c"); }) == "c:1: expected CONFIG_NAME=value or a comment, found 'just words'");
}

TEST_CASE("a TDX-ready config with its modules requested draws no warning", "[kconfig]") {
    CHECK(warnings(kGood, Compression::Gzip, {"tdx_guest", "vmw_vsock_virtio_transport"}).empty());
    CHECK(warnings(kGood, Compression::Zstd, {"tdx-guest"}).empty());
    CHECK(warnings(kGood, Compression::Xz, {"tdx_guest"}).empty());
    CHECK(warnings(kGood, Compression::None, {"tdx_guest"}).empty());
    // Built in, nothing needs loading.
    CHECK(warnings(with(with(kGood, "CONFIG_TDX_GUEST_DRIVER=y"), "CONFIG_TSM_REPORTS=y"), Compression::Gzip, {}).empty());
    // tsm asked for on its own, with the driver built in.
    CHECK(warnings(with(kGood, "CONFIG_TDX_GUEST_DRIVER=y"), Compression::Gzip, {"tsm"}).empty());
    CHECK(warnings(with(kGood, "CONFIG_TDX_GUEST_DRIVER=y"), Compression::Gzip, {"tsm_report"}).empty());
}

TEST_CASE("each missing option gets its own sentence", "[kconfig]") {
    CHECK(warnings(with(kGood, "# CONFIG_INTEL_TDX_GUEST is not set"), Compression::Gzip, {"tdx_guest"}) ==
          std::vector<std::string>{"CONFIG_INTEL_TDX_GUEST is not set (needs y): the kernel has no TDX guest support and cannot run as a TD."});
    CHECK(warnings(kGood, Compression::Gzip, {}) ==
          std::vector<std::string>{
              "CONFIG_TDX_GUEST_DRIVER=m but tdx_guest is not among the recipe's modules: the guest gets no /dev/tdx_guest and "
              "cannot ask for TD reports or quotes.",
              "CONFIG_TSM_REPORTS=m but neither tsm (tsm_report from Linux 6.16) nor tdx_guest is among the recipe's modules: "
              "/sys/kernel/config/tsm/report is missing, so configfs-tsm quotes fail."});
    CHECK(warnings(with(kGood, "CONFIG_EFI_STUB=n"), Compression::Gzip, {"tdx_guest"}) ==
          std::vector<std::string>{"CONFIG_EFI_STUB is not set (needs y): OVMF's direct boot starts the kernel as an EFI "
                                   "application, so this kernel does not boot."});
    CHECK(
        warnings(with(kGood, "# CONFIG_BLK_DEV_INITRD is not set"), Compression::Gzip, {"tdx_guest"}) ==
        std::vector<std::string>{"CONFIG_BLK_DEV_INITRD is not set (needs y): the kernel ignores the initramfs, which holds the whole guest."});
    CHECK(warnings(with(kGood, "CONFIG_RD_ZSTD=m"), Compression::Zstd, {"tdx_guest"}) ==
          std::vector<std::string>{"CONFIG_RD_ZSTD=m (needs y): the kernel cannot unpack a zstd-compressed initramfs; pick "
                                   "another initramfs compression."});
    CHECK(warnings(with(kGood, "# CONFIG_RD_ZSTD is not set"), Compression::Gzip, {"tdx_guest"}).empty());
    CHECK(warnings(with(kGood, "# CONFIG_MODULES is not set"), Compression::Gzip, {"tdx_guest"}).back() ==
          "CONFIG_MODULES is not set (needs y): the kernel cannot load modules, yet the recipe names some.");
}

TEST_CASE("a config without TDX guest options at all", "[kconfig]") {
    const auto w = warnings("CONFIG_MODULES=y\nCONFIG_BLK_DEV_INITRD=y\nCONFIG_RD_GZIP=y\nCONFIG_EFI_STUB=y\n", Compression::Gzip, {});
    REQUIRE(w.size() == 3);
    CHECK(w[0] == "CONFIG_INTEL_TDX_GUEST is absent (needs y): the kernel has no TDX guest support and cannot run as a TD.");
    CHECK(w[1] == "CONFIG_TDX_GUEST_DRIVER is absent (needs y or m): the guest gets no /dev/tdx_guest and cannot ask for TD reports or quotes.");
    CHECK(w[2] == "CONFIG_TSM_REPORTS is absent (needs y or m): /sys/kernel/config/tsm/report is missing, so configfs-tsm quotes fail.");
    // An empty config misses everything the initramfs boot needs, too.
    CHECK(warnings("", Compression::Xz, {"x"}).size() == 7);
}
