#include "measure/measurements_compare.h"

#include <map>

#include "base/byte_reader.h"
#include "base/error.h"

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

namespace {

// What a header field QEMU writes stands for (measure/kernel_setup.cc).
std::string input_of_header_field(const std::string& field, std::uint64_t from, std::uint64_t to) {
    if (field == "ramdisk_size") {
        const bool longer = to > from;
        const std::uint64_t d = longer ? to - from : from - to;
        return "the initramfs is " + std::to_string(d) + (d == 1 ? " byte " : " bytes ") + (longer ? "longer" : "shorter");
    }
    if (field == "ramdisk_image") return "the initramfs is loaded elsewhere (its size or the memory size changed)";
    if (field == "cmd_line_ptr" || field == "cl_offset" || field == "heap_end_ptr") return "the command line's length changed";
    if (field == "vid_mode") return "a vga= option on the command line changed";
    return "QEMU's loader wrote another value";
}

// An RTMR1 kernel event that differs, explained below the event: the kernel
// file, or (kernel-header patched) the header fields QEMU wrote into it.
std::string explain_kernel_event(const PublishedMeasurements& expected, const PublishedMeasurements& actual) {
    if (!expected.kernel_sha256 || !actual.kernel_sha256) return "";
    if (*expected.kernel_sha256 != *actual.kernel_sha256)
        return "the kernel file differs (vmlinuz sha256 " + expected.kernel_sha256->substr(0, 16) + "… -> " +
               actual.kernel_sha256->substr(0, 16) + "…)";
    std::string out;
    std::map<std::string, std::uint64_t> before;
    for (const HeaderField& f : expected.header_patch) before[f.name] = f.value;
    for (const HeaderField& f : actual.header_patch) {
        const auto it = before.find(f.name);
        if (it == before.end()) {
            out += std::string(out.empty() ? "" : "; ") + f.name + " is written only in the rebuild (" + hex_u64(f.value) + ")";
        } else if (it->second != f.value) {
            out += std::string(out.empty() ? "" : "; ") + f.name + " " + hex_u64(it->second) + " -> " + hex_u64(f.value) + ": " +
                   input_of_header_field(f.name, it->second, f.value);
        }
        if (it != before.end()) before.erase(it);
    }
    for (const auto& [name, value] : before)
        out += std::string(out.empty() ? "" : "; ") + name + " is written only in the published image (" + hex_u64(value) + ")";
    if (out.empty()) return "the kernel file is identical and so are the header fields QEMU writes";
    return "the kernel file is identical; the setup header QEMU patches differs: " + out;
}

}  // namespace

std::optional<std::size_t> first_differing_event(const std::vector<ExpectedEvent>& a, const std::vector<ExpectedEvent>& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i].type == b[i].type && a[i].digest == b[i].digest) ++i;
    if (i >= a.size() && i >= b.size()) return std::nullopt;
    return i;
}

MeasurementDiff compare_measurements(const PublishedMeasurements& expected, const PublishedMeasurements& actual) {
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
                const std::optional<std::size_t> first = first_differing_event(a, b);
                if (!first) {
                    // Cannot happen for documents whose events replay to their values.
                    d.explanation = "the values differ but the event lists agree";
                    add(std::move(d));
                    continue;
                }
                const std::size_t i = *first;
                if (i < a.size()) d.expected_event = a[i];
                if (i < b.size()) d.actual_event = b[i];
                const ExpectedEvent& at = i < b.size() ? b[i] : a[i];
                d.explanation = "event " + std::to_string(i) + " (" + at.type + ", " + at.kind + ") differs: " + input_of_event_kind(at.kind);
                const std::string deeper = at.kind == "kernel" ? explain_kernel_event(expected, actual) : std::string();
                if (!deeper.empty()) {
                    d.explanation = "event " + std::to_string(i) + " (" + at.type + ", " + at.kind + ") differs: " + deeper;
                } else if (!at.depends_on.empty()) {
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
