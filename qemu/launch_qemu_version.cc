#include "qemu/launch_qemu_version.h"

namespace tdx::builder {

namespace {

std::string other_profiles(KernelHeader header) {
    std::string names;
    for (const Profile& p : builtin_profiles())
        if (p.kernel_header == header) names += (names.empty() ? "" : ", ") + p.name;
    return names.empty() ? "" : " (" + names + ")";
}

}  // namespace

std::string qemu_releases_for(KernelHeader header) { return header == KernelHeader::Patched ? "QEMU <= 10.1" : "QEMU >= 10.2"; }

std::string render_qemu_version_check(const std::string& profile, KernelHeader header) {
    const KernelHeader other = header == KernelHeader::Patched ? KernelHeader::Raw : KernelHeader::Patched;
    const std::string assumed = "this image's RTMR1 was computed for profile " + profile + " (kernel-header " + to_string(header) + ", " +
                                qemu_releases_for(header) + ")";
    const std::string remedy = "use a " + qemu_releases_for(header) + " or rebuild with a " + to_string(other) + "-header profile" +
                               other_profiles(other);
    const std::string does = header == KernelHeader::Patched ? "does not patch the kernel header for a TD"
                                                             : "patches the kernel header before the firmware measures it";
    const std::string first = std::to_string(kFirstUnpatchedQemu.major) + " * 1000000 + " + std::to_string(kFirstUnpatchedQemu.minor) +
                              " * 1000 + " + std::to_string(kFirstUnpatchedQemu.micro);
    std::string s =
        "# RTMR1 measures the kernel as QEMU hands it to the firmware: QEMU up to 10.1\n"
        "# writes its boot-loader fields into the kernel's setup header first, QEMU 10.2\n"
        "# (commit a7542a38f399, \"x86/loader: Don't update kernel header for CoCo VMs\")\n"
        "# leaves a TD's header as the file has it. The 10.2 development tree reports\n"
        "# 10.1.50 and its release candidates 10.1.9x.\n"
        "qemu_mismatch() {\n"
        "    if [ \"$force_qemu\" = 1 ]; then\n"
        "        printf '%s: warning: %s; launching anyway (--force-qemu): RTMR1 will differ from the computed one\\n' \"$prog\" \"$1\" >&2\n"
        "    else\n"
        "        printf '%s: %s; --force-qemu to launch anyway\\n' \"$prog\" \"$1\" >&2\n"
        "        exit 2\n"
        "    fi\n"
        "}\n"
        "check_qemu_version() {\n"
        "    qemu_version=$(\"$qemu\" --version 2>/dev/null | awk '\n"
        "        match($0, /QEMU emulator version [0-9]+\\.[0-9]+\\.[0-9]+/) {\n"
        "            print substr($0, RSTART + 22, RLENGTH - 22)\n"
        "            exit\n"
        "        }')\n"
        "    if [ -z \"$qemu_version\" ]; then\n"
        "        qemu_mismatch \"cannot tell which QEMU $qemu is ('$qemu --version' printed no 'QEMU emulator version X.Y.Z'), and " +
        assumed +
        "\"\n"
        "        return\n"
        "    fi\n"
        "    qemu_header=$(printf '%s\\n' \"$qemu_version\" | awk -F. '{\n"
        "        if ($1 * 1000000 + $2 * 1000 + $3 >= " +
        first +
        ") print \"raw\"; else print \"patched\"\n"
        "    }')\n"
        "    [ \"$qemu_header\" = " +
        to_string(header) +
        " ] ||\n"
        "        qemu_mismatch \"QEMU $qemu_version " +
        does + ", but " + assumed + "; " + remedy +
        "\"\n"
        "}\n";
    return s;
}

}  // namespace tdx::builder
