#include "builder/launch_exit_status.h"

#include "builder/rootfs/init_script.h"

namespace tdx::builder {

namespace {

// The status line as awk reads it: anywhere in a console line (an agent may
// leave its last line unterminated), ending it.
std::string status_line_regex() {
    std::string text = std::string(kInitMarker) + " " + kAgentExitedText + " ";
    std::string re;
    for (char c : text) {
        if (std::string("\\^$.[]|()*+?{}/").find(c) != std::string::npos) re += '\\';
        re += c;
    }
    return re + "[0-9]+$";
}

}  // namespace

std::string render_qemu_runner(const std::string& console_hint) {
    const std::string line = std::string(kInitMarker) + " " + kAgentExitedText + " N";
    const std::string no_status = std::to_string(kNoAgentStatus);
    return "# The serial console stays on this terminal, and QEMU also writes what the\n"
           "# guest sends to it into $serial_log, where /init's last line gives the\n"
           "# agent's exit status. QEMU runs in the background so that a signal to this\n"
           "# script reaches it; it keeps this script's stdin (fd 3 below), which sh gives\n"
           "# a background command as /dev/null.\n"
           "serial_log=\n"
           "qemu_starting=\n"
           "qemu_pid=\n"
           "signalled=\n"
           "on_signal() {\n"
           "    signal_name=$1 signalled=$2\n"
           "    if [ -n \"$qemu_pid\" ]; then\n"
           "        kill -\"$1\" \"$qemu_pid\" 2>/dev/null\n"
           "    elif [ -z \"$qemu_starting\" ]; then\n"
           "        exit \"$2\"\n"
           "    fi\n"
           "}\n"
           "trap '[ -z \"$serial_log\" ] || rm -f \"$serial_log\"' EXIT\n"
           "trap 'on_signal INT 130' INT\n"
           "trap 'on_signal TERM 143' TERM\n"
           "trap 'on_signal HUP 129' HUP\n"
           "serial_log=$(mktemp \"${TMPDIR:-/tmp}/launch-qemu.XXXXXX\") ||\n"
           "    die \"cannot create the serial log in ${TMPDIR:-/tmp}\"\n"
           "# A ',' in a QEMU option value is written ',,'.\n"
           "serial_chardev=stdio,id=serial0,logfile=$(printf '%s\\n' \"$serial_log\" | sed 's/,/,,/g')\n"
           "\n"
           "run_qemu() {\n"
           "    qemu_starting=1\n"
           "    { \"$qemu\" \"$@\" <&3 3<&- & } 3<&0\n"
           "    qemu_pid=$!\n"
           "    # A signal that came while QEMU was being started is passed on now.\n"
           "    [ -z \"$signalled\" ] || kill -\"$signal_name\" \"$qemu_pid\" 2>/dev/null\n"
           "    wait \"$qemu_pid\"\n"
           "    qemu_status=$?\n"
           "    if [ -n \"$signalled\" ]; then\n"
           "        # A trapped signal ends wait early: wait until QEMU has stopped.\n"
           "        while kill -0 \"$qemu_pid\" 2>/dev/null; do\n"
           "            wait \"$qemu_pid\"\n"
           "            [ $? != 127 ] || break\n"
           "        done\n"
           "        printf '%s: stopped by SIG%s, and QEMU with it\\n' \"$prog\" \"$signal_name\" >&2\n"
           "        exit \"$signalled\"\n"
           "    fi\n"
           "    if [ \"$qemu_status\" != 0 ]; then\n"
           "        printf '%s: QEMU exited with status %s\\n' \"$prog\" \"$qemu_status\" >&2\n"
           "        exit \"$qemu_status\"\n"
           "    fi\n"
           "    agent_status=$(awk '\n"
           "        { sub(/\\r$/, \"\") }\n"
           "        /" +
           status_line_regex() +
           "/ { s = $NF }\n"
           "        END { if (s != \"\" && s + 0 <= 255) print s + 0 }' \"$serial_log\")\n"
           "    if [ -z \"$agent_status\" ]; then\n"
           "        printf '%s: %s\\n' \"$prog\" \"QEMU exited without a '" +
           line + "' line on the serial console: the guest rebooted (a kernel panic, a triple fault) or powered off before /init reported" +
           console_hint +
           "\" >&2\n"
           "        exit " +
           no_status +
           "\n"
           "    fi\n"
           "    [ \"$agent_status\" = 0 ] || printf '%s: the agent exited with status %s\\n' \"$prog\" \"$agent_status\" >&2\n"
           "    exit \"$agent_status\"\n"
           "}\n";
}

std::string exit_status_help() {
    const std::string line = std::string(kInitMarker) + " " + kAgentExitedText + " N";
    return "Exit status:\n"
           "  N      the agent's exit status, from /init's line on the serial console\n"
           "         \"" +
           line +
           "\"\n"
           "  " +
           std::to_string(kNoAgentStatus) +
           "    QEMU exited without that line (the guest rebooted or powered off first)\n"
           "  2      nothing was started: a bad option, a file that is not the one\n"
           "         measured, a QEMU whose version does not match the profile\n"
           "  other  QEMU failed: its exit status\n"
           "  128+S  this script got signal S and stopped QEMU with it\n"
           "An agent can exit with any of these numbers too; the line on stderr tells which.\n";
}

}  // namespace tdx::builder
