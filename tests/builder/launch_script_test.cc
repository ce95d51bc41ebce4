#include "builder/launch_script.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "base/memory_size.h"
#include "tests/builder/launch_fixture.h"
#include "tests/support/catch.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
namespace fs = std::filesystem;
using tdx::test::error_of;
using tdx::test::LaunchDir;
using tdx::test::run;
using tdx::test::sha256_text;
using tdx::test::write_exec;
using tdx::test::write_text;

namespace {

// The arguments as QEMU got them, with the serial log's temporary path (which
// differs at each run) checked and replaced by LOG.
std::vector<std::string> qemu_args(const LaunchDir& o) {
    std::vector<std::string> a = o.qemu_args();
    const auto it = std::find(a.begin(), a.end(), "-chardev");
    REQUIRE(it != a.end());
    REQUIRE(it + 1 != a.end());
    const std::string prefix = "stdio,id=serial0,logfile=" + o.tmp.string() + "/launch-qemu.";
    CHECK((it + 1)->rfind(prefix, 0) == 0);
    *(it + 1) = "stdio,id=serial0,logfile=LOG";
    return a;
}

std::vector<std::string> boot_args(const LaunchDir& o, const std::string& cmdline) {
    return {"-m",         "2G",
            "-smp",       "2",
            "-bios",      o.path("OVMF.fd"),
            "-kernel",    o.path("vmlinuz"),
            "-initrd",    o.path("initramfs.cpio.gz"),
            "-append",    cmdline,
            "-nographic", "-nodefaults",
            "-chardev",   "stdio,id=serial0,logfile=LOG",
            "-serial",    "chardev:serial0",
            "-no-reboot"};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("launch script: parses under sh, dash, bash and busybox sh") {
    LaunchDir o("console=ttyS0 quiet it's \"quoted\" $HOME `x`");
    for (const std::vector<std::string>& sh : std::vector<std::vector<std::string>>{
             {"/bin/sh", "-n"}, {"/bin/dash", "-n"}, {"/bin/bash", "--posix", "-n"}, {"/bin/busybox", "sh", "-n"}}) {
        if (!fs::exists(sh[0])) continue;
        std::vector<std::string> argv = sh;
        argv.push_back(o.script.string());
        const auto r = run(argv);
        INFO(sh[0] << ": " << r.err);
        CHECK(r.exit_code == 0);
    }
}

TEST_CASE("launch script: boots the files as a TD with the measured shape") {
    LaunchDir o;
    const auto r = o.launch({"--", "-device", "vhost-vsock-pci,guest-cid=3", "two words"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::vector<std::string> expected = concat(concat({"-accel", "kvm", "-cpu", "host", "-machine",
                                                             "q35,kernel-irqchip=split,confidential-guest-support=tdx0,hpet=off", "-object",
                                                             "tdx-guest,id=tdx0"},
                                                            boot_args(o, "console=ttyS0")),
                                                     {"-device", "vhost-vsock-pci,guest-cid=3", "two words"});
    CHECK(qemu_args(o) == expected);

    // --tcg: software emulation whatever /dev/kvm says; a TD cannot have it.
    REQUIRE(o.launch({"--no-tdx", "--tcg"}).exit_code == 0);
    CHECK(qemu_args(o) == concat({"-accel", "tcg", "-cpu", "max", "-machine", "q35,hpet=off"}, boot_args(o, "console=ttyS0")));
    const auto td = o.launch({"--tcg"});
    CHECK(td.exit_code == 2);
    CHECK_THAT(td.err, TDX_CONTAINS("--tcg needs --no-tdx"));
}

TEST_CASE("launch script: --qgs-port gives the TD a quote generation socket") {
    LaunchDir o;
    REQUIRE(o.launch({"--qgs-port", "4050"}).exit_code == 0);
    const auto a = qemu_args(o);
    REQUIRE(a.size() > 7);
    CHECK(a[6] == "-object");
    CHECK(a[7] == R"({"qom-type":"tdx-guest","id":"tdx0","quote-generation-socket":{"type":"vsock","cid":"2","port":"4050"}})");
    const auto bad = o.launch({"--qgs-port=40x"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, TDX_CONTAINS("--qgs-port: '40x' is not a port number"));
    const auto plain = o.launch({"--no-tdx", "--qgs-port", "4050"});
    CHECK(plain.exit_code == 2);
    CHECK_THAT(plain.err, TDX_CONTAINS("--qgs-port needs a TD"));
}

TEST_CASE("launch script: --no-tdx boots the same files as a plain VM, KVM when usable, else TCG") {
    LaunchDir o;
    REQUIRE(o.launch({"--no-tdx"}).exit_code == 0);
    const bool kvm = fs::is_character_file("/dev/kvm") && ::access("/dev/kvm", R_OK | W_OK) == 0;
    const std::vector<std::string> expected = concat({"-accel", kvm ? "kvm" : "tcg", "-cpu", kvm ? "host" : "max", "-machine", "q35,hpet=off"},
                                                     boot_args(o, "console=ttyS0"));
    CHECK(qemu_args(o) == expected);
}

TEST_CASE("launch script: the command line reaches QEMU byte for byte") {
    const std::string cmdline = "console=ttyS0 it's \"x y\" $HOME `id` $(id) back\\slash ;|&*";
    LaunchDir o(cmdline);
    REQUIRE(o.launch({}).exit_code == 0);
    const auto a = qemu_args(o);
    const auto it = std::find(a.begin(), a.end(), "-append");
    REQUIRE(it != a.end());
    REQUIRE(it + 1 != a.end());
    CHECK(*(it + 1) == cmdline);
}

TEST_CASE("launch script: a changed or missing file stops the launch, naming it") {
    LaunchDir o;
    write_text(o.dir / "vmlinuz", "another kernel");
    auto r = o.launch({});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("launch-qemu.sh: vmlinuz is not the file that was measured: SHA-256 " + sha256_text("another kernel") +
                                   ", expected " + sha256_text("kernel bytes")));
    CHECK(r.err.find("OVMF.fd") == std::string::npos);
    CHECK_FALSE(o.qemu_ran());
    fs::remove(o.dir / "OVMF.fd");
    r = o.launch({"--no-tdx"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS(o.path("OVMF.fd") + ": missing"));
    CHECK_THAT(r.err, TDX_CONTAINS("vmlinuz is not the file that was measured"));  // every problem, not just the first
    CHECK_FALSE(o.qemu_ran());
}

TEST_CASE("launch script: unknown options and a missing QEMU are refused") {
    LaunchDir o;
    auto r = o.launch({"--tdx-please"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("unknown option '--tdx-please' (see --help; QEMU arguments go after --)"));
    r = o.launch({"-m", "4G"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("unknown option '-m'"));
    r = run({"/bin/sh", o.script.string(), "--qemu", o.path("no-such-qemu")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("no-such-qemu: not found"));
    r = run({"/bin/sh", o.script.string(), "--qemu"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("--qemu needs a program"));
    r = run({"/bin/sh", o.script.string(), "--help"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("Usage: launch-qemu.sh [--no-tdx [--tcg]] [--qemu BIN] [--force-qemu]"));
    CHECK_FALSE(o.qemu_ran());
}

TEST_CASE("launch script: --help names the profile's QEMU and the exit statuses") {
    const auto patched = run({"/bin/sh", LaunchDir().script.string(), "--help"});
    CHECK_THAT(patched.out, TDX_CONTAINS("kernel header as profile ubuntu-25.04 assumes (QEMU <= 10.1)\n"));
    CHECK_THAT(patched.out, TDX_CONTAINS("--qemu BIN       QEMU binary (default: $QEMU, else qemu-system-x86_64)\n"));
    CHECK_THAT(patched.out, TDX_CONTAINS("Exit status:\n"
                                         "  N      the agent's exit status, from /init's line on the serial console\n"
                                         "         \"tdximage-init: agent exited with status N\"\n"
                                         "  125    QEMU exited without that line (the guest rebooted or powered off first)\n"));
    CHECK_THAT(patched.out, TDX_CONTAINS("  128+S  this script got signal S and stopped QEMU with it\n"));
    const auto raw = run({"/bin/sh", LaunchDir("console=ttyS0", tdx::KernelHeader::Raw).script.string(), "--help"});
    CHECK_THAT(raw.out, TDX_CONTAINS("kernel header as profile upstream assumes (QEMU >= 10.2)\n"));
}

TEST_CASE("launch script: QEMU -m is the measured size, exactly") {
    CHECK(qemu_memory_arg(2ull << 30) == "2G");
    CHECK(qemu_memory_arg(1536ull << 20) == "1536M");
    CHECK(qemu_memory_arg(1ull << 40) == "1T");
    CHECK(qemu_memory_arg(3ull << 10) == "3K");
    CHECK(qemu_memory_arg((4ull << 30) + (1ull << 10)) == "4194305K");
    CHECK_THROWS_WITH(qemu_memory_arg(0), TDX_CONTAINS("not a whole number of KiB"));
    CHECK_THROWS_WITH(qemu_memory_arg(1000), TDX_CONTAINS("1000 bytes"));
    // QEMU's reading of -m is the project's one parser: every rendering reads back as the same bytes.
    for (std::uint64_t bytes : {1ull << 10, 512ull << 20, 2ull << 30, 3ull << 30, (64ull << 30) + (1ull << 20), 5ull << 40, 123456ull << 10})
        CHECK(tdx::parse_qemu_memory_size(qemu_memory_arg(bytes)) == bytes);
}

TEST_CASE("launch script: rendering is deterministic and refuses unsafe plans") {
    LaunchDir o;
    LaunchPlan shuffled = o.plan;
    std::reverse(shuffled.files.begin(), shuffled.files.end());
    CHECK(render_launch_script(shuffled) == render_launch_script(o.plan));
    auto err = [&](auto change) {
        LaunchPlan p = o.plan;
        change(p);
        return error_of([&] { render_launch_script(p); });
    };
    CHECK_THAT(err([](LaunchPlan& p) { p.files.pop_back(); }), TDX_CONTAINS("initramfs.cpio.gz is booted but has no SHA-256"));
    CHECK_THAT(err([](LaunchPlan& p) { p.files[0].sha256 = "abc"; }), TDX_CONTAINS("OVMF.fd: sha256 'abc' is not 64 lowercase hex digits"));
    CHECK_THAT(err([](LaunchPlan& p) { p.kernel = "../vmlinuz"; }), TDX_CONTAINS("kernel '../vmlinuz' is not a plain file name"));
    CHECK_THAT(err([](LaunchPlan& p) { p.initrd = "a b"; }), TDX_CONTAINS("initrd 'a b' is not a plain file name"));
    CHECK_THAT(err([](LaunchPlan& p) { p.image_name = "x\nrm -rf /"; }), TDX_CONTAINS("image name"));
    CHECK_THAT(err([](LaunchPlan& p) { p.cpus = 0; }), TDX_CONTAINS("cpus must be at least 1"));
    CHECK_THAT(err([](LaunchPlan& p) { p.cmdline = "a\nb"; }), TDX_CONTAINS("control character"));
    CHECK_THAT(err([](LaunchPlan& p) { p.memory = 1; }), TDX_CONTAINS("not a whole number of KiB"));
    CHECK_THAT(err([](LaunchPlan& p) { p.profile = ""; }), TDX_CONTAINS("launch script: profile '' is not a plain file name"));
    CHECK_THAT(err([](LaunchPlan& p) { p.profile = "a\"$(id)"; }), TDX_CONTAINS("profile 'a\"$(id)'"));
}
