#include "cli/report_text.h"

#include <cstdio>
#include <iomanip>
#include <map>

#include "measure/event_types.h"

namespace tdx::cli {
namespace {

std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

std::string axes(const Profile& p) {
    return "mrtd-order=" + to_string(p.mrtd_order) + " kernel-header=" + to_string(p.kernel_header) + " initrd-arg=" + to_string(p.initrd_arg) +
           " fw-layout=" + to_string(p.fw_layout) + " page-aug=" + (p.skip_page_aug ? "skip" : "add");
}

}  // namespace

void print_measure_report(std::ostream& out, const MeasureReport& r) {
    out << "profile   " << r.profile.name << " (" << axes(r.profile) << ")\n";
    out << "memory    " << r.memory_size << " bytes (" << (r.memory_size >> 20) << " MiB)";
    if (r.cpus) out << ", " << *r.cpus << " vCPUs";
    out << "\n";
    if (r.acpi) {
        out << "ACPI      ";
        for (const std::string& t : r.acpi->table_signatures) out << t << " ";
        out << "(" << r.acpi->blobs.size() << " fw_cfg blobs)\n";
    }
    out << "\n";
    out << "MR_TD     " << to_hex(r.mrtd_selected) << "\n";
    out << "  per-page  " << to_hex(r.mrtd.per_page) << "\n";
    out << "  two-pass  " << to_hex(r.mrtd.two_pass) << "\n";
    out << "RTMR0     " << (r.rtmr0 ? to_hex(*r.rtmr0) : "-  (" + r.rtmr0_note + ")") << "\n";
    out << "RTMR1     " << (r.rtmr1 ? to_hex(*r.rtmr1) : std::string("-  (no --kernel)")) << "\n";
    out << "RTMR2     " << (r.rtmr2 ? to_hex(*r.rtmr2) : std::string("-  (no --kernel)")) << "\n";
    out << "\n";
    print_pin_advice(out, r.coverage, "pin       ");
    if (!r.events.empty()) {
        out << "\nevents\n";
        out << "  " << pad("reg", 6) << pad("#", 3) << pad("type", 34) << pad("digest", 98) << "description\n";
        int counters[4] = {0, 0, 0, 0};
        for (const MeasuredEvent& e : r.events) {
            out << "  " << pad("rtmr" + std::to_string(e.rtmr), 6) << pad(std::to_string(counters[e.rtmr]++), 3)
                << pad(event_type_name(e.type), 34) << pad(to_hex(e.digest), 98) << e.description << "\n";
        }
    }
    if (!r.header_patch.empty()) {
        out << "\nkernel setup header as QEMU patches it\n";
        for (const PatchedField& f : r.header_patch)
            out << "  " << pad(hex_u64(f.offset), 8) << pad(f.name, 18) << hex_u64(f.old_value) << " -> " << hex_u64(f.new_value) << "\n";
    }
}

void print_coverage(std::ostream& out, const std::vector<RegisterCoverage>& coverage) {
    for (const RegisterCoverage& c : coverage) {
        out << "  " << pad(c.name, 7) << c.inputs.front() << "\n";
        for (std::size_t i = 1; i < c.inputs.size(); ++i) out << "  " << pad("", 7) << c.inputs[i] << "\n";
    }
}

void print_pin_advice(std::ostream& out, const std::vector<RegisterCoverage>& coverage, const std::string& label) {
    const std::string more(label.size(), ' ');
    const std::vector<std::string> pin = pin_set(coverage);
    std::vector<std::string> agent;
    for (const RegisterCoverage& c : coverage)
        if (c.covers_agent) agent.push_back(c.name);
    out << label << join_names(pin) << ": together they cover the firmware, the kernel, the command line and the initramfs with the agent\n";
    if (agent.empty()) out << more << "WARNING: no register covers the agent (the kernel does not measure the initramfs)\n";
    else
        out << more << "MR_TD alone covers only the firmware: any agent booted with this OVMF has it; the agent is in " << join_names(agent)
            << "\n";
}

void print_tdvf_inspect(std::ostream& out, const ovmf::TdvfImage& image, const InputIdentity& file, const std::optional<MrtdResult>& mrtd,
                        const std::optional<Digest384>& cfv) {
    out << "file      " << file.file << " (" << file.size << " bytes, sha256 " << file.sha256 << ")\n\n";
    out << "GUID table (" << image.guid_table.size() << " entries)\n";
    for (const auto& e : image.guid_table) {
        std::string name = ovmf::guid_table_entry_name(e.guid);
        out << "  " << pad(hex_u64(e.offset), 10) << pad(std::to_string(e.length), 6) << e.guid.to_string() << "  "
            << (name.empty() ? "(unknown)" : name) << "\n";
    }
    if (image.descriptor) {
        const auto& d = *image.descriptor;
        out << "\nTDVF descriptor at " << hex_u64(d.file_offset) << ": length " << d.length << ", version " << d.version << ", "
            << d.section_count << " sections" << (d.metadata_guid_present ? "" : " (no metadata GUID before it)") << "\n";
        out << "  " << pad("#", 3) << pad("type", 10) << pad("data offset", 13) << pad("raw size", 11) << pad("GPA", 13) << pad("mem size", 11)
            << "attributes\n";
        std::size_t i = 0;
        for (const auto& s : d.sections) {
            std::string attrs = hex_u64(s.attributes);
            if (s.mr_extend()) attrs += " MR_EXTEND";
            if (s.page_aug()) attrs += " PAGE_AUG";
            out << "  " << pad(std::to_string(i++), 3) << pad(ovmf::section_type_name(s.type), 10) << pad(hex_u64(s.data_offset), 13)
                << pad(hex_u64(s.raw_data_size), 11) << pad(hex_u64(s.memory_address), 13) << pad(hex_u64(s.memory_data_size), 11) << attrs
                << "\n";
        }
    }
    if (mrtd) {
        out << "\nMR_TD per-page  " << to_hex(mrtd->per_page) << "\n";
        out << "MR_TD two-pass  " << to_hex(mrtd->two_pass) << "\n";
    }
    if (cfv) out << "CFV SHA-384     " << to_hex(*cfv) << "\n";
    out << "\nfindings: " << (image.findings.empty() ? "none" : std::to_string(image.findings.size())) << "\n";
    for (const auto& f : image.findings)
        out << "  " << (f.severity == ovmf::Finding::Severity::Error ? "error   " : "warning ") << pad(f.rule, 28) << f.message << "\n";
}

void print_firmware_inventory(std::ostream& out, const ovmf::FirmwareInventory& inventory, bool modules) {
    out << "\nfirmware volumes (" << inventory.volumes.size() << ")\n";
    out << "  " << pad("#", 4) << pad("offset", 10) << pad("length", 11) << pad("fs", 9) << "name\n";
    for (std::size_t i = 0; i < inventory.volumes.size(); ++i) {
        const ovmf::FirmwareVolume& v = inventory.volumes[i];
        std::string where = v.image_offset ? hex_u64(*v.image_offset) : "-";
        out << "  " << pad(std::to_string(i), 4) << pad(where, 10) << pad(hex_u64(v.length), 11) << pad(ovmf::file_system_name(v.file_system), 9)
            << (v.name ? v.name->to_string() : "-");
        if (v.parent_file) {
            const ovmf::FfsFile& parent = inventory.files[*v.parent_file];
            out << "  (in module " << *v.parent_file << " of FV " << parent.volume << (v.image_offset ? "" : ", compressed") << ")";
        }
        out << "\n";
    }
    // Counts by type in the order of the type codes, so the line is stable.
    std::map<std::uint8_t, std::size_t> by_type;
    for (const ovmf::FfsFile& f : inventory.files) ++by_type[f.type];
    out << "\nmodules: " << inventory.files.size();
    const char* sep = " (";
    for (const auto& [type, n] : by_type) {
        out << sep << ovmf::ffs_file_type_name(type) << " " << n;
        sep = ", ";
    }
    out << (by_type.empty() ? "" : ")") << (modules ? "" : "; --modules lists them") << "\n";
    if (modules) {
        out << "  " << pad("#", 5) << pad("FV", 4) << pad("type", 13) << pad("size", 10) << pad("GUID", 38) << "name\n";
        for (std::size_t i = 0; i < inventory.files.size(); ++i) {
            const ovmf::FfsFile& f = inventory.files[i];
            std::string name = f.ui_name.empty() ? "-" : f.ui_name;
            if (!f.usable()) name += "  [" + ovmf::file_state_name(f.state) + "]";
            for (const std::string& u : f.undecoded) name += "  [" + u + "]";
            out << "  " << pad(std::to_string(i), 5) << pad(std::to_string(f.volume), 4) << pad(ovmf::ffs_file_type_name(f.type), 13)
                << pad(hex_u64(f.size), 10) << pad(f.name.to_string(), 38) << name << "\n";
        }
    }
    const ovmf::TdMeasurementDrivers d = ovmf::td_measurement_drivers(inventory);
    auto yes_no = [](bool b) { return b ? "present" : "absent"; };
    out << "TD measurement drivers: TdTcg2Dxe " << yes_no(d.td_tcg2_dxe) << ", TdTcg2Pei " << yes_no(d.td_tcg2_pei) << ", TdxDxe "
        << yes_no(d.tdx_dxe) << "\n";
    if (!inventory.problems.empty()) {
        out << "firmware volume problems: " << inventory.problems.size() << "\n";
        for (const std::string& p : inventory.problems) out << "  " << p << "\n";
    }
}

void print_profiles(std::ostream& out) {
    for (const Profile& p : builtin_profiles()) {
        out << p.name << (p.name == default_profile().name ? " (default)" : "") << "\n  " << axes(p) << "\n  " << p.description << "\n";
    }
}

}  // namespace tdx::cli
