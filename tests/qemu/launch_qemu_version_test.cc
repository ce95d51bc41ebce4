// launch-qemu.sh's QEMU version check for a TD, run against a fake QEMU
// (tests/builder/launch_fixture.h).
#include "qemu/launch_qemu_version.h"

#include <string>
#include <vector>

#include "tests/builder/launch_fixture.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using tdx::KernelHeader;
using tdx::test::LaunchDir;
using tdx::test::write_exec;

TEST_CASE("launch QEMU version: a QEMU that no longer patches the header is refused for a patched profile") {
    LaunchDir o;
    o.qemu_version("10.2.0");
    const auto r = o.launch({});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "launch-qemu.sh: QEMU 10.2.0 does not patch the kernel header for a TD, but this image's RTMR1 was computed for profile "
          "ubuntu-25.04 (kernel-header patched, QEMU <= 10.1); use a QEMU <= 10.1 or rebuild with a raw-header profile (upstream); "
          "--force-qemu to launch anyway\n");
    CHECK(o.version_asked());
    CHECK_FALSE(o.qemu_ran());
    CHECK(o.tmp_empty());
}

TEST_CASE("launch QEMU version: a QEMU that patches the header is refused for a raw profile") {
    LaunchDir o("console=ttyS0", KernelHeader::Raw);
    o.qemu_version("9.2.1");
    const auto r = o.launch({});
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "launch-qemu.sh: QEMU 9.2.1 patches the kernel header before the firmware measures it, but this image's RTMR1 was computed for "
          "profile upstream (kernel-header raw, QEMU >= 10.2); use a QEMU >= 10.2 or rebuild with a patched-header profile "
          "(canonical-24.04, ubuntu-25.04); --force-qemu to launch anyway\n");
    CHECK_FALSE(o.qemu_ran());
}

TEST_CASE("launch QEMU version: 10.1.50, the 10.2 development tree, is the first without the patch") {
    struct Case {
        std::string version;
        bool patches;
    };
    const std::vector<Case> cases = {{"7.2.22", true},   {"8.2.2", true},   {"9.2.1", true},    {"10.0.0", true},
                                     {"10.1.0", true},   {"10.1.3", true},  {"10.1.49", true},  {"10.1.50", false},
                                     {"10.1.91", false}, {"10.2.0", false}, {"10.10.0", false}, {"11.0.0", false}};
    LaunchDir patched;
    LaunchDir raw("console=ttyS0", KernelHeader::Raw);
    for (const Case& c : cases) {
        INFO("QEMU " << c.version);
        patched.qemu_version(c.version);
        raw.qemu_version(c.version);
        CHECK(patched.launch({}).exit_code == (c.patches ? 0 : 2));
        CHECK(raw.launch({}).exit_code == (c.patches ? 2 : 0));
    }
}

TEST_CASE("launch QEMU version: a version that cannot be read is refused unless forced") {
    LaunchDir o;
    for (const std::string& text :
         {std::string("qemu-system-x86_64 from the future\n"), std::string(""), std::string("QEMU emulator version 10.x\n")}) {
        o.qemu_version_text(text);
        const auto r = o.launch({});
        CHECK(r.exit_code == 2);
        CHECK(r.err ==
              "launch-qemu.sh: cannot tell which QEMU qemu-system-x86_64 is ('qemu-system-x86_64 --version' printed no 'QEMU emulator "
              "version X.Y.Z'), and this image's RTMR1 was computed for profile ubuntu-25.04 (kernel-header patched, QEMU <= 10.1); "
              "--force-qemu to launch anyway\n");
        CHECK_FALSE(o.qemu_ran());
        const auto forced = o.launch({"--force-qemu"});
        CHECK(forced.exit_code == 0);
        CHECK(o.qemu_ran());
        o.forget_run();
    }
    // A first line from a wrapper does not hide the version line.
    o.qemu_version_text("note: using the system QEMU\nQEMU emulator version 10.1.2 (qemu-10.1.2-1.fc43)\n");
    CHECK(o.launch({}).exit_code == 0);
}

TEST_CASE("launch QEMU version: --force-qemu launches a mismatched QEMU with a warning") {
    LaunchDir o;
    o.qemu_version("10.2.0");
    o.guest({"tdximage-init: agent exited with status 0"});
    const auto r = o.launch({"--force-qemu"});
    CHECK(r.exit_code == 0);
    CHECK(o.qemu_ran());
    CHECK(r.err ==
          "launch-qemu.sh: warning: QEMU 10.2.0 does not patch the kernel header for a TD, but this image's RTMR1 was computed for profile "
          "ubuntu-25.04 (kernel-header patched, QEMU <= 10.1); use a QEMU <= 10.1 or rebuild with a raw-header profile (upstream); "
          "launching anyway (--force-qemu): RTMR1 will differ from the computed one\n");
}

TEST_CASE("launch QEMU version: --no-tdx does not ask QEMU its version") {
    LaunchDir o;
    o.qemu_version("10.2.0");
    const auto r = o.launch({"--no-tdx"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK_FALSE(o.version_asked());
    CHECK(o.qemu_ran());
}

TEST_CASE("launch QEMU version: $QEMU and --qemu choose the binary that is checked and run") {
    LaunchDir o;
    o.qemu_version("10.2.0");  // the one on PATH would be refused
    const auto other = o.dir / "other-qemu";
    const auto other_dir = o.dir / "other";
    std::filesystem::create_directories(other_dir);
    write_exec(other, tdx::test::fake_qemu_script(other_dir));
    tdx::test::write_text(other_dir / "qemu.version", "QEMU emulator version 10.1.0\n");
    tdx::test::write_text(other_dir / "qemu.serial", "tdximage-init: agent exited with status 3\r\n");
    tdx::test::write_text(other_dir / "qemu.exit", "0\n");
    auto r = o.launch({}, {"QEMU=" + other.string()});
    CHECK(r.exit_code == 3);
    CHECK(std::filesystem::exists(other_dir / "qemu.args"));
    CHECK_FALSE(o.qemu_ran());
    // --qemu wins over $QEMU.
    r = o.launch({"--qemu", other.string()}, {"QEMU=/nonexistent/qemu"});
    CHECK(r.exit_code == 3);
    r = o.launch({}, {"QEMU=/nonexistent/qemu"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("/nonexistent/qemu: not found"));
}
