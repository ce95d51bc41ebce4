#include "measure/measurements_json.h"

#include "base/error.h"
#include "measure/event_types.h"
#include "measure/json_document.h"

namespace tdx {
namespace {

using nlohmann::json;

json identity_json(const InputIdentity& id) { return {{"file", id.file}, {"size", id.size}, {"sha256", id.sha256}}; }

}  // namespace

json profile_json(const Profile& p) {
    return {{"name", p.name},
            {"mrtd_order", to_string(p.mrtd_order)},
            {"kernel_header", to_string(p.kernel_header)},
            {"initrd_arg", to_string(p.initrd_arg)},
            {"fw_layout", to_string(p.fw_layout)},
            {"page_aug", p.skip_page_aug ? "skip" : "add"}};
}

json render_measurements(const MeasureReport& r) {
    json j;
    j["schema"] = kMeasurementsSchema;
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
        j["inputs"]["acpi"] = {{"blobs", blobs},
                               {"tables", r.acpi->table_signatures},
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
        patch.push_back(
            {{"field", f.name}, {"offset", hex_u64(f.offset)}, {"size", f.size}, {"old", hex_u64(f.old_value)}, {"new", hex_u64(f.new_value)}});
    j["kernel_header_patch"] = patch;
    j["initrd_address"] = r.initrd_address ? json(hex_u64(*r.initrd_address)) : json(nullptr);
    json ranges = json::array();
    for (const TdRamRange& rr : r.td_hob.ranges)
        ranges.push_back({{"start", hex_u64(rr.start)}, {"length", hex_u64(rr.length)}, {"accepted", rr.accepted}});
    j["td_hob"] = {{"address", hex_u64(r.td_hob.gpa)},
                   {"end_of_hob_list", hex_u64(r.td_hob.end_of_hob_list)},
                   {"measured_size", r.td_hob.measured.size()},
                   {"ranges", ranges}};
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

std::string measurements_text(const MeasureReport& r) { return render_measurements(r).dump(2) + "\n"; }

MeasurementFiles measurement_files(const MeasureReport& r) {
    MeasurementFiles out;
    out.files.push_back({"mr_td.hex", to_hex(r.mrtd_selected) + "\n"});
    const std::optional<Digest384>* rtmrs[] = {&r.rtmr0, &r.rtmr1, &r.rtmr2};
    for (int i = 0; i < 3; ++i) {
        const std::string name = "rtmr" + std::to_string(i) + ".hex";
        if (*rtmrs[i]) out.files.push_back({name, to_hex(**rtmrs[i]) + "\n"});
        else
            out.stale.push_back(name);
    }
    out.files.push_back({"measurements.json", measurements_text(r)});
    return out;
}

PublishedMeasurements parse_measurements(const std::string& text, const std::string& name) {
    return parse_measurements_doc(parse_json_document(text, name), name);
}

PublishedMeasurements parse_measurements_doc(const nlohmann::json& doc, const std::string& name) {
    PublishedMeasurements p;
    p.registers = parse_expected_measurements(doc, name);
    const nlohmann::json inputs = doc.value("inputs", nlohmann::json());
    if (inputs.is_object()) {
        const nlohmann::json k = inputs.value("kernel", nlohmann::json()), i = inputs.value("initrd", nlohmann::json());
        if (k.is_object() && k.value("sha256", nlohmann::json()).is_string()) p.kernel_sha256 = k["sha256"].get<std::string>();
        if (i.is_object() && i.value("size", nlohmann::json()).is_number_unsigned()) p.initrd_size = i["size"].get<std::uint64_t>();
    }
    const nlohmann::json patch = doc.value("kernel_header_patch", nlohmann::json());
    if (patch.is_array()) {
        for (const nlohmann::json& f : patch) {
            if (!f.is_object() || !f.value("field", nlohmann::json()).is_string() || !f.value("new", nlohmann::json()).is_string()) continue;
            const std::string v = f["new"].get<std::string>();
            std::uint64_t value = 0;
            try {
                value = std::stoull(v, nullptr, 16);
            } catch (const std::exception&) {
                fail(name + ": kernel_header_patch: '" + v + "' is not a hex value", ErrorKind::BadInput);
            }
            p.header_patch.push_back({f["field"].get<std::string>(), value});
        }
    }
    if (doc.contains("mrtd") && doc["mrtd"].is_string()) {
        const std::string m = doc["mrtd"].get<std::string>();
        if (m.size() != 96 || m.find_first_not_of("0123456789abcdef") != std::string::npos)
            fail(name + ": mrtd: expected 96 lowercase hex digits", ErrorKind::BadInput);
        p.mrtd = m;
    }
    return p;
}

}  // namespace tdx
