// tdximage measure: MR_TD and RTMR1/RTMR2 of a direct-boot TD, offline.
#include <iostream>

#include "base/file_io.h"
#include "builder/recipe/recipe_checks.h"
#include "cli/app.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/report_json.h"
#include "cli/report_text.h"
#include "cli/warnings.h"
#include "measure/measurement.h"
#include "measure/measurements_json.h"
#include "measure/profile.h"
#include "measure/tcg_event_log_writer.h"

namespace tdx::cli {
namespace {

struct MeasureArgs {
    std::string ovmf, kernel, initrd, cmdline, memory = "2G", profile, out_dir;
    std::string acpi_dir, secure_boot_dir, event_log_out;
    unsigned cpus = 0;
    std::string mrtd_order, kernel_header, initrd_arg, fw_layout, page_aug;
    bool json = false;
    bool pad8 = false;
};

using OutputFiles = std::vector<std::pair<std::filesystem::path, std::string>>;

// Every output of one run is renamed into place together (`files` may already
// hold the event log), so a failure leaves the previous outputs untouched.
void write_outputs(const std::string& out_dir, const MeasurementFiles& values, OutputFiles files) {
    if (out_dir.empty()) {
        if (!files.empty()) write_files_atomically(files);
        return;
    }
    const std::filesystem::path dir = out_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail(dir.string() + ": cannot create the output directory: " + ec.message(), ErrorKind::Io);
    for (const MeasurementFile& f : values.files) files.emplace_back(dir / f.name, f.content);
    write_files_atomically(files);
    // A register this run could not compute must not keep a stale value from
    // an earlier run next to the new measurements.json.
    for (const std::string& name : values.stale) std::filesystem::remove(dir / name, ec);
}

int run_measure(const MeasureArgs& a) {
    Profile profile = a.profile.empty() ? default_profile() : find_profile(a.profile);
    if (!a.mrtd_order.empty()) profile.mrtd_order = parse_mrtd_order(a.mrtd_order);
    if (!a.kernel_header.empty()) profile.kernel_header = parse_kernel_header(a.kernel_header);
    if (!a.initrd_arg.empty()) profile.initrd_arg = parse_initrd_arg(a.initrd_arg);
    if (!a.fw_layout.empty()) profile.fw_layout = parse_fw_layout(a.fw_layout);
    if (a.page_aug == "add") profile.skip_page_aug = false;
    else if (a.page_aug == "skip")
        profile.skip_page_aug = true;
    else if (!a.page_aug.empty())
        fail("--page-aug: '" + a.page_aug + "' is not one of skip, add", ErrorKind::Usage);
    const bool overridden = !a.mrtd_order.empty() || !a.kernel_header.empty() || !a.initrd_arg.empty() || !a.fw_layout.empty() ||
                            !a.page_aug.empty();
    if (overridden) profile.name += "+overrides";

    MeasureRequest req;
    req.ovmf = a.ovmf;
    if (!a.kernel.empty()) req.kernel = a.kernel;
    if (!a.initrd.empty()) req.initrd = a.initrd;
    // The rule a recipe's cmdline follows too, so `measure` and `build`
    // accept the same command lines.
    if (std::string why = builder::check_cmdline(a.cmdline); !why.empty()) fail("--cmdline: " + why, ErrorKind::Usage);
    req.cmdline = a.cmdline;
    req.memory_size = parse_memory_size(a.memory, "--memory");
    req.profile = profile;
    req.authenticode_pad8 = a.pad8;
    if (a.cpus) req.cpus = a.cpus;
    if (!a.acpi_dir.empty()) req.acpi_dir = a.acpi_dir;
    if (!a.secure_boot_dir.empty()) req.secure_boot_dir = a.secure_boot_dir;

    MeasureReport report = measure(req);
    print_warnings(report.warnings);
    const MeasurementFiles values = measurement_files(report);
    const std::string& json_text = values.files.back().content;
    OutputFiles files;
    if (!a.event_log_out.empty()) {
        std::vector<PredictionGap> gaps;
        if (!report.rtmr0) gaps.push_back({0, report.rtmr0_note});
        const std::vector<std::uint8_t> log = write_tdx_event_log(report.events, gaps);
        files.emplace_back(a.event_log_out, std::string(log.begin(), log.end()));
    }
    write_outputs(a.out_dir, values, std::move(files));
    if (a.json) std::cout << json_text;
    else
        print_measure_report(std::cout, report);
    std::cout.flush();
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
    return kExitOk;
}

}  // namespace

void add_measure_command(CLI::App& app, Runners& runners) {
    auto args = std::make_shared<MeasureArgs>();
    CLI::App* c = app.add_subcommand("measure", "Compute MR_TD and RTMR0-2 of a direct-boot TD offline, with every event");
    c->add_option("--ovmf", args->ovmf, "OVMF/TDVF firmware image (e.g. OVMF.fd)")->required();
    c->add_option("--kernel", args->kernel, "kernel image (bzImage with EFI stub), as given to QEMU -kernel");
    c->add_option("--initrd", args->initrd, "initrd, as given to QEMU -initrd");
    c->add_option("--cmdline", args->cmdline,
                  "kernel command line, exactly QEMU's -append string (UTF-8, no control characters, at most 2047 bytes)");
    c->add_option("--memory", args->memory, "guest RAM as QEMU -m (512M, 2G, 4096 = MiB)")->capture_default_str();
    c->add_option("--cpus", args->cpus, "vCPUs as QEMU -smp; checked against the ACPI tables' MADT")->check(CLI::Range(1u, 4096u));
    c->add_option("--acpi-dir", args->acpi_dir,
                  "QEMU's ACPI fw_cfg blobs (etc/table-loader, etc/acpi/rsdp, etc/acpi/tables) from `tdximage acpi dump` "
                  "or the guest's /sys/firmware/qemu_fw_cfg/by_name; without them RTMR0 is not computed");
    c->add_option("--secure-boot-dir", args->secure_boot_dir,
                  "Secure Boot variable data (files SecureBoot, PK, KEK, db, dbx, raw or efivarfs NAME-GUID); default: empty");
    with_choices(c->add_option("--profile", args->profile, "platform profile (see `tdximage profiles`); default: upstream"), profile_names());
    with_choices(c->add_option("--mrtd-order", args->mrtd_order, "override: per-page | two-pass (KVM TDX API generation)"), mrtd_order_names());
    with_choices(c->add_option("--kernel-header", args->kernel_header, "override: patched (QEMU <= 10.1) | raw (QEMU >= 10.2)"),
                 kernel_header_names());
    with_choices(c->add_option("--initrd-arg", args->initrd_arg, "override: suffix (edk2 < 2025.08) | prefix (edk2 >= 2025.08)"),
                 initrd_arg_names());
    with_choices(c->add_option("--fw-layout", args->fw_layout, "override firmware event layout: pre-2024.11 | 2024.11 | 2025.05"),
                 fw_layout_names());
    with_choices(c->add_option("--page-aug", args->page_aug, "override: skip | add PAGE.ADD records of PAGE_AUG sections"), {"skip", "add"});
    c->add_flag("--authenticode-pad8", args->pad8, "pad the kernel to 8 bytes before hashing (dstack/virtee convention; edk2 does not)");
    c->add_flag("--json", args->json, "print a JSON document instead of a table");
    c->add_option("--out-dir", args->out_dir, "also write mr_td.hex, rtmr0.hex, rtmr1.hex, rtmr2.hex and measurements.json here (atomically)");
    c->add_option("--event-log-out", args->event_log_out,
                  "also write the predicted events as a binary TCG2 (CCEL-format) event log, for `tdximage eventlog` or other log tools");
    runners[c] = [args] { return run_measure(*args); };
}

}  // namespace tdx::cli
