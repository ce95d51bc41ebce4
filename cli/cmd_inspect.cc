// tdximage inspect ovmf: the TDX metadata of a firmware image, both MR_TDs,
// every validation rule it breaks, and the modules in its firmware volumes
// (with a warning when the TD measurement driver is missing).
#include <iostream>

#include "base/file_io.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/report_json.h"
#include "cli/report_text.h"
#include "cli/warnings.h"
#include "measure/cfv.h"
#include "measure/measurements_json.h"
#include "measure/mrtd.h"
#include "ovmf/firmware_volume.h"

namespace tdx::cli {
namespace {

struct InspectOvmfArgs {
    std::string file;
    std::string lint = "qemu";
    bool json = false;
    bool modules = false;
};

ovmf::LintLevel parse_lint(const std::string& s) {
    if (s == "qemu") return ovmf::LintLevel::Qemu;
    if (s == "gce") return ovmf::LintLevel::Gce;
    if (s == "td-shim") return ovmf::LintLevel::TdShim;
    fail("--lint: '" + s + "' is not one of qemu, gce, td-shim", ErrorKind::Usage);
}

int run_inspect_ovmf(const InspectOvmfArgs& a) {
    ovmf::LintLevel level = parse_lint(a.lint);
    InputFile f(a.file, Limit::FirmwareSize);
    InputIdentity id{f.path().filename().string(), f.size(), to_hex(sha256(f.bytes()))};
    ovmf::TdvfImage image = ovmf::parse_tdvf(f.bytes(), level);
    std::optional<MrtdResult> mrtd;
    if (image.descriptor && !image.has_errors()) mrtd = compute_mrtd(f.bytes(), image, a.file);
    std::optional<Digest384> cfv = cfv_digest(f.bytes(), image);
    ovmf::FirmwareInventory inventory = ovmf::scan_firmware_volumes(f.bytes());
    // One list for stderr and the JSON; it names the file without its
    // directory, like "file" in the JSON.
    const std::vector<std::string> warnings = ovmf::firmware_warnings(inventory, id.file);
    if (a.json) {
        nlohmann::json j = tdvf_inspect_json(image, id, mrtd, cfv);
        j.update(firmware_inventory_json(inventory, warnings));
        std::cout << j.dump(2) << "\n";
    } else {
        print_tdvf_inspect(std::cout, image, id, mrtd, cfv);
        print_firmware_inventory(std::cout, inventory, a.modules);
    }
    std::cout.flush();
    print_warnings(warnings);
    if (image.has_errors()) {
        std::size_t n = 0;
        for (const auto& x : image.findings) n += x.severity == ovmf::Finding::Severity::Error;
        std::cerr << "tdximage: error: " << a.file << ": not a valid TDVF image (" << n << " error finding" << (n == 1 ? "" : "s")
                  << " at lint level " << a.lint << ")\n";
        return kExitTrouble;
    }
    return kExitOk;
}

}  // namespace

void add_inspect_command(CLI::App& app, Runners& runners) {
    CLI::App* inspect = app.add_subcommand("inspect", "Show what tdximage reads from an input file");
    inspect->require_subcommand(1);
    auto args = std::make_shared<InspectOvmfArgs>();
    CLI::App* c = inspect->add_subcommand("ovmf", "GUID table, TDVF sections, both MR_TDs, validation findings and modules of a firmware image");
    c->add_option("FILE", args->file, "OVMF/TDVF firmware image")->required();
    c->add_option("--lint", args->lint, "validation rules: qemu (what QEMU checks) | gce | td-shim")->capture_default_str();
    c->add_flag("--json", args->json, "print a JSON document");
    c->add_flag("--modules", args->modules, "list every module of the firmware volumes (the JSON always has them)");
    runners[c] = [args] { return run_inspect_ovmf(*args); };
}

void add_profiles_command(CLI::App& app, Runners& runners) {
    CLI::App* c = app.add_subcommand("profiles", "List the platform profiles and their axis values");
    auto json = std::make_shared<bool>(false);
    c->add_flag("--json", *json, "print a JSON array");
    runners[c] = [json] {
        if (*json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const Profile& p : builtin_profiles()) {
                nlohmann::json j = profile_json(p);
                j["description"] = p.description;
                j["default"] = p.name == default_profile().name;
                arr.push_back(j);
            }
            std::cout << arr.dump(2) << "\n";
        } else {
            print_profiles(std::cout);
        }
        return kExitOk;
    };
}

}  // namespace tdx::cli
