#include "builder/rootfs/init_script.h"

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/catch.h"
#include "tests/support/error_of.h"
#include "tests/support/require_tool.h"
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
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, fs::perm_options::replace);
}

// A stand-in for busybox: it records every applet call as one line in
// bb.log and performs nothing, so /init can run on the build machine.
// `grep` (is_mounted) answers "not mounted" unless `mounted` names the mount
// point; insmod fails for paths containing "broken"; poweroff (or, when
// poweroff is told to fail, the third sleep) kills the calling shell, which
// is how a test ends a script that by design never exits.
struct FakeOptions {
    std::string mounted;
    bool poweroff_fails = false;
};

struct Sandbox {
    TempDir dir;
    fs::path busybox, log, program;

    explicit Sandbox(const FakeOptions& o = {}) {
        busybox = dir / "busybox";
        log = dir / "bb.log";
        program = dir / "agent";
        std::string fake =
            "#!/bin/sh\n"
            "log='" +
            log.string() +
            "'\n"
            "{ printf 'bb'; for a in \"$@\"; do printf ' %s' \"$a\"; done; printf '\\n'; } >> \"$log\"\n"
            "case \"$1\" in\n"
            "grep) case \"$3\" in *' " +
            (o.mounted.empty() ? std::string("/nowhere") : o.mounted) +
            " ') exit 0 ;; esac; exit 1 ;;\n"
            "insmod) case \"$2\" in *broken*) exit 1 ;; esac ;;\n";
        fake += o.poweroff_fails ? "poweroff) exit 1 ;;\n"
                                   "sleep) n=$(grep -c '^bb sleep' \"$log\"); [ \"$n\" -ge 3 ] && kill -9 \"$PPID\" ;;\n"
                                 : "poweroff) kill -9 \"$PPID\" ;;\n";
        fake += "esac\nexit 0\n";
        write_exec(busybox, fake);
        // The agent: records its arguments and two variables, then exits 7.
        write_exec(program,
                   "#!/bin/sh\n"
                   "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done > '" +
                       (dir / "args").string() +
                       "'\n"
                       "printf '[%s]\\n' \"$WEIRD\" \"$PATH\" > '" +
                       (dir / "env").string() +
                       "'\n"
                       "echo agent-output\n"
                       "exit 7\n");
    }

    InitPlan plan() const {
        InitPlan p;
        p.busybox = busybox.string();
        p.program = program.string();
        return p;
    }

    // Runs the rendered /init with `shell` ({"/bin/sh"} or busybox's sh).
    tdx::test::RunResult run_init(const InitPlan& p, const std::vector<std::string>& shell) {
        const fs::path script = dir / "init";
        write_exec(script, render_init_script(p));
        std::vector<std::string> argv = {"/usr/bin/timeout", "20"};
        argv.insert(argv.end(), shell.begin(), shell.end());
        argv.push_back(script.string());
        return run(argv);
    }

    std::string calls() const { return fs::exists(log) ? read_text(log) : std::string(); }
};

// The shells /init is checked under: the host's /bin/sh (POSIX) and
// busybox's ash, which is what runs it in the guest (package busybox; a
// machine without it skips, CI fails: tests/support/require_tool.h).
std::vector<std::vector<std::string>> shells() {
    std::vector<std::vector<std::string>> out = {{"/bin/sh"}};
    if (tdx::test::require_tool("/bin/busybox")) out.push_back({"/bin/busybox", "sh"});
    return out;
}

std::size_t pos(const std::string& hay, const std::string& needle) {
    const std::size_t p = hay.find(needle);
    INFO("looking for: " << needle << "\nin:\n" << hay);
    REQUIRE(p != std::string::npos);
    return p;
}

void check_syntax(const std::string& script, const std::string& name) {
    TempDir d;
    write_text(d / name, script);
    std::vector<std::vector<std::string>> checkers = {{"/bin/sh", "-n"}};
    if (tdx::test::require_tool("/bin/bash")) checkers.push_back({"/bin/bash", "-n"});
    for (const auto& s : shells())
        if (s.size() == 2) checkers.push_back({s[0], "sh", "-n"});
    for (auto argv : checkers) {
        argv.push_back((d / name).string());
        const auto r = run(argv);
        INFO(argv[0] << " -n " << name << ": " << r.err);
        CHECK(r.exit_code == 0);
    }
}

}  // namespace

TEST_CASE("init script: every variant parses under sh, bash and busybox sh") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.args = {"a b", "it's", "$HOME", "`id`", "back\\slash", "new\nline", ""};
    p.env = {{"WEIRD", "x'y\"z $PATH `date` \\"}};
    p.modules = {"/lib/modules/6.12.1/kernel/fs/configfs/configfs.ko"};
    for (auto mode : {NetworkSpec::Mode::None, NetworkSpec::Mode::Dhcp, NetworkSpec::Mode::Static}) {
        p.network.mode = mode;
        p.network.address = "10.0.2.15/24";
        p.network.gateway = "10.0.2.2";
        for (const GeneratedFile& f : init_files(p))
            if (f.mode == 0755) check_syntax(f.content, fs::path(f.path).filename().string());
    }
}

TEST_CASE("init script: mounts, loads modules in order, runs the agent, reports its status, powers off") {
    for (const auto& shell : shells()) {
        Sandbox sb;
        InitPlan p = sb.plan();
        p.modules = {"/lib/modules/6.12.1/kernel/fs/configfs/configfs.ko", "/lib/modules/6.12.1/kernel/virt/coco/tsm.ko",
                     "/lib/modules/6.12.1/kernel/drivers/virt/coco/tdx-guest/tdx-guest.ko"};
        const auto r = sb.run_init(p, shell);
        INFO("shell " << shell[0] << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err << "\ncalls:\n" << sb.calls());
        CHECK(r.exit_code == 128 + 9);  // ended by the fake poweroff, not by exiting
        const std::string calls = sb.calls();
        const std::size_t proc = pos(calls, "bb mount -t proc -o nosuid,nodev,noexec proc /proc\n");
        const std::size_t sys = pos(calls, "bb mount -t sysfs -o nosuid,nodev,noexec sysfs /sys\n");
        const std::size_t dev = pos(calls, "bb mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev\n");
        const std::size_t pts = pos(calls, "bb mount -t devpts -o nosuid,noexec,mode=0620,ptmxmode=0666 devpts /dev/pts\n");
        pos(calls, "bb mkdir -p /dev/pts\n");
        pos(calls, "bb mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp\n");
        pos(calls, "bb mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run\n");
        CHECK(proc < sys);
        CHECK(sys < dev);
        CHECK(dev < pts);
        const std::size_t m1 = pos(calls, "bb insmod /lib/modules/6.12.1/kernel/fs/configfs/configfs.ko\n");
        const std::size_t m2 = pos(calls, "bb insmod /lib/modules/6.12.1/kernel/virt/coco/tsm.ko\n");
        const std::size_t m3 = pos(calls, "bb insmod /lib/modules/6.12.1/kernel/drivers/virt/coco/tdx-guest/tdx-guest.ko\n");
        const std::size_t cfg = pos(calls, "bb mount -t configfs configfs /sys/kernel/config\n");
        CHECK(pts < m1);
        CHECK(m1 < m2);
        CHECK(m2 < m3);
        CHECK(m3 < cfg);  // configfs can only be mounted once its module is in
        const std::size_t lo = pos(calls, "bb ip link set lo up\n");
        const std::size_t sync = pos(calls, "bb sync\n");
        const std::size_t off = pos(calls, "bb poweroff -f\n");
        CHECK(cfg < lo);
        CHECK(lo < sync);
        CHECK(sync < off);
        CHECK(calls.find("udhcpc") == std::string::npos);
        const std::size_t start = pos(r.out, "tdximage-init: starting " + sb.program.string() + "\n");
        const std::size_t output = pos(r.out, "agent-output\n");
        const std::size_t status = pos(r.out, "\ntdximage-init: agent exited with status 7\n");
        CHECK(start < output);
        CHECK(output < status);
        CHECK(r.out.find("cannot") == std::string::npos);
    }
}

TEST_CASE("init script: a module that fails to load is reported and the boot goes on") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.modules = {"/lib/modules/v/a.ko", "/lib/modules/v/broken.ko", "/lib/modules/v/c.ko"};
    const auto r = sb.run_init(p, {"/bin/sh"});
    const std::string calls = sb.calls();
    CHECK(pos(calls, "bb insmod /lib/modules/v/broken.ko\n") < pos(calls, "bb insmod /lib/modules/v/c.ko\n"));
    CHECK_THAT(r.out, TDX_CONTAINS("tdximage-init: cannot load module /lib/modules/v/broken.ko (insmod status 1); continuing\n"));
    CHECK(r.out.find("module /lib/modules/v/a.ko") == std::string::npos);
    CHECK_THAT(r.out, TDX_CONTAINS("tdximage-init: agent exited with status 7\n"));
}

TEST_CASE("init script: an already mounted devtmpfs is left alone") {
    FakeOptions o;
    o.mounted = "/dev";
    Sandbox sb(o);
    const auto r = sb.run_init(sb.plan(), {"/bin/sh"});
    const std::string calls = sb.calls();
    CHECK(calls.find("devtmpfs /dev\n") == std::string::npos);
    CHECK_THAT(calls, TDX_CONTAINS("bb mount -t proc "));
    CHECK_THAT(calls, TDX_CONTAINS("bb mount -t devpts "));
    CHECK_THAT(r.out, TDX_CONTAINS("agent exited with status 7"));
}

TEST_CASE("init script: when poweroff fails, PID 1 sleeps forever instead of exiting") {
    FakeOptions o;
    o.poweroff_fails = true;
    Sandbox sb(o);
    const auto r = sb.run_init(sb.plan(), {"/bin/sh"});
    CHECK(r.exit_code == 128 + 9);  // killed by the third fake sleep
    CHECK_THAT(r.out, TDX_CONTAINS("tdximage-init: poweroff failed (status 1); halting\n"));
    const std::string calls = sb.calls();
    CHECK(calls.find("bb sleep 3600\nbb sleep 3600\nbb sleep 3600\n") > calls.find("bb poweroff -f\n"));
}

TEST_CASE("init script: arguments and environment reach the program byte for byte") {
    for (const auto& shell : shells()) {
        Sandbox sb;
        InitPlan p = sb.plan();
        p.args = {"a b", "it's", "say \"hi\"", "$HOME", "${PATH}", "`id`", "$(id)", "back\\slash\\n", "new\nline", "", "*", "-x"};
        p.env = {{"WEIRD", "x'y\"z $PATH `date` \\ ;|&"}};
        sb.run_init(p, shell);
        INFO("shell " << shell[0]);
        CHECK(read_text(sb.dir / "args") ==
              "[a b]\n[it's]\n[say \"hi\"]\n[$HOME]\n[${PATH}]\n[`id`]\n[$(id)]\n[back\\slash\\n]\n[new\nline]\n[]\n[*]\n[-x]\n");
        // PATH is not in the recipe's env, so the default is exported.
        CHECK(read_text(sb.dir / "env") == "[x'y\"z $PATH `date` \\ ;|&]\n[/usr/sbin:/usr/bin:/sbin:/bin]\n");
    }
}

TEST_CASE("init script: a recipe PATH is kept and env is exported sorted, whatever the input order") {
    Sandbox sb;
    InitPlan a = sb.plan();
    a.env = {{"PATH", "/opt/bin"}, {"B", "2"}, {"A", "1"}};
    InitPlan b = a;
    std::swap(b.env[0], b.env[2]);
    const std::string text = render_init_script(a);
    CHECK(render_init_script(b) == text);
    CHECK(text.find("export A='1'") < text.find("export B='2'"));
    CHECK(text.find("export B='2'") < text.find("export PATH='/opt/bin'"));
    CHECK(text.find("/usr/sbin:/usr/bin") == std::string::npos);
    sb.run_init(a, {"/bin/sh"});
    CHECK(read_text(sb.dir / "env") == "[]\n[/opt/bin]\n");
}

TEST_CASE("init script: the environment cannot replace the script's own variables") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.env = {{"BB", "/nonexistent"}, {"MARKER", "x"}, {"status", "0"}};
    const auto r = sb.run_init(p, {"/bin/sh"});
    CHECK_THAT(r.out, TDX_CONTAINS("tdximage-init: agent exited with status 7\n"));
    CHECK_THAT(sb.calls(), TDX_CONTAINS("bb poweroff -f\n"));
}

TEST_CASE("init script: a missing program is reported with the shell's status 127") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.program = (sb.dir / "no-such-agent").string();
    const auto r = sb.run_init(p, {"/bin/sh"});
    CHECK_THAT(r.out, TDX_CONTAINS("tdximage-init: agent exited with status 127\n"));
    CHECK_THAT(sb.calls(), TDX_CONTAINS("bb poweroff -f\n"));
}

TEST_CASE("init script: static network") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.network.mode = NetworkSpec::Mode::Static;
    p.network.interface = "eth1";
    p.network.address = "10.0.2.15/24";
    p.network.gateway = "10.0.2.2";
    p.network.dns = {"10.0.2.3", "fd00::3"};
    sb.run_init(p, {"/bin/sh"});
    const std::string calls = sb.calls();
    const std::size_t addr = pos(calls, "bb ip addr add 10.0.2.15/24 dev eth1\n");
    const std::size_t up = pos(calls, "bb ip link set eth1 up\n");
    const std::size_t route = pos(calls, "bb ip route add default via 10.0.2.2 dev eth1\n");
    CHECK(addr < up);
    CHECK(up < route);
    CHECK(route < pos(calls, "bb poweroff -f\n"));
    const auto files = init_files(p);
    REQUIRE(files.size() == 2);
    CHECK(files[0].path == "/etc/resolv.conf");
    CHECK(files[0].mode == 0644);
    CHECK(files[0].content == "nameserver 10.0.2.3\nnameserver fd00::3\n");
    CHECK(files[1].path == "/init");
    CHECK(files[1].mode == 0755);
}

TEST_CASE("init script: DHCP runs udhcpc with the generated hook, which applies the lease") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.network.mode = NetworkSpec::Mode::Dhcp;
    sb.run_init(p, {"/bin/sh"});
    const std::string calls = sb.calls();
    CHECK(pos(calls, "bb ip link set eth0 up\n") < pos(calls, std::string("bb udhcpc -i eth0 -q -n -s ") + kUdhcpcScriptPath + "\n"));

    const auto files = init_files(p);
    REQUIRE(files.size() == 2);
    CHECK(files[0].path == "/init");
    REQUIRE(files[1].path == kUdhcpcScriptPath);
    CHECK(files[1].mode == 0755);
    // Run the hook as udhcpc would for a lease, with resolv.conf redirected
    // into the sandbox (the only line the test changes).
    std::string hook = files[1].content;
    const std::string line = "RESOLV_CONF=/etc/resolv.conf\n";
    REQUIRE(hook.find(line) != std::string::npos);
    hook.replace(hook.find(line), line.size(), "RESOLV_CONF='" + (sb.dir / "resolv.conf").string() + "'\n");
    write_exec(sb.dir / "hook", hook);
    fs::remove(sb.log);
    const auto r = run({"/usr/bin/env", "interface=eth0", "ip=10.0.2.15", "mask=24", "router=10.0.2.2", "dns=10.0.2.3 10.0.2.4",
                        "domain=example.test", "/bin/sh", (sb.dir / "hook").string(), "bound"});
    CHECK(r.exit_code == 0);
    CHECK(sb.calls() ==
          "bb ip -4 addr flush dev eth0\nbb ip addr add 10.0.2.15/24 dev eth0\nbb ip route add default via 10.0.2.2 dev eth0\n"
          "bb mkdir -p " +
              sb.dir.path().string() + "\n");
    CHECK(read_text(sb.dir / "resolv.conf") == "search example.test\nnameserver 10.0.2.3\nnameserver 10.0.2.4\n");
    CHECK(r.out == "tdximage-init: DHCP: 10.0.2.15/24 on eth0\n");
}

TEST_CASE("init script: DHCP with DNS servers in the recipe keeps a fixed resolv.conf") {
    Sandbox sb;
    InitPlan p = sb.plan();
    p.network.mode = NetworkSpec::Mode::Dhcp;
    p.network.dns = {"1.1.1.1"};
    const auto files = init_files(p);
    REQUIRE(files.size() == 3);
    CHECK(files[0].path == "/etc/resolv.conf");
    CHECK(files[0].content == "nameserver 1.1.1.1\n");
    CHECK(files[2].path == kUdhcpcScriptPath);
    CHECK(files[2].content.find("RESOLV_CONF\"") == std::string::npos);
}

TEST_CASE("init script: rendering is deterministic") {
    InitPlan p;
    p.program = "/usr/bin/agent";
    p.args = {"x"};
    p.modules = {"/lib/modules/v/a.ko"};
    p.network.mode = NetworkSpec::Mode::Dhcp;
    CHECK(render_init_script(p) == render_init_script(p));
    CHECK(render_init_script(p).rfind("#!/usr/bin/busybox sh\n", 0) == 0);
    p.busybox = "/bin/busybox";
    const std::string text = render_init_script(p);
    CHECK(text.rfind("#!/bin/busybox sh\n", 0) == 0);
    CHECK_THAT(text, TDX_CONTAINS("\nBB=/bin/busybox\n"));
}

TEST_CASE("init script: plans that cannot be rendered safely are refused with the field named") {
    InitPlan good;
    good.program = "/usr/bin/agent";
    auto err = [&](auto change) {
        InitPlan p = good;
        change(p);
        return error_of([&] { render_init_script(p); });
    };
    CHECK_THAT(err([](InitPlan& p) { p.env = {{"1ABC", "x"}}; }), TDX_CONTAINS("init.env: '1ABC' is not a variable name"));
    CHECK_THAT(err([](InitPlan& p) { p.env = {{"MY-VAR", "x"}}; }), TDX_CONTAINS("'MY-VAR' is not a variable name"));
    CHECK_THAT(err([](InitPlan& p) { p.env = {{"", "x"}}; }), TDX_CONTAINS("init.env: '' is not a variable name"));
    CHECK_THAT(err([](InitPlan& p) { p.env = {{"A", "1"}, {"A", "2"}}; }), TDX_CONTAINS("init.env: A is given twice"));
    CHECK_THAT(err([](InitPlan& p) { p.env = {{"A", std::string("a\0b", 3)}}; }), TDX_CONTAINS("init.env.A: contains a NUL byte"));
    CHECK_THAT(err([](InitPlan& p) { p.args = {std::string("a\0b", 3)}; }), TDX_CONTAINS("init.args[0]: contains a NUL byte"));
    CHECK_THAT(err([](InitPlan& p) { p.program = "agent"; }), TDX_CONTAINS("init.program: 'agent' is not an absolute guest path"));
    CHECK_THAT(err([](InitPlan& p) { p.modules = {"x.ko"}; }), TDX_CONTAINS("module: 'x.ko' is not an absolute guest path"));
    CHECK_THAT(err([](InitPlan& p) { p.busybox = "/bin/busy box"; }), TDX_CONTAINS("busybox path '/bin/busy box'"));
    CHECK_THAT(err([](InitPlan& p) { p.marker = "a\nb"; }), TDX_CONTAINS("marker must be one non-empty line"));
    CHECK_THAT(err([](InitPlan& p) {
                   p.network.mode = NetworkSpec::Mode::Dhcp;
                   p.network.interface = "eth0; reboot";
               }),
               TDX_CONTAINS("network.interface: 'eth0; reboot' is not a network interface name"));
    CHECK_THAT(err([](InitPlan& p) {
                   p.network.mode = NetworkSpec::Mode::Dhcp;
                   p.network.interface = "averyveryverylong0";
               }),
               TDX_CONTAINS("is not a network interface name"));
    CHECK_THAT(err([](InitPlan& p) { p.network.mode = NetworkSpec::Mode::Static; }), TDX_CONTAINS("network.address: required"));
    CHECK_THAT(err([](InitPlan& p) {
                   p.network.mode = NetworkSpec::Mode::Static;
                   p.network.address = "10.0.2.15";
               }),
               TDX_CONTAINS("has no /prefix"));
    CHECK_THAT(err([](InitPlan& p) {
                   p.network.mode = NetworkSpec::Mode::Static;
                   p.network.address = "10.0.2.15/24";
                   p.network.gateway = "gw.example";
               }),
               TDX_CONTAINS("network.gateway: 'gw.example' is not an IP address"));
    CHECK_THAT(err([](InitPlan& p) {
                   p.network.mode = NetworkSpec::Mode::Dhcp;
                   p.network.dns = {"1.1.1.1\nnameserver 6.6.6.6"};
               }),
               TDX_CONTAINS("network.dns: "));
}
