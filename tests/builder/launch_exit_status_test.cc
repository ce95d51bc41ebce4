// launch-qemu.sh's exit status, run against a fake QEMU (tests/builder/launch_fixture.h).
#include "builder/launch_exit_status.h"

#include <chrono>
#include <filesystem>
#include <string>

#include "tests/builder/launch_fixture.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

namespace fs = std::filesystem;
using tdx::test::LaunchDir;
using tdx::test::read_text;
using tdx::test::run;
using tdx::test::write_text;

TEST_CASE("launch exit status: the agent's status from /init's line, with the console shown") {
    LaunchDir o;
    o.guest({"[    0.000000] Linux version 6.12.1", "tdximage-demo-agent: done, exiting with status 7",
             "tdximage-init: agent exited with status 7", "[    2.345678] reboot: Power down"});
    for (const char* mode : {"--no-tdx", "--force-qemu"}) {
        const auto r = o.launch({mode});
        INFO(mode << ": " << r.err);
        CHECK(r.exit_code == 7);
        CHECK(r.out == read_text(o.dir / "qemu.serial"));  // every byte of the console, \r included
        CHECK(r.err == "launch-qemu.sh: the agent exited with status 7\n");
        CHECK(o.tmp_empty());  // the serial log is removed
    }
    o.guest({"tdximage-init: agent exited with status 0", "reboot: Power down"});
    const auto ok = o.launch({});
    CHECK(ok.exit_code == 0);
    CHECK(ok.err.empty());
}

TEST_CASE("launch exit status: the last status line counts, also after an unterminated line") {
    LaunchDir o;
    // An agent printing a status line of its own does not decide: /init speaks last.
    o.guest({"tdximage-init: agent exited with status 9", "tdximage-init: agent exited with status 4"});
    CHECK(o.launch({"--no-tdx"}).exit_code == 4);
    o.guest_raw("last words without a newlinetdximage-init: agent exited with status 5\r\nreboot: Power down\r\n");
    CHECK(o.launch({"--no-tdx"}).exit_code == 5);
    o.guest_raw("tdximage-init: agent exited with status 255\n");
    CHECK(o.launch({"--no-tdx"}).exit_code == 255);
    // Not a status /init can print: ignored.
    o.guest({"tdximage-init: agent exited with status 300", "tdximage-init: agent exited with status 6x"});
    CHECK(o.launch({"--no-tdx"}).exit_code == tdx::builder::kNoAgentStatus);
}

TEST_CASE("launch exit status: no status line on the console exits 125, saying so") {
    LaunchDir o;
    o.guest({"[    1.234567] Kernel panic - not syncing: VFS: Unable to mount root fs", "[    1.234600] Rebooting in 0 seconds.."});
    const auto r = o.launch({"--no-tdx"});
    CHECK(r.exit_code == 125);
    CHECK(r.err ==
          "launch-qemu.sh: QEMU exited without a 'tdximage-init: agent exited with status N' line on the serial console: the guest "
          "rebooted (a kernel panic, a triple fault) or powered off before /init reported\n");
    CHECK(o.tmp_empty());
    o.guest_raw("");
    CHECK(o.launch({"--no-tdx"}).exit_code == 125);
    // Without console=ttyS0 /init's lines go elsewhere: the message says so.
    LaunchDir quiet("quiet");
    quiet.guest({});
    const auto q = quiet.launch({"--no-tdx"});
    CHECK(q.exit_code == 125);
    CHECK_THAT(q.err, TDX_CONTAINS("(the kernel command line has no console=ttyS0, so /init may not write to the serial port)"));
}

TEST_CASE("launch exit status: a failing QEMU gives its own status") {
    LaunchDir o;
    o.qemu_exit(1);
    o.guest_raw("");
    auto r = o.launch({"--no-tdx"});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "launch-qemu.sh: QEMU exited with status 1\n");
    // QEMU's failure wins over a status line seen before it.
    o.qemu_exit(3);
    o.guest({"tdximage-init: agent exited with status 7"});
    r = o.launch({});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, TDX_CONTAINS("QEMU exited with status 3"));
    CHECK(o.tmp_empty());
}

TEST_CASE("launch exit status: QEMU reads the script's stdin") {
    LaunchDir o;
    write_text(o.dir / "qemu.read-stdin", "");
    const std::string cmd = "printf 'typed at the console\\n' | /usr/bin/env PATH='" + o.bin.string() + ":/usr/bin:/bin' TMPDIR='" +
                            o.tmp.string() + "' /bin/sh '" + o.script.string() + "' --no-tdx";
    const auto r = run({"/bin/sh", "-c", cmd});
    CHECK(r.exit_code == 0);
    CHECK(read_text(o.dir / "qemu.stdin") == "typed at the console\n");
}

TEST_CASE("launch exit status: a TERM to the script is passed on to QEMU and exits 143") {
    LaunchDir o;
    write_text(o.dir / "qemu.hang", "");
    // The signal goes to the script's process only (timeout(1) would signal
    // QEMU too), once the fake QEMU waits.
    const std::string cmd = "PATH='" + o.bin.string() + ":/usr/bin:/bin' TMPDIR='" + o.tmp.string() + "' /bin/sh '" + o.script.string() +
                            "' --no-tdx & p=$!; i=0; while [ ! -f '" + o.path("qemu.ready") +
                            "' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; kill -TERM $p; wait $p";
    const auto start = std::chrono::steady_clock::now();
    const auto r = run({"/bin/sh", "-c", cmd});
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.exit_code == 143);
    CHECK(seconds < 25);  // not the fake QEMU's 30 s: it got the signal
    CHECK(read_text(o.dir / "qemu.signal") == "TERM\n");
    CHECK_THAT(r.err, TDX_CONTAINS("launch-qemu.sh: stopped by SIGTERM, and QEMU with it\n"));
    CHECK(o.tmp_empty());
}

TEST_CASE("launch exit status: the serial log path is escaped for QEMU's option syntax") {
    LaunchDir o;
    const fs::path odd = o.dir / "tmp,dir";
    fs::create_directories(odd);
    o.guest({"tdximage-init: agent exited with status 6"});
    const auto r = run(
        {"/usr/bin/env", "PATH=" + o.bin.string() + ":/usr/bin:/bin", "TMPDIR=" + odd.string(), "/bin/sh", o.script.string(), "--no-tdx"});
    CHECK(r.exit_code == 6);
    CHECK_THAT(read_text(o.dir / "qemu.args"), TDX_CONTAINS("stdio,id=serial0,logfile=" + o.dir.path().string() + "/tmp,,dir/launch-qemu."));
    CHECK(fs::is_empty(odd));
}
