#include "cli/report_json.h"

#include <cstdio>

#include "measure/event_types.h"

namespace tdx::cli {
namespace {

using nlohmann::json;

json identity_json(const InputIdentity& id) { return {{"file", id.file}, {"size", id.size}, {"sha256", id.sha256}}; }

json findings_json(const std::vector<ovmf::Finding>& findings) {
    json arr = json::array();
    for (const auto& f : findings)
        arr.push_back({{"severity", f.severity == ovmf::Finding::Severity::Error ? "error" : "warning"},
                       {"rule", f.rule},
                       {"message", f.message}});
    return arr;
}

}  // namespace

json profile_json(const Profile& p) {
    return {{"name", p.name},
            {"mrtd_order", to_string(p.mrtd_order)},
            {"kernel_header", to_string(p.kernel_header)},
            {"initrd_arg", to_string(p.initrd_arg)},
            {"fw_layout", to_string(p.fw_layout)},
            {"page_aug", p.skip_page_aug ? "skip" : "add"}};
}

json measure_report_json(const MeasureReport& r) {
    json j;
    j["schema"] = "tdximage.measurements/v1";
    j["profile"] = profile_json(r.profile);
    j["memory_size"] = r.memory_size;
    j["cpus"] = r.cpus ? json(*r.cpus) : json(nullptr);
    j["inputs"] = {{"ovmf", identity_json(r.ovmf)},
                   {"kernel", r.kernel ? identity_json(*r.kernel) : json(nullptr)},
                   {"initrd", r.initrd ? identity_json(*r.initrd) : json(nullptr)},
                   {"cmdline", r.cmdline},
                   {"kernel_version", r.kernel ? json(r.kernel_version) : json(nullptr)},
                   {"secure_boot", r.secure_boot_given ? "given" : "empty"}};
    if (r.acpi) {
        json blobs = json::array();
        for (const InputIdentity& b : r.acpi->blobs) blobs.push_back({{"name", b.file}, {"size", b.size}, {"sha256", b.sha256}});
        j["inputs"]["acpi"] = {{"blobs", blobs}, {"tables", r.acpi->table_signatures},
                               {"cpus", r.acpi->cpus ? json(*r.acpi->cpus) : json(nullptr)}};
    } else {
        j["inputs"]["acpi"] = nullptr;
    }
    j["mrtd"] = to_hex(r.mrtd_selected);
    j["mrtd_candidates"] = {{"per-page", to_hex(r.mrtd.per_page)}, {"two-pass", to_hex(r.mrtd.two_pass)}};
    j["rtmr0"] = r.rtmr0 ? json(to_hex(*r.rtmr0)) : json(nullptr);
    j["rtmr1"] = r.rtmr1 ? json(to_hex(*r.rtmr1)) : json(nullptr);
    j["rtmr2"] = r.rtmr2 ? json(to_hex(*r.rtmr2)) : json(nullptr);
    json notes = json::object();
    if (!r.rtmr0) notes["rtmr0"] = r.rtmr0_note;
    if (!r.rtmr1) notes["rtmr1"] = "no --kernel given";
    if (!r.rtmr2) notes["rtmr2"] = "no --kernel given";
    j["notes"] = notes;

    json events = json::array();
    int counters[4] = {0, 0, 0, 0};
    for (const MeasuredEvent& e : r.events) {
        events.push_back({{"register", "rtmr" + std::to_string(e.rtmr)},
                          {"index", counters[e.rtmr]++},
                          {"type", event_type_name(e.type)},
                          {"digest", to_hex(e.digest)},
                          {"description", e.description},
                          {"kind", to_string(e.kind)},
                          {"depends_on", depends_on(e.kind)}});
    }
    j["events"] = events;

    json patch = json::array();
    for (const PatchedField& f : r.header_patch)
        patch.push_back({{"field", f.name}, {"offset", hex_u64(f.offset)}, {"size", f.size}, {"old", hex_u64(f.old_value)}, {"new", hex_u64(f.new_value)}});
    j["kernel_header_patch"] = patch;
    j["initrd_address"] = r.initrd_address ? json(hex_u64(*r.initrd_address)) : json(nullptr);
    json ranges = json::array();
    for (const TdRamRange& rr : r.td_hob.ranges)
        ranges.push_back({{"start", hex_u64(rr.start)}, {"length", hex_u64(rr.length)}, {"accepted", rr.accepted}});
    j["td_hob"] = {{"address", hex_u64(r.td_hob.gpa)}, {"end_of_hob_list", hex_u64(r.td_hob.end_of_hob_list)},
                   {"measured_size", r.td_hob.measured.size()}, {"ranges", ranges}};
    j["warnings"] = r.warnings;
    j.update(coverage_json(r.coverage));
    return j;
}

json coverage_json(const std::vector<RegisterCoverage>& coverage) {
    json covers = json::object();
    json agent = json::array();
    json pin = json::array();
    for (const RegisterCoverage& c : coverage) {
        covers[c.key] = c.inputs;
        if (c.covers_agent) agent.push_back(c.key);
        if (c.required) pin.push_back(c.key);
    }
    return {{"covers", covers}, {"agent_covered_by", agent}, {"pin", pin}};
}

json tdvf_inspect_json(const ovmf::TdvfImage& image, const InputIdentity& file, const std::optional<MrtdResult>& mrtd,
                       const std::optional<Digest384>& cfv) {
    json j;
    j["schema"] = "tdximage.ovmf/v1";
    j["file"] = identity_json(file);
    json table = json::array();
    for (const auto& e : image.guid_table) {
        std::string name = ovmf::guid_table_entry_name(e.guid);
        table.push_back({{"guid", e.guid.to_string()}, {"name", name.empty() ? json(nullptr) : json(name)},
                         {"offset", hex_u64(e.offset)}, {"length", e.length}});
    }
    j["guid_table"] = table;
    if (image.descriptor) {
        const auto& d = *image.descriptor;
        j["descriptor"] = {{"offset", hex_u64(d.file_offset)}, {"length", d.length}, {"version", d.version},
                           {"section_count", d.section_count}, {"metadata_guid_present", d.metadata_guid_present}};
        json secs = json::array();
        std::size_t i = 0;
        for (const auto& s : d.sections) {
            json attrs = json::array();
            if (s.mr_extend()) attrs.push_back("MR_EXTEND");
            if (s.page_aug()) attrs.push_back("PAGE_AUG");
            secs.push_back({{"index", i++}, {"type", ovmf::section_type_name(s.type)}, {"data_offset", hex_u64(s.data_offset)},
                            {"raw_data_size", hex_u64(s.raw_data_size)}, {"memory_address", hex_u64(s.memory_address)},
                            {"memory_data_size", hex_u64(s.memory_data_size)}, {"attributes", hex_u64(s.attributes)},
                            {"attribute_names", attrs}});
        }
        j["sections"] = secs;
    } else {
        j["descriptor"] = nullptr;
        j["sections"] = json::array();
    }
    if (mrtd) j["mrtd"] = {{"per-page", to_hex(mrtd->per_page)}, {"two-pass", to_hex(mrtd->two_pass)}};
    else j["mrtd"] = nullptr;
    j["cfv_sha384"] = cfv ? json(to_hex(*cfv)) : json(nullptr);
    j["findings"] = findings_json(image.findings);
    return j;
}

json firmware_inventory_json(const ovmf::FirmwareInventory& inventory, const std::vector<std::string>& warnings) {
    auto opt_hex = [](const std::optional<std::uint64_t>& v) { return v ? json(hex_u64(*v)) : json(nullptr); };
    auto opt_index = [](const std::optional<std::size_t>& v) { return v ? json(*v) : json(nullptr); };
    auto text_or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
    json j;
    json volumes = json::array();
    for (std::size_t i = 0; i < inventory.volumes.size(); ++i) {
        const ovmf::FirmwareVolume& v = inventory.volumes[i];
        volumes.push_back({{"index", i}, {"offset", opt_hex(v.image_offset)}, {"in_module", opt_index(v.parent_file)},
                           {"depth", v.depth}, {"length", v.length}, {"file_system", ovmf::file_system_name(v.file_system)},
                           {"name", v.name ? json(v.name->to_string()) : json(nullptr)}, {"attributes", hex_u64(v.attributes)},
                           {"pad_files", v.pad_files}});
    }
    j["firmware_volumes"] = volumes;
    json modules = json::array();
    for (std::size_t i = 0; i < inventory.files.size(); ++i) {
        const ovmf::FfsFile& f = inventory.files[i];
        modules.push_back({{"index", i}, {"volume", f.volume}, {"offset", hex_u64(f.offset)}, {"image_offset", opt_hex(f.image_offset)},
                           {"guid", f.name.to_string()}, {"type", ovmf::ffs_file_type_name(f.type)}, {"name", text_or_null(f.ui_name)},
                           {"version", text_or_null(f.version)}, {"size", f.size}, {"state", ovmf::file_state_name(f.state)},
                           {"sections", f.sections}, {"undecoded", f.undecoded}, {"volumes", f.volumes}});
    }
    j["modules"] = modules;
    const ovmf::TdMeasurementDrivers d = ovmf::td_measurement_drivers(inventory);
    j["td_measurement"] = {{"tdtcg2dxe", d.td_tcg2_dxe}, {"tdtcg2pei", d.td_tcg2_pei}, {"tdxdxe", d.tdx_dxe}};
    j["firmware_problems"] = inventory.problems;
    j["firmware_warnings"] = warnings;
    return j;
}

}  // namespace tdx::cli
