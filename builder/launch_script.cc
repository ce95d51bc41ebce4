#include "builder/launch_script.h"

#include <algorithm>

#include "base/digest.h"
#include "base/error.h"
#include "base/shell_quote.h"
#include "builder/launch_exit_status.h"
#include "qemu/launch_qemu_version.h"

namespace tdx::builder {

namespace {

// Output files are named by the build; anything else in a name would need
// quoting in messages and could be read by QEMU as an option separator.
void check_name(const std::string& name, const std::string& what) {
    bool ok = !name.empty() && name.front() != '-' && name.front() != '.';
    for (char c : name)
        ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '+');
    if (!ok) fail("launch script: " + what + " '" + name + "' is not a plain file name (letters, digits, . _ - +)");
}

void validate(const LaunchPlan& plan) {
    check_name(plan.image_name, "image name");
    check_name(plan.firmware, "firmware");
    check_name(plan.kernel, "kernel");
    check_name(plan.initrd, "initrd");
    check_name(plan.profile, "profile");
    if (plan.cpus == 0) fail("launch script: cpus must be at least 1");
    for (char c : plan.cmdline)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) fail("launch script: the kernel command line contains a control character");
    for (const LaunchFile& f : plan.files) {
        check_name(f.name, "file");
        if (!is_sha256_hex(f.sha256)) fail("launch script: " + f.name + ": sha256 '" + f.sha256 + "' is not 64 lowercase hex digits");
    }
    for (const std::string* booted : {&plan.firmware, &plan.kernel, &plan.initrd}) {
        const bool listed = std::any_of(plan.files.begin(), plan.files.end(), [&](const LaunchFile& f) { return f.name == *booted; });
        if (!listed) fail("launch script: " + *booted + " is booted but has no SHA-256 to check it against");
    }
}

std::string usage(const LaunchPlan& plan) {
    return "usage() {\n"
           "    cat <<'EOF'\n"
           "Usage: launch-qemu.sh [--no-tdx [--tcg]] [--qemu BIN] [--force-qemu] [--qgs-port PORT] [-- QEMU-ARGS...]\n"
           "Boots the image beside this script, after checking each file's SHA-256.\n"
           "  (default)        as a TD: KVM with TDX on the host, and a QEMU that treats the\n"
           "                   kernel header as profile " +
           plan.profile + " assumes (" + qemu_releases_for(plan.kernel_header) +
           ")\n"
           "  --no-tdx         as a plain VM: KVM when /dev/kvm is usable, else TCG\n"
           "  --tcg            with --no-tdx: software emulation even where /dev/kvm exists\n"
           "  --qemu BIN       QEMU binary (default: $QEMU, else qemu-system-x86_64)\n"
           "  --force-qemu     boot a TD even when QEMU's version does not match the profile\n"
           "                   (its RTMR1 then differs from the one computed at build time)\n"
           "  --qgs-port PORT  let the TD reach the host's Quote Generation Service on vsock port PORT\n"
           "  -- QEMU-ARGS     more QEMU arguments, appended as given (devices may change RTMR0)\n" +
           exit_status_help() +
           "EOF\n"
           "}\n";
}

constexpr char kOptions[] = R"sh(die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 2; }

qemu=${QEMU:-qemu-system-x86_64}
tdx=1
tcg=0
force_qemu=0
qgs_port=
while [ $# -gt 0 ]; do
    case $1 in
    --no-tdx) tdx=0; shift ;;
    --tcg) tcg=1; shift ;;
    --force-qemu) force_qemu=1; shift ;;
    --qemu) [ $# -ge 2 ] || die "--qemu needs a program"; qemu=$2; shift 2 ;;
    --qemu=*) qemu=${1#--qemu=}; shift ;;
    --qgs-port) [ $# -ge 2 ] || die "--qgs-port needs a port number"; qgs_port=$2; shift 2 ;;
    --qgs-port=*) qgs_port=${1#--qgs-port=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option '$1' (see --help; QEMU arguments go after --)" ;;
    esac
done
case $qgs_port in
*[!0-9]*) die "--qgs-port: '$qgs_port' is not a port number" ;;
esac
[ "$tdx" = 1 ] || [ -z "$qgs_port" ] || die "--qgs-port needs a TD: drop --no-tdx"
[ "$tdx" = 0 ] || [ "$tcg" = 0 ] || die "--tcg needs --no-tdx: a TD runs under KVM"
command -v "$qemu" >/dev/null 2>&1 || die "$qemu: not found (choose one with --qemu BIN)"

# Every file is checked before anything starts, and every mismatch is named.
# sha256sum reads stdin so that no file name is ever escaped in its output.
bad=0
check() {
    if [ ! -f "$here/$1" ]; then
        printf '%s: %s\n' "$prog" "$here/$1: missing (the script boots the files beside it)" >&2
        bad=1
    elif ! sum=$(sha256sum < "$here/$1"); then
        printf '%s: %s\n' "$prog" "$here/$1: cannot compute its SHA-256" >&2
        bad=1
    elif [ "${sum%% *}" != "$2" ]; then
        printf '%s: %s\n' "$prog" "$1 is not the file that was measured: SHA-256 ${sum%% *}, expected $2" >&2
        bad=1
    fi
}
)sh";

}  // namespace

std::string qemu_memory_arg(std::uint64_t bytes) {
    if (bytes == 0 || bytes % 1024 != 0)
        fail("memory: " + std::to_string(bytes) + " bytes is not a whole number of KiB, which QEMU's -m cannot express");
    static constexpr struct {
        unsigned shift;
        char suffix;
    } units[] = {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}};
    for (const auto& u : units)
        if (bytes % (1ull << u.shift) == 0) return std::to_string(bytes >> u.shift) + u.suffix;
    return std::to_string(bytes >> 10) + "K";  // unreachable: the K unit always divides here
}

std::string render_launch_script(const LaunchPlan& plan) {
    validate(plan);
    const std::string mem = qemu_memory_arg(plan.memory);
    const std::string smp = std::to_string(plan.cpus);
    const std::string append = shell_quote(plan.cmdline, "cmdline");
    std::string s = "#!/bin/sh\n";
    s += "# launch-qemu.sh of the tdximage image " + plan.image_name + ", generated at build time.\n";
    s += "# It boots the files beside it with the VM shape its measurements assume:\n";
    s += "#   -m " + mem + " -smp " + smp + " -append " + append + "\n";
    s += "# (the memory size is in the TD HOB and the vCPU count in the ACPI MADT, both in\n"
         "# RTMR0; the command line is RTMR2). Run it with --help for the options.\n"
         "#\n"
         "# The TD command line follows QEMU's docs/system/i386/tdx.rst: a TD needs\n"
         "# -accel kvm, -cpu host, a tdx-guest object named by the machine's\n"
         "# confidential-guest-support, and a split kernel-irqchip; TDX has no\n"
         "# read-only memory, so TDVF cannot be a pflash device and is loaded with\n"
         "# -bios; a TD has no SMM. hpet=off, -nodefaults and the single serial port\n"
         "# are Canonical's TDX direct-boot settings; they shape the ACPI tables that\n"
         "# RTMR0 measures, which is why they are fixed here.\n";
    s += "set -u\n";
    s += "prog=launch-qemu.sh\n";
    s += "here=$(CDPATH='' cd -- \"$(dirname -- \"$0\")\" && pwd) || exit 2\n\n";
    s += usage(plan);
    s += "\n";
    s += kOptions;
    std::vector<LaunchFile> files = plan.files;
    std::sort(files.begin(), files.end(), [](const LaunchFile& a, const LaunchFile& b) { return a.name < b.name; });
    for (const LaunchFile& f : files) s += "check " + f.name + " " + f.sha256 + "\n";
    s += "[ \"$bad\" = 0 ] || exit 2\n\n";
    s += render_qemu_version_check(plan.profile, plan.kernel_header);
    s += "\n";
    const bool serial_console = plan.cmdline.find("console=ttyS0") != std::string::npos;
    s += render_qemu_runner(serial_console ? "" : " (the kernel command line has no console=ttyS0, so /init may not write to the serial port)");
    s += "\n";
    const std::string boot = "-m " + mem + " -smp " + smp + " \\\n        -bios \"$here/" + plan.firmware + "\" -kernel \"$here/" + plan.kernel +
                             "\" -initrd \"$here/" + plan.initrd + "\" \\\n        -append " + append +
                             " \\\n        -nographic -nodefaults -chardev \"$serial_chardev\" -serial chardev:serial0 -no-reboot";
    s += "if [ \"$tdx\" = 1 ]; then\n"
         "    check_qemu_version\n"
         "    tdx_object=tdx-guest,id=tdx0\n"
         "    if [ -n \"$qgs_port\" ]; then\n"
         "        "
         "tdx_object='{\"qom-type\":\"tdx-guest\",\"id\":\"tdx0\",\"quote-generation-socket\":{\"type\":\"vsock\",\"cid\":\"2\",\"port\":\"'\"$"
         "qgs_port\"'\"}}'\n"
         "    fi\n"
         "    run_qemu -accel kvm -cpu host \\\n"
         "        -machine q35,kernel-irqchip=split,confidential-guest-support=tdx0,hpet=off \\\n"
         "        -object \"$tdx_object\" \\\n"
         "        " +
         boot +
         " \"$@\"\n"
         "fi\n"
         "# /dev/kvm can exist where KVM does not work (nested guests, some CI\n"
         "# runners): --tcg skips it.\n"
         "if [ \"$tcg\" = 0 ] && [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then\n"
         "    accel=kvm cpu=host\n"
         "else\n"
         "    accel=tcg cpu=max\n"
         "fi\n"
         "run_qemu -accel \"$accel\" -cpu \"$cpu\" \\\n"
         "        -machine q35,hpet=off \\\n"
         "        " +
         boot + " \"$@\"\n";
    return s;
}

}  // namespace tdx::builder
