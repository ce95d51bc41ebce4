// An output directory for launch-qemu.sh tests: three small boot files, the
// rendered script, and a fake qemu-system-x86_64 in a directory put first on
// PATH. The fake prints the text of qemu.version for --version (recording the
// call in qemu.version-asked); otherwise it writes each argument on a line of
// qemu.args, prints qemu.serial as the guest's console and copies it into the
// -chardev logfile= it was given, as QEMU does, and exits with qemu.exit.
// With qemu.read-stdin it first copies a line of its stdin to qemu.stdin; with
// qemu.hang it then waits (qemu.ready says it does) until a TERM, noted in
// qemu.signal, ends it with status 0 as QEMU's would.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/digest.h"
#include "builder/launch_script.h"
#include "tests/support/test_env.h"

namespace tdx::test {

inline void write_exec(const std::filesystem::path& p, const std::string& text) {
    write_text(p, text);
    std::filesystem::permissions(p, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

inline std::string sha256_text(const std::string& text) {
    return to_hex(sha256(Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
}

// The fake QEMU's behaviour, read from files beside it at each run.
inline std::string fake_qemu_script(const std::filesystem::path& dir) {
    return "#!/bin/sh\n"
           "d='" +
           dir.string() +
           "'\n"
           "if [ \"${1:-}\" = --version ]; then : > \"$d/qemu.version-asked\"; cat \"$d/qemu.version\"; exit 0; fi\n"
           "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$d/qemu.args\"\n"
           "log= prev=\n"
           "for a in \"$@\"; do\n"
           "    [ \"$prev\" = -chardev ] && log=$(printf '%s\\n' \"${a##*,logfile=}\" | sed 's/,,/,/g')\n"
           "    prev=$a\n"
           "done\n"
           "[ ! -f \"$d/qemu.read-stdin\" ] || { IFS= read -r line; printf '%s\\n' \"$line\" > \"$d/qemu.stdin\"; }\n"
           "cat \"$d/qemu.serial\"\n"
           "[ -z \"$log\" ] || cat \"$d/qemu.serial\" > \"$log\"\n"
           "if [ -f \"$d/qemu.hang\" ]; then\n"
           "    trap 'echo TERM > \"$d/qemu.signal\"; kill $!; exit 0' TERM\n"
           "    sleep 30 &\n"
           "    : > \"$d/qemu.ready\"\n"
           "    wait $!\n"
           "fi\n"
           "exit \"$(cat \"$d/qemu.exit\")\"\n";
}

struct LaunchDir {
    TempDir dir;
    builder::LaunchPlan plan;
    std::filesystem::path script, bin, tmp;

    explicit LaunchDir(const std::string& cmdline = "console=ttyS0", KernelHeader header = KernelHeader::Patched) {
        const std::vector<std::pair<std::string, std::string>> files = {{"OVMF.fd", "firmware bytes"},
                                                                        {"vmlinuz", "kernel bytes"},
                                                                        {"initramfs.cpio.gz", "initramfs bytes"}};
        plan.image_name = "debian-13";
        plan.initrd = "initramfs.cpio.gz";
        plan.cmdline = cmdline;
        plan.memory = 2ull << 30;
        plan.cpus = 2;
        plan.profile = header == KernelHeader::Patched ? "ubuntu-25.04" : "upstream";
        plan.kernel_header = header;
        for (const auto& [name, content] : files) {
            write_text(dir / name, content);
            plan.files.push_back({name, sha256_text(content)});
        }
        script = dir / "launch-qemu.sh";
        write_exec(script, builder::render_launch_script(plan));
        bin = dir / "bin";
        tmp = dir / "tmp";
        std::filesystem::create_directories(bin);
        std::filesystem::create_directories(tmp);
        write_exec(bin / "qemu-system-x86_64", fake_qemu_script(dir.path()));
        qemu_version(header == KernelHeader::Patched ? "10.1.0" : "10.2.0");
        guest({"Linux version 6.12.1 (console)", "tdximage-init: agent exited with status 0", "reboot: Power down"});
        qemu_exit(0);
    }

    void qemu_version(const std::string& version) const {
        write_text(dir / "qemu.version", "QEMU emulator version " + version + " (Debian 1:" + version +
                                             "+ds-1)\nCopyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers\n");
    }
    void qemu_version_text(const std::string& text) const { write_text(dir / "qemu.version", text); }
    // Console lines as a guest writes them, "\r\n" terminated.
    void guest(const std::vector<std::string>& lines) const {
        std::string text;
        for (const std::string& l : lines) text += l + "\r\n";
        guest_raw(text);
    }
    void guest_raw(const std::string& text) const { write_text(dir / "qemu.serial", text); }
    void qemu_exit(int code) const { write_text(dir / "qemu.exit", std::to_string(code) + "\n"); }

    // The script run by /bin/sh with the fake QEMU first on PATH and TMPDIR
    // inside the directory; `env` adds NAME=value settings.
    RunResult launch(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) const {
        std::vector<std::string> argv = {"/usr/bin/env", "PATH=" + bin.string() + ":/usr/bin:/bin", "TMPDIR=" + tmp.string()};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.push_back("/bin/sh");
        argv.push_back(script.string());
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    }

    bool qemu_ran() const { return std::filesystem::exists(dir / "qemu.args"); }
    bool version_asked() const { return std::filesystem::exists(dir / "qemu.version-asked"); }
    void forget_run() const {
        std::filesystem::remove(dir / "qemu.args");
        std::filesystem::remove(dir / "qemu.version-asked");
    }
    bool tmp_empty() const { return std::filesystem::is_empty(tmp); }

    std::vector<std::string> qemu_args() const {
        std::vector<std::string> out;
        const std::string text = read_text(dir / "qemu.args");
        std::size_t start = 0;
        for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
        return out;
    }

    std::string path(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace tdx::test
