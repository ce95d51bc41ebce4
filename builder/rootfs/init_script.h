// The generated /init of a guest and the files it needs. It is a POSIX sh
// script that busybox runs as PID 1: it mounts the kernel file systems, loads
// the modules in the order the builder resolved, configures the network, runs
// the recipe's program, reports its exit status on the console and powers the
// TD off. docs/build-outputs.md describes its behaviour for users.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "builder/recipe/recipe.h"

namespace tdx::builder {

// Where the DHCP hook lives in the guest (only written for network: dhcp).
inline constexpr char kUdhcpcScriptPath[] = "/usr/share/tdximage/udhcpc.script";

// The prefix of every line /init prints, and the line it prints when the
// program exits: "tdximage-init: agent exited with status N". launch-qemu.sh
// reads that line on the serial console to exit with the agent's status.
inline constexpr char kInitMarker[] = "tdximage-init:";
inline constexpr char kAgentExitedText[] = "agent exited with status";

struct InitPlan {
    std::string busybox = "/usr/bin/busybox";  // absolute guest path; also the scripts' interpreter
    std::string program;                       // absolute guest path of what /init runs
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // PATH is added when missing
    std::vector<std::string> modules;                      // guest paths of .ko files, dependencies first
    NetworkSpec network;
    std::string marker = kInitMarker;  // prefix of every line /init prints
};

struct GeneratedFile {
    std::string path;  // absolute guest path
    std::string content;
    unsigned mode = 0644;
};

// The text of /init. Deterministic: the same plan gives the same bytes. Throws
// tdx::Error (BadInput) naming the field when the plan cannot be rendered
// safely: relative paths, an env name that is not [A-Za-z_][A-Za-z0-9_]*, a
// duplicate env name, NUL bytes, a malformed interface or address.
std::string render_init_script(const InitPlan& plan);

// Every file the initramfs needs for the plan, sorted by path: /init (0755),
// for dhcp the udhcpc hook at kUdhcpcScriptPath (0755), and /etc/resolv.conf
// (0644) when the recipe names DNS servers.
std::vector<GeneratedFile> init_files(const InitPlan& plan);

}  // namespace tdx::builder
