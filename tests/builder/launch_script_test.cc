#include "builder/launch_script.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "measure/base/digest.h"
#include "measure/base/memory_size.h"
#include "tests/support/catch.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
namespace fs = std::filesystem;
using tdx::test::error_of;
using tdx::test::read_text;
using tdx::test::run;
using tdx::test::TempDir;
using tdx::test::write_text;

namespace {

void write_exec(const fs::path& p, const std::string& text) {
    write_text(p, text);
    fs::permissions(p, fs::perms::owner_all, fs::perm_options::replace);
}

std::string sha256_of(const std::string& text) {
    return tdx::to_hex(tdx::sha256(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}

// An output directory with three small boot files, the rendered script and
// a fake QEMU that writes each argument it gets on a line of qemu.args.
struct OutputDir {
    TempDir dir;
    LaunchPlan plan;
    fs::path script, qemu, args;

    explicit OutputDir(const std::string& cmdline = "console=ttyS0") {
        const std::vector<std::pair<std::string, std::string>> files = {
            {"OVMF.fd", "firmware bytes"}, {"vmlinuz", "kernel bytes"}, {"initramfs.cpio.gz", "initramfs bytes"}};
        plan.image_name = "debian-13";
        plan.initrd = "initramfs.cpio.gz";
        plan.cmdline = cmdline;
        plan.memory = 2ull << 30;
        plan.cpus = 2;
        for (const auto& [name, content] : files) {
            write_text(dir / name, content);
            plan.files.push_back({name, sha256_of(content)});
        }
        script = dir / "launch-qemu.sh";
        write_exec(script, render_launch_script(plan));
        qemu = dir / "fake-qemu";
        args = dir / "qemu.args";
        write_exec(qemu, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + args.string() + "'\n");
    }

    tdx::test::RunResult launch(std::vector<std::string> extra) const {
        std::vector<std::string> argv = {"/bin/sh", script.string(), "--qemu", qemu.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return run(argv);
    }

    std::vector<std::string> qemu_args() const {
        std::vector<std::string> out;
        const std::string text = read_text(args);
        std::size_t start = 0;
        for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
        return out;
    }

    std::string path(const std::string& name) const { return (dir / name).string(); }
};

std::vector<std::string> boot_args(const OutputDir& o, const std::string& cmdline) {
    return {"-m", "2G", "-smp", "2", "-bios", o.path("OVMF.fd"), "-kernel", o.path("vmlinuz"), "-initrd", o.path("initramfs.cpio.gz"),
            "-append", cmdline, "-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot"};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("launch script: parses under sh and bash") {
    OutputDir o("console=ttyS0 quiet it's \"quoted\" $HOME `x`");
    for (const char* sh : {"/bin/sh", "/bin/bash"}) {
        if (!fs::exists(sh)) continue;
        const auto r = run({sh, "-n", o.script.string()});
        INFO(sh << ": " << r.err);
        CHECK(r.exit_code == 0);
    }
}

TEST_CASE("launch script: boots the files as a TD with the measured shape") {
    OutputDir o;
    const auto r = o.launch({"--", "-device", "vhost-vsock-pci,guest-cid=3", "two words"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::vector<std::string> expected = concat(
        concat({"-accel", "kvm", "-cpu", "host", "-machine", "q35,kernel-irqchip=split,confidential-guest-support=tdx0,hpet=off", "-object",
                "tdx-guest,id=tdx0"},
               boot_args(o, "console=ttyS0")),
        {"-device", "vhost-vsock-pci,guest-cid=3", "two words"});
    CHECK(o.qemu_args() == expected);

    // --tcg: software emulation whatever /dev/kvm says; a TD cannot have it.
    REQUIRE(o.launch({"--no-tdx", "--tcg"}).exit_code == 0);
    CHECK(o.qemu_args() == concat({"-accel", "tcg", "-cpu", "max", "-machine", "q35,hpet=off"}, boot_args(o, "console=ttyS0")));
    const auto td = o.launch({"--tcg"});
    CHECK(td.exit_code == 2);
    CHECK_THAT(td.err, TDX_CONTAINS("--tcg needs --no-tdx"));
}

TEST_CASE("launch script: --qgs-port gives the TD a quote generation socket") {
    OutputDir o;
    REQUIRE(o.launch({"--qgs-port", "4050"}).exit_code == 0);
    const auto a = o.qemu_args();
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
    OutputDir o;
    REQUIRE(o.launch({"--no-tdx"}).exit_code == 0);
    const bool kvm = fs::is_character_file("/dev/kvm") && ::access("/dev/kvm", R_OK | W_OK) == 0;
    const std::vector<std::string> expected =
        concat({"-accel", kvm ? "kvm" : "tcg", "-cpu", kvm ? "host" : "max", "-machine", "q35,hpet=off"}, boot_args(o, "console=ttyS0"));
    CHECK(o.qemu_args() == expected);
}

TEST_CASE("launch script: the command line reaches QEMU byte for byte") {
    const std::string cmdline = "console=ttyS0 it's \"x y\" $HOME `id` $(id) back\\slash ;|&*";
    OutputDir o(cmdline);
    REQUIRE(o.launch({}).exit_code == 0);
    const auto a = o.qemu_args();
    const auto it = std::find(a.begin(), a.end(), "-append");
    REQUIRE(it != a.end());
    REQUIRE(it + 1 != a.end());
    CHECK(*(it + 1) == cmdline);
}

TEST_CASE("launch script: a changed or missing file stops the launch, naming it") {
    OutputDir o;
    write_text(o.dir / "vmlinuz", "another kernel");
    auto r = o.launch({});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS("launch-qemu.sh: vmlinuz is not the file that was measured: SHA-256 " + sha256_of("another kernel") +
                                   ", expected " + sha256_of("kernel bytes")));
    CHECK(r.err.find("OVMF.fd") == std::string::npos);
    CHECK_FALSE(fs::exists(o.args));
    fs::remove(o.dir / "OVMF.fd");
    r = o.launch({"--no-tdx"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS(o.path("OVMF.fd") + ": missing"));
    CHECK_THAT(r.err, TDX_CONTAINS("vmlinuz is not the file that was measured"));  // every problem, not just the first
    CHECK_FALSE(fs::exists(o.args));
}

TEST_CASE("launch script: unknown options and a missing QEMU are refused") {
    OutputDir o;
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
    CHECK_THAT(r.out, TDX_CONTAINS("Usage: launch-qemu.sh [--no-tdx [--tcg]]"));
    CHECK_FALSE(fs::exists(o.args));
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
    OutputDir o;
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
}
