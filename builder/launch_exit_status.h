// How launch-qemu.sh runs QEMU and what it exits with. The guest's serial
// console stays on the script's stdio, as with -serial stdio, and QEMU also
// writes what the guest sends to it into a temporary file (the chardev's
// logfile= option), where /init's last words say how the agent ended:
// "tdximage-init: agent exited with status N" (builder/rootfs/init_script.h). The
// script exits with N; with QEMU's status when QEMU fails; with 125 when QEMU
// ended cleanly without that line; with 128+S when it got signal S, which it
// passes on to QEMU. QEMU runs in the background so that such a signal (from
// timeout, kill or Ctrl-C) can reach it, and keeps the script's stdin, which
// sh would otherwise replace with /dev/null for a background command.
#pragma once

#include <string>

namespace tdx::builder {

// The script's exit status when QEMU exits 0 but the serial console has no
// status line from /init (a kernel panic, a VM stopped from outside).
inline constexpr int kNoAgentStatus = 125;

// The sh that creates the serial log, sets $serial_chardev (the -chardev value
// the QEMU command line must use, with id serial0) and the traps, and defines
// run_qemu ARGS...: it runs "$qemu" ARGS and exits as described above, never
// returning. `console_hint` is added to the message for a missing status line
// (e.g. that the command line names no serial console). Uses $qemu, $prog and
// die.
std::string render_qemu_runner(const std::string& console_hint);

// The "Exit status:" part of --help.
std::string exit_status_help();

}  // namespace tdx::builder
