#include "measure/measurement_diff.h"

#include "measure/base/error.h"

namespace tdx {

std::string input_of_event_kind(const std::string& kind) {
    if (kind == "kernel") return "the kernel image";
    if (kind == "load_options") return "the kernel command line (or whether an initrd is given)";
    if (kind == "initrd") return "the initramfs";
    if (kind == "td_hob") return "the memory size or the firmware's TDVF metadata";
    if (kind == "cfv") return "the firmware's variable store";
    if (kind == "secure_boot_variable") return "the Secure Boot variables";
    if (kind == "acpi_loader" || kind == "acpi_blob") return "QEMU's ACPI tables (VM shape, QEMU version)";
    if (kind == "boot_order" || kind == "boot_option") return "the firmware's boot variables";
    if (kind == "separator" || kind == "action") return "the firmware's event layout (profile)";
    return "an input of kind '" + kind + "'";
}

PublishedMeasurements parse_published_measurements(const std::string& text, const std::string& name) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        fail(name + ": not JSON: " + e.what(), ErrorKind::BadInput);
    }
    PublishedMeasurements p;
    p.registers = parse_expected_measurements(doc, name);
    if (doc.contains("mrtd") && doc["mrtd"].is_string()) {
        const std::string m = doc["mrtd"].get<std::string>();
        if (m.size() != 96 || m.find_first_not_of("0123456789abcdef") != std::string::npos)
            fail(name + ": mrtd: expected 96 lowercase hex digits", ErrorKind::BadInput);
        p.mrtd = m;
    }
    return p;
}

MeasurementDiff diff_measurements(const PublishedMeasurements& expected, const PublishedMeasurements& actual) {
    MeasurementDiff out;
    auto add = [&](RegisterDiff d) {
        d.compared = !d.expected.empty() && !d.actual.empty();
        d.equal = d.compared && d.expected == d.actual;
        if (d.compared) {
            out.any_compared = true;
            out.all_equal = out.all_equal && d.equal;
        }
        out.registers.push_back(std::move(d));
    };
    RegisterDiff mrtd;
    mrtd.name = "MR_TD";
    mrtd.expected = expected.mrtd.value_or("");
    mrtd.actual = actual.mrtd.value_or("");
    if (!mrtd.expected.empty() && !mrtd.actual.empty() && mrtd.expected != mrtd.actual)
        mrtd.explanation = "the firmware image differs (MR_TD covers every page of OVMF.fd the TDX module adds)";
    add(std::move(mrtd));
    for (int r = 0; r <= 2; ++r) {
        RegisterDiff d;
        d.name = "RTMR" + std::to_string(r);
        if (expected.registers.rtmr[r]) d.expected = to_hex(*expected.registers.rtmr[r]);
        if (actual.registers.rtmr[r]) d.actual = to_hex(*actual.registers.rtmr[r]);
        if (!d.expected.empty() && !d.actual.empty() && d.expected != d.actual) {
            const std::vector<ExpectedEvent> a = expected.registers.events_of(r), b = actual.registers.events_of(r);
            if (a.empty() || b.empty()) {
                d.explanation = "the values differ; the published document lists no events for " + d.name + ", so which input cannot be said";
            } else {
                std::size_t i = 0;
                while (i < a.size() && i < b.size() && a[i].type == b[i].type && a[i].digest == b[i].digest) ++i;
                if (i >= a.size() && i >= b.size()) {
                    // Cannot happen for documents whose events replay to their values.
                    d.explanation = "the values differ but the event lists agree";
                    add(std::move(d));
                    continue;
                }
                if (i < a.size()) d.expected_event = a[i];
                if (i < b.size()) d.actual_event = b[i];
                const ExpectedEvent& at = i < b.size() ? b[i] : a[i];
                d.explanation = "event " + std::to_string(i) + " (" + at.type + ", " + at.kind + ") differs: " + input_of_event_kind(at.kind);
                if (!at.depends_on.empty()) {
                    d.explanation += "; it depends on ";
                    for (std::size_t k = 0; k < at.depends_on.size(); ++k) d.explanation += (k ? ", " : "") + at.depends_on[k];
                }
            }
        }
        add(std::move(d));
    }
    return out;
}

}  // namespace tdx
