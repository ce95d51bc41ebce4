#include "builder/rootfs/init_script.h"

#include <algorithm>
#include <set>

#include "base/error.h"
#include "base/shell_quote.h"
#include "builder/recipe/recipe_checks.h"

namespace tdx::builder {

namespace {

constexpr char kDefaultPath[] = "/usr/sbin:/usr/bin:/sbin:/bin";

void check_absolute(const std::string& path, const std::string& what) {
    if (path.empty() || path.front() != '/') fail(what + ": '" + path + "' is not an absolute guest path");
    if (path.find('\0') != std::string::npos) fail(what + ": contains a NUL byte");
}

// The interpreter line of a script is split by the kernel at the first blank,
// so the busybox path must not need quoting anywhere.
void check_busybox(const std::string& path) {
    check_absolute(path, "init: busybox path");
    for (char c : path) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '_' ||
                        c == '-' || c == '+';
        if (!ok) fail("init: busybox path '" + path + "' has a character other than letters, digits and / . _ - +");
    }
}

// The same checks as `recipe check` (builder/recipe/recipe_checks.h), for plans
// that do not come from a recipe.
void check_network(const NetworkSpec& n) {
    if (n.mode == NetworkSpec::Mode::None) return;
    if (std::string why = check_interface_name(n.interface); !why.empty()) fail("network.interface: " + why);
    if (n.mode == NetworkSpec::Mode::Static) {
        if (n.address.empty()) fail("network.address: required for a static network (e.g. 10.0.2.15/24)");
        if (std::string why = check_ip_address(n.address, true); !why.empty()) fail("network.address: " + why);
        if (!n.gateway.empty())
            if (std::string why = check_ip_address(n.gateway, false); !why.empty()) fail("network.gateway: " + why);
    }
    for (const std::string& d : n.dns)
        if (std::string why = check_ip_address(d, false); !why.empty()) fail("network.dns: " + why);
}

std::vector<std::pair<std::string, std::string>> program_env(const InitPlan& plan) {
    std::vector<std::pair<std::string, std::string>> env = plan.env;
    std::set<std::string> seen;
    for (const auto& [name, value] : env) {
        if (!is_shell_name(name)) fail("init.env: '" + name + "' is not a variable name (letters, digits and _, not starting with a digit)");
        if (!seen.insert(name).second) fail("init.env: " + name + " is given twice");
    }
    if (!seen.count("PATH")) env.emplace_back("PATH", kDefaultPath);
    std::sort(env.begin(), env.end());
    return env;
}

void validate(const InitPlan& plan) {
    check_busybox(plan.busybox);
    check_absolute(plan.program, "init.program");
    for (const std::string& m : plan.modules) check_absolute(m, "module");
    if (plan.marker.empty() || plan.marker.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
        fail("init: the console marker must be one non-empty line");
    check_network(plan.network);
}

// The kernel hands /init every unrecognised name=value of its command line as
// environment, IFS included; word splitting must not depend on that.
constexpr char kSetIfs[] = "IFS=' \t\n'\n";

std::string q(const std::string& s, const std::string& what) { return shell_quote(s, what); }

// Functions every /init has. `say` is the only way the script talks, so every
// line a user or a test harness greps for starts with the marker.
constexpr char kPrelude[] = R"sh(say() { printf '%s %s\n' "$MARKER" "$*"; }

# /proc/mounts does not exist before proc is mounted: grep -s then fails
# quietly and the caller mounts.
is_mounted() { "$BB" grep -qs "^[^ ]* $1 " /proc/mounts; }

mount_fs() {
    is_mounted "$3" && return 0
    "$BB" mkdir -p "$3" || say "cannot create mount point $3"
    "$BB" mount -t "$1" -o "$4" "$2" "$3" || say "cannot mount $1 on $3 (status $?)"
}

load_module() {
    "$BB" insmod "$1" || say "cannot load module $1 (insmod status $?); continuing"
}
)sh";

void render_mounts(std::string& s) {
    s += "# The kernel file systems. The kernel does not mount devtmpfs for an\n"
         "# initramfs (CONFIG_DEVTMPFS_MOUNT applies to a root device), but one may\n"
         "# already be there, so every mount is skipped when already done.\n"
         "mount_fs proc proc /proc nosuid,nodev,noexec\n"
         "mount_fs sysfs sysfs /sys nosuid,nodev,noexec\n"
         "mount_fs devtmpfs devtmpfs /dev nosuid,mode=0755\n"
         "mount_fs devpts devpts /dev/pts nosuid,noexec,mode=0620,ptmxmode=0666\n"
         "mount_fs tmpfs shm /dev/shm nosuid,nodev,mode=1777\n"
         "mount_fs tmpfs tmpfs /tmp nosuid,nodev,mode=1777\n"
         "mount_fs tmpfs tmpfs /run nosuid,nodev,mode=0755\n"
         "\"$BB\" ln -sfn /proc/self/fd /dev/fd\n"
         "\"$BB\" ln -sfn /proc/self/fd/0 /dev/stdin\n"
         "\"$BB\" ln -sfn /proc/self/fd/1 /dev/stdout\n"
         "\"$BB\" ln -sfn /proc/self/fd/2 /dev/stderr\n\n";
}

void render_modules(std::string& s, const InitPlan& plan) {
    if (plan.modules.empty()) return;
    s += "# Dependencies first, as the builder resolved them: insmod, not modprobe.\n";
    for (const std::string& m : plan.modules) s += "load_module " + q(m, "module " + m) + "\n";
    s += "\n";
}

void render_configfs(std::string& s) {
    // configfs may be one of the modules above, so it is mounted after them;
    // sysfs creates the directory itself when configfs registers.
    s += "# TSM reports (TDX quotes) live in configfs; it may be a module loaded above.\n"
         "if ! is_mounted /sys/kernel/config; then\n"
         "    \"$BB\" mount -t configfs configfs /sys/kernel/config ||\n"
         "        say \"cannot mount configfs on /sys/kernel/config (status $?): no TSM reports in this guest\"\n"
         "fi\n\n";
}

void render_network(std::string& s, const NetworkSpec& n) {
    s += "\"$BB\" ip link set lo up || say \"cannot bring up lo\"\n";
    if (n.mode == NetworkSpec::Mode::None) {
        s += "\n";
        return;
    }
    const std::string itf = q(n.interface, "network.interface");
    if (n.mode == NetworkSpec::Mode::Dhcp) {
        s += "\"$BB\" ip link set " + itf + " up || say \"cannot bring up \"" + itf + "\n";
        s += "# -q: exit once configured, -n: give up when no lease comes; the hook applies it.\n";
        s += "\"$BB\" udhcpc -i " + itf + " -q -n -s " + q(kUdhcpcScriptPath, "udhcpc hook") + " ||\n    say \"no DHCP lease on \"" + itf +
             "\" (status $?); continuing without an address\"\n\n";
        return;
    }
    const std::string addr = q(n.address, "network.address");
    s += "\"$BB\" ip addr add " + addr + " dev " + itf + " || say \"cannot add address \"" + addr + "\" to \"" + itf + "\n";
    s += "\"$BB\" ip link set " + itf + " up || say \"cannot bring up \"" + itf + "\n";
    if (!n.gateway.empty()) {
        const std::string gw = q(n.gateway, "network.gateway");
        s += "\"$BB\" ip route add default via " + gw + " dev " + itf + " || say \"cannot add the default route via \"" + gw + "\n";
    }
    s += "\n";
}

void render_program(std::string& s, const InitPlan& plan) {
    const std::string prog = q(plan.program, "init.program");
    s += "# The program runs in a subshell, not exec'd: PID 1 must outlive it to\n"
         "# report its status and power off; exiting would panic the kernel.\n";
    s += "say starting " + prog + "\n";
    s += "(\n";
    for (const auto& [name, value] : program_env(plan)) s += "    export " + name + "=" + q(value, "init.env." + name) + "\n";
    s += "    exec " + prog;
    for (std::size_t i = 0; i < plan.args.size(); ++i) s += " " + q(plan.args[i], "init.args[" + std::to_string(i) + "]");
    s += "\n)\n";
    s += "status=$?\n";
    s += "say \"" + std::string(kAgentExitedText) + " $status\"\n";
    s += "\"$BB\" sync\n"
         "\"$BB\" poweroff -f\n"
         "say \"poweroff failed (status $?); halting\"\n"
         "while :; do \"$BB\" sleep 3600; done\n";
}

std::string render_udhcpc_script(const InitPlan& plan) {
    std::string s = "#!" + plan.busybox + " sh\n";
    s += "# udhcpc hook of tdximage's /init: udhcpc runs it with the event in $1 and\n"
         "# the lease in the environment (interface, ip, mask, router, dns, domain).\n";
    s += kSetIfs;
    s += "BB=" + plan.busybox + "\n";
    s += "MARKER=" + q(plan.marker, "init marker") + "\n";
    s += "RESOLV_CONF=/etc/resolv.conf\n\n";
    s += "case \"$1\" in\n"
         "deconfig)\n"
         "    \"$BB\" ip -4 addr flush dev \"$interface\"\n"
         "    \"$BB\" ip link set \"$interface\" up\n"
         "    ;;\n"
         "bound|renew)\n"
         "    \"$BB\" ip -4 addr flush dev \"$interface\"\n"
         "    \"$BB\" ip addr add \"$ip/${mask:-32}\" dev \"$interface\"\n"
         "    for r in $router; do\n"
         "        \"$BB\" ip route add default via \"$r\" dev \"$interface\" && break\n"
         "    done\n";
    if (plan.network.dns.empty()) {
        s += "    if [ -n \"$dns\" ]; then\n"
             "        \"$BB\" mkdir -p \"${RESOLV_CONF%/*}\"\n"
             "        {\n"
             "            [ -n \"$domain\" ] && printf 'search %s\\n' \"$domain\"\n"
             "            for d in $dns; do printf 'nameserver %s\\n' \"$d\"; done\n"
             "        } > \"$RESOLV_CONF\"\n"
             "    fi\n";
    } else {
        s += "    # The recipe names the DNS servers: /etc/resolv.conf is fixed in the image.\n";
    }
    s += "    printf '%s %s\\n' \"$MARKER\" \"DHCP: $ip/${mask:-32} on $interface\"\n"
         "    ;;\n"
         "leasefail|nak)\n"
         "    printf '%s %s\\n' \"$MARKER\" \"DHCP $1 on $interface\"\n"
         "    ;;\n"
         "esac\n"
         "exit 0\n";
    return s;
}

std::string render_resolv_conf(const NetworkSpec& n) {
    std::string s;
    for (const std::string& d : n.dns) s += "nameserver " + d + "\n";
    return s;
}

}  // namespace

std::string render_init_script(const InitPlan& plan) {
    validate(plan);
    std::string s = "#!" + plan.busybox + " sh\n";
    s += "# /init generated by tdximage. Busybox runs it as PID 1; the image has no\n"
         "# applet links, so every command goes through $BB. It never exits: the\n"
         "# kernel panics when PID 1 does. Its stdout is the kernel's console.\n";
    s += kSetIfs;
    s += "BB=" + plan.busybox + "\n";
    s += "MARKER=" + q(plan.marker, "init marker") + "\n";
    s += "cd /\n\n";
    s += kPrelude;
    s += "\n";
    render_mounts(s);
    render_modules(s, plan);
    render_configfs(s);
    render_network(s, plan.network);
    render_program(s, plan);
    return s;
}

std::vector<GeneratedFile> init_files(const InitPlan& plan) {
    std::vector<GeneratedFile> files;
    files.push_back({"/init", render_init_script(plan), 0755});
    if (plan.network.mode == NetworkSpec::Mode::Dhcp) files.push_back({kUdhcpcScriptPath, render_udhcpc_script(plan), 0755});
    if (plan.network.mode != NetworkSpec::Mode::None && !plan.network.dns.empty())
        files.push_back({"/etc/resolv.conf", render_resolv_conf(plan.network), 0644});
    std::sort(files.begin(), files.end(), [](const GeneratedFile& a, const GeneratedFile& b) { return a.path < b.path; });
    return files;
}

}  // namespace tdx::builder
