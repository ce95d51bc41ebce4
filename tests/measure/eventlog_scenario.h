// Synthetic direct boots for the event-log tests: the events a TD with given
// inputs extends (RTMR0 in the edk2 2024.11 layout with a real TD HOB from a
// synthetic TDVF image, RTMR1, RTMR2 with the load options OVMF builds), the
// measurements.json `tdximage measure` writes for them, and the CCEL the TD
// would hold. Header-only: .cc files under tests/ are compiled only when
// they are tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/boot_events.h"
#include "measure/event_types.h"
#include "measure/secure_boot_vars.h"
#include "measure/tcg_event_log_writer.h"
#include "measure/td_hob.h"
#include "measure/uefi_variable.h"
#include "tests/ovmf/tdvf_builder.h"

namespace tdx::test {

struct BootInputs {
    std::uint64_t memory_size = 2ull << 30;
    std::string cmdline = "console=ttyS0 root=/dev/vda1";
    std::string initrd = "initrd A";
};

// RTMR0 events before the ACPI tables: what a measurements.json lists for
// RTMR0 when it cannot predict the whole register.
inline constexpr std::size_t kRtmr0KnownPrefix = 8;

namespace scenario_detail {

inline void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline std::vector<std::uint8_t> described(const std::string& desc, std::uint64_t a, std::uint64_t b) {
    std::vector<std::uint8_t> d{static_cast<std::uint8_t>(desc.size() + 1)};
    d.insert(d.end(), desc.begin(), desc.end());
    d.push_back(0);
    put_le(d, a, 8);
    put_le(d, b, 8);
    return d;
}

inline std::vector<std::uint8_t> tagged(std::uint32_t id, const std::string& text) {
    std::vector<std::uint8_t> d;
    put_le(d, id, 4);
    put_le(d, text.size() + 1, 4);
    d.insert(d.end(), text.begin(), text.end());
    d.push_back(0);
    return d;
}

inline std::vector<std::uint8_t> ascii(const std::string& s) { return {s.begin(), s.end()}; }

inline MeasuredEvent digest_event(int rtmr, std::uint32_t type, const std::vector<std::uint8_t>& preimage, const std::string& desc,
                                  EventKind kind, std::vector<std::uint8_t> data) {
    return {rtmr, type, sha384(Bytes(preimage.data(), preimage.size())), desc, kind, std::move(data)};
}

}  // namespace scenario_detail

inline std::vector<MeasuredEvent> boot_events(const BootInputs& in) {
    using namespace scenario_detail;
    std::vector<MeasuredEvent> e;
    const auto fw = TdvfBuilder{}.build();
    const ovmf::TdvfImage image = ovmf::parse_tdvf(Bytes(fw.data(), fw.size()));
    const TdHob hob = build_td_hob(image, in.memory_size, "fw.fd");
    std::vector<std::uint8_t> hob_data{9, 'T', 'd', 'x', 'T', 'a', 'b', 'l', 'e', 0};
    put_le(hob_data, 1, 8);
    const auto hob_guid = ovmf::Guid::parse("7739f24c-93d7-11d4-9a3a-0090273fc14d");
    hob_data.insert(hob_data.end(), hob_guid.bytes.begin(), hob_guid.bytes.end());
    put_le(hob_data, hob.gpa, 8);
    e.push_back(digest_event(0, ev::kEfiHandoffTables2, hob.measured, "TD HOB", EventKind::TdHob, hob_data));
    e.push_back(digest_event(0, ev::kEfiPlatformFirmwareBlob2, ascii("CFV bytes"), "CFV", EventKind::Cfv, described("CFV", 0xffc00000, 0x1000)));
    for (const SecureBootVariable& v : empty_secure_boot_variables()) {
        auto data = uefi_variable_data(v.vendor, v.name, {});
        e.push_back(digest_event(0, ev::kEfiVariableDriverConfig, data, v.name + " (empty)", EventKind::SecureBootVariable, data));
    }
    e.push_back(separator_event(0, "separator (PCR 7)"));
    e.push_back(digest_event(0, ev::kPlatformConfigFlags, ascii("table-loader"), "ACPI loader", EventKind::AcpiLoader, ascii("ACPI DATA")));
    e.push_back(digest_event(0, ev::kPlatformConfigFlags, ascii("rsdp"), "ACPI rsdp", EventKind::AcpiBlob, ascii("ACPI DATA")));
    e.push_back(digest_event(0, ev::kPlatformConfigFlags, ascii("tables"), "ACPI tables", EventKind::AcpiBlob, ascii("ACPI DATA")));
    const std::vector<std::uint8_t> order{0, 0};
    e.push_back(digest_event(0, ev::kEfiVariableBoot, order, "BootOrder", EventKind::BootOrder,
                             uefi_variable_data(efi_global_variable_guid(), "BootOrder", Bytes(order.data(), order.size()))));
    const auto ui = fv_app_load_option(kLoadOptionActive | kLoadOptionHidden | kLoadOptionCategoryApp, "UiApp", ovmf_dxe_fv_guid(),
                                       ui_app_file_guid());
    e.push_back(digest_event(0, ev::kEfiVariableBoot, ui, "Boot0000 = UiApp", EventKind::BootOption,
                             uefi_variable_data(efi_global_variable_guid(), "Boot0000", Bytes(ui.data(), ui.size()))));

    e.push_back(digest_event(1, ev::kEfiBootServicesApplication, ascii("kernel A"), "kernel image", EventKind::Kernel,
                             std::vector<std::uint8_t>(32, 0)));
    e.push_back(digest_event(1, ev::kEfiAction, ascii(kCallingEfiApplication), kCallingEfiApplication, EventKind::Action,
                             ascii(kCallingEfiApplication)));
    e.push_back(separator_event(1, "separator (ReadyToBoot)"));
    for (const char* a : {kExitBootServicesInvocation, kExitBootServicesSucceeded})
        e.push_back(digest_event(1, ev::kEfiAction, ascii(a), a, EventKind::Action, ascii(a)));

    const auto options = ovmf_load_options(in.cmdline, true, InitrdArg::Suffix);
    e.push_back(digest_event(2, ev::kEventTag, options, "Linux load options: \"" + in.cmdline + " initrd=initrd\"", EventKind::LoadOptions,
                             tagged(kLinuxLoadOptionsTagId, "LOADED_IMAGE::LoadOptions")));
    e.push_back(digest_event(2, ev::kEventTag, ascii(in.initrd), "Linux initrd", EventKind::Initrd, tagged(kLinuxInitrdTagId, "Linux initrd")));
    return e;
}

// The measurements.json of `events`. Without ACPI tables (predict_rtmr0
// false) RTMR0 is null and only its known prefix is listed, as `tdximage
// measure` does without --acpi-dir.
inline nlohmann::json measurements_json(const std::vector<MeasuredEvent>& events, bool predict_rtmr0 = true) {
    nlohmann::json j;
    j["schema"] = "tdximage.measurements/v1";
    j["mrtd"] = std::string(96, 'a');
    j["notes"] = nlohmann::json::object();
    for (int r = 0; r < 3; ++r) j["rtmr" + std::to_string(r)] = to_hex(replay(events, r));
    if (!predict_rtmr0) {
        j["rtmr0"] = nullptr;
        j["notes"]["rtmr0"] = "RTMR0 includes QEMU's ACPI tables; give them with --acpi-dir";
    }
    nlohmann::json list = nlohmann::json::array();
    int counters[4] = {0, 0, 0, 0};
    for (const MeasuredEvent& e : events) {
        if (e.rtmr == 0 && !predict_rtmr0 && counters[0] >= static_cast<int>(kRtmr0KnownPrefix)) continue;
        list.push_back({{"register", "rtmr" + std::to_string(e.rtmr)},
                        {"index", counters[e.rtmr]++},
                        {"type", event_type_name(e.type)},
                        {"digest", to_hex(e.digest)},
                        {"description", e.description},
                        {"kind", to_string(e.kind)},
                        {"depends_on", depends_on(e.kind)}});
    }
    j["events"] = list;
    return j;
}

inline std::vector<std::uint8_t> ccel_of(const BootInputs& in) { return write_tdx_event_log(boot_events(in)); }

}  // namespace tdx::test
