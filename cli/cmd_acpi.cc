// tdximage acpi dump: QEMU's ACPI fw_cfg blobs for a machine shape, read from
// a QEMU binary under qtest (no guest, no KVM), for `measure --acpi-dir`.
#include <iomanip>
#include <iostream>

#include "base/digest.h"
#include "base/error.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "qemu/acpi_dump.h"

namespace tdx::cli {
namespace {

struct AcpiDumpArgs {
    std::string qemu, out_dir, pciexbar;
    unsigned timeout = 60;
    bool json = false;
    std::vector<std::string> qemu_options;
};

std::uint64_t parse_address(const std::string& text, const std::string& flag) {
    std::size_t used = 0;
    std::uint64_t v = 0;
    try {
        v = std::stoull(text, &used, 0);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || text[0] == '-')
        fail(flag + ": '" + text + "' is not an address (examples: 0xb0000000, 0xe0000000)", ErrorKind::Usage);
    return v;
}

int run_dump(const AcpiDumpArgs& a) {
    builder::AcpiDumpOptions o;
    o.qemu = a.qemu;
    o.out_dir = a.out_dir;
    o.machine_options = a.qemu_options;
    o.timeout = std::chrono::seconds(a.timeout);
    if (!a.pciexbar.empty()) o.pciexbar = parse_address(a.pciexbar, "--pciexbar");
    const builder::AcpiDumpResult r = builder::run_acpi_dump(o);
    if (a.json) {
        std::cout << r.manifest_text;
        return kExitOk;
    }
    std::size_t width = 0;
    for (const auto& b : r.blobs) width = std::max(width, b.name.size());
    std::cout << "wrote " << r.dir.string() << " (" << r.manifest["qemu"]["version"].get<std::string>() << ", PCIEXBAR "
              << r.manifest["pciexbar"].get<std::string>() << ")\n";
    for (const auto& b : r.blobs)
        std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << b.name << "  " << std::right << std::setw(8) << b.bytes.size()
                  << "  sha384 " << to_hex(sha384(Bytes(b.bytes.data(), b.bytes.size()))) << "\n";
    return kExitOk;
}

}  // namespace

void add_acpi_command(CLI::App& app, Runners& runners) {
    CLI::App* acpi = app.add_subcommand("acpi", "QEMU's ACPI tables as OVMF measures them into RTMR0");
    acpi->require_subcommand(1);
    auto args = std::make_shared<AcpiDumpArgs>();
    CLI::App* c = acpi->add_subcommand(
        "dump", "Read etc/table-loader and the blobs it allocates from a QEMU binary (qtest: no guest, no KVM) into a directory");
    c->add_option("--qemu", args->qemu, "QEMU system emulator: a path, or a name looked up on PATH (qemu-system-x86_64)")->required();
    c->add_option("-o,--out-dir", args->out_dir,
                  "directory to create or replace (only if empty or an earlier dump): DIR/etc/table-loader, DIR/etc/acpi/..., "
                  "DIR/acpi-dump.json")
        ->required();
    c->add_option("--timeout", args->timeout, "seconds QEMU may take before it is stopped")->check(CLI::Range(1u, 3600u))->capture_default_str();
    c->add_option("--pciexbar", args->pciexbar,
                  "PCIe MMCONFIG base the firmware programs (OVMF's PcdPciExpressBaseAddress): 0xe0000000 (default: edk2 from "
                  "2023 on, every TDX-capable OVMF, e.g. Debian 13's 2025.02) or 0xb0000000 (edk2 2022.11, Debian 12)");
    c->add_flag("--json", args->json, "print acpi-dump.json instead of a table");
    c->add_option("QEMU_OPTIONS", args->qemu_options,
                  "after --: the guest's QEMU options (machine, -m, -smp, -cpu, devices, in the same order)");
    c->footer(
        "Example: tdximage acpi dump --qemu qemu-system-x86_64 -o acpi -- -machine q35 -cpu max -m 2G -smp 2 -net none\n"
        "Pass the options the guest runs with; tdximage adds -S, -display none, a private -qtest socket and, when no "
        "accelerator is chosen, -accel tcg. See docs/acpi-dump.md.");
    runners[c] = [args] { return run_dump(*args); };
}

}  // namespace tdx::cli
