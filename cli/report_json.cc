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
        arr.push_back(
            {{"severity", f.severity == ovmf::Finding::Severity::Error ? "error" : "warning"}, {"rule", f.rule}, {"message", f.message}});
    return arr;
}

}  // namespace

json tdvf_inspect_json(const ovmf::TdvfImage& image, const InputIdentity& file, const std::optional<MrtdResult>& mrtd,
                       const std::optional<Digest384>& cfv) {
    json j;
    j["schema"] = "tdximage.ovmf/v1";
    j["file"] = identity_json(file);
    json table = json::array();
    for (const auto& e : image.guid_table) {
        std::string name = ovmf::guid_table_entry_name(e.guid);
        table.push_back({{"guid", e.guid.to_string()},
                         {"name", name.empty() ? json(nullptr) : json(name)},
                         {"offset", hex_u64(e.offset)},
                         {"length", e.length}});
    }
    j["guid_table"] = table;
    if (image.descriptor) {
        const auto& d = *image.descriptor;
        j["descriptor"] = {{"offset", hex_u64(d.file_offset)},
                           {"length", d.length},
                           {"version", d.version},
                           {"section_count", d.section_count},
                           {"metadata_guid_present", d.metadata_guid_present}};
        json secs = json::array();
        std::size_t i = 0;
        for (const auto& s : d.sections) {
            json attrs = json::array();
            if (s.mr_extend()) attrs.push_back("MR_EXTEND");
            if (s.page_aug()) attrs.push_back("PAGE_AUG");
            secs.push_back({{"index", i++},
                            {"type", ovmf::section_type_name(s.type)},
                            {"data_offset", hex_u64(s.data_offset)},
                            {"raw_data_size", hex_u64(s.raw_data_size)},
                            {"memory_address", hex_u64(s.memory_address)},
                            {"memory_data_size", hex_u64(s.memory_data_size)},
                            {"attributes", hex_u64(s.attributes)},
                            {"attribute_names", attrs}});
        }
        j["sections"] = secs;
    } else {
        j["descriptor"] = nullptr;
        j["sections"] = json::array();
    }
    if (mrtd) j["mrtd"] = {{"per-page", to_hex(mrtd->per_page)}, {"two-pass", to_hex(mrtd->two_pass)}};
    else
        j["mrtd"] = nullptr;
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
        volumes.push_back({{"index", i},
                           {"offset", opt_hex(v.image_offset)},
                           {"in_module", opt_index(v.parent_file)},
                           {"depth", v.depth},
                           {"length", v.length},
                           {"file_system", ovmf::file_system_name(v.file_system)},
                           {"name", v.name ? json(v.name->to_string()) : json(nullptr)},
                           {"attributes", hex_u64(v.attributes)},
                           {"pad_files", v.pad_files}});
    }
    j["firmware_volumes"] = volumes;
    json modules = json::array();
    for (std::size_t i = 0; i < inventory.files.size(); ++i) {
        const ovmf::FfsFile& f = inventory.files[i];
        modules.push_back({{"index", i},
                           {"volume", f.volume},
                           {"offset", hex_u64(f.offset)},
                           {"image_offset", opt_hex(f.image_offset)},
                           {"guid", f.name.to_string()},
                           {"type", ovmf::ffs_file_type_name(f.type)},
                           {"name", text_or_null(f.ui_name)},
                           {"version", text_or_null(f.version)},
                           {"size", f.size},
                           {"state", ovmf::file_state_name(f.state)},
                           {"sections", f.sections},
                           {"undecoded", f.undecoded},
                           {"volumes", f.volumes}});
    }
    j["modules"] = modules;
    const ovmf::TdMeasurementDrivers d = ovmf::td_measurement_drivers(inventory);
    j["td_measurement"] = {{"tdtcg2dxe", d.td_tcg2_dxe}, {"tdtcg2pei", d.td_tcg2_pei}, {"tdxdxe", d.tdx_dxe}};
    j["firmware_problems"] = inventory.problems;
    j["firmware_warnings"] = warnings;
    return j;
}

}  // namespace tdx::cli
