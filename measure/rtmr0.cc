#include "measure/rtmr0.h"

#include "base/error.h"
#include "measure/cfv.h"
#include "measure/event_types.h"
#include "measure/uefi_variable.h"

namespace tdx {
namespace {

std::vector<std::uint8_t> ascii(std::string_view s) { return {s.begin(), s.end()}; }

// TDVF's SEC logs the HOB as UEFI_HANDOFF_TABLE_POINTERS2 with the
// description "TdxTable" (NUL included) and one configuration table entry,
// the HOB list GUID with the HOB's address.
MeasuredEvent td_hob_event(const TdHob& hob, std::uint64_t memory_size) {
    std::vector<std::uint8_t> data;
    const std::string desc = "TdxTable";
    data.push_back(static_cast<std::uint8_t>(desc.size() + 1));
    data.insert(data.end(), desc.begin(), desc.end());
    data.push_back(0);
    append_le(data, 1, 8);
    const ovmf::Guid hob_list = ovmf::Guid::parse("7739f24c-93d7-11d4-9a3a-0090273fc14d");
    data.insert(data.end(), hob_list.bytes.begin(), hob_list.bytes.end());
    append_le(data, hob.gpa, 8);
    return {0,
            ev::kEfiHandoffTables2,
            sha384(Bytes(hob.measured.data(), hob.measured.size())),
            "TD HOB at " + hex_u64(hob.gpa) + ": " + std::to_string(hob.ranges.size()) + " RAM ranges for " + std::to_string(memory_size >> 20) +
                " MiB, " + std::to_string(hob.measured.size()) + " bytes measured",
            EventKind::TdHob,
            std::move(data)};
}

const ovmf::TdvfSection* find_section(const ovmf::TdvfImage& image, ovmf::SectionType type) {
    for (const ovmf::TdvfSection& s : image.descriptor->sections)
        if (s.type == static_cast<std::uint32_t>(type)) return &s;
    return nullptr;
}

// UEFI_PLATFORM_FIRMWARE_BLOB2: a description, the blob's address and length.
MeasuredEvent cfv_event(Bytes firmware, const ovmf::TdvfImage& image, const std::string& name) {
    const ovmf::TdvfSection* s = find_section(image, ovmf::SectionType::Cfv);
    std::optional<Digest384> digest = cfv_digest(firmware, image);
    if (!s || !digest) fail(name + ": no CFV section inside the file; TDVF measures its variable store from it");
    std::vector<std::uint8_t> data;
    const std::string desc = "CFV";
    data.push_back(static_cast<std::uint8_t>(desc.size() + 1));
    data.insert(data.end(), desc.begin(), desc.end());
    data.push_back(0);
    append_le(data, s->memory_address, 8);
    append_le(data, s->raw_data_size, 8);
    return {0,
            ev::kEfiPlatformFirmwareBlob2,
            *digest,
            "CFV (variable store) at " + hex_u64(s->memory_address) + ", " + std::to_string(s->raw_data_size) + " bytes of the firmware file",
            EventKind::Cfv,
            std::move(data)};
}

MeasuredEvent secure_boot_event(const SecureBootVariable& v) {
    std::vector<std::uint8_t> data = uefi_variable_data(v.vendor, v.name, Bytes(v.data.data(), v.data.size()));
    Digest384 d = sha384(Bytes(data.data(), data.size()));
    return {0,
            ev::kEfiVariableDriverConfig,
            d,
            v.name + (v.data.empty() ? " (empty)" : " (" + std::to_string(v.data.size()) + " bytes)"),
            EventKind::SecureBootVariable,
            std::move(data)};
}

MeasuredEvent acpi_event(const AcpiBlob& blob, EventKind kind) {
    return {0,
            ev::kPlatformConfigFlags,
            sha384(Bytes(blob.bytes.data(), blob.bytes.size())),
            "ACPI DATA: " + blob.name + " (" + std::to_string(blob.bytes.size()) + " bytes, raw as QEMU serves it)",
            kind,
            ascii("ACPI DATA")};
}

// Before edk2 2025.05 the boot variables are measured as EV_EFI_VARIABLE_BOOT
// over the variable data alone; the log still carries UEFI_VARIABLE_DATA.
MeasuredEvent boot_variable_event(const std::string& name, const std::vector<std::uint8_t>& value, EventKind kind,
                                  const std::string& description) {
    return {0,
            ev::kEfiVariableBoot,
            sha384(Bytes(value.data(), value.size())),
            description,
            kind,
            uefi_variable_data(efi_global_variable_guid(), name, Bytes(value.data(), value.size()))};
}

}  // namespace

Rtmr0Result measure_rtmr0(const Rtmr0Input& in) {
    if (!in.image || !in.image->descriptor) fail(in.firmware_name + ": no TDVF descriptor");
    Rtmr0Result r;
    r.hob = build_td_hob(*in.image, in.memory_size, in.firmware_name);
    r.events.push_back(td_hob_event(r.hob, in.memory_size));
    r.events.push_back(cfv_event(in.firmware, *in.image, in.firmware_name));

    if (in.layout == FirmwareLayout::Edk2_202505) {
        r.unavailable =
            "the edk2 2025.05+ layout measures QEMU fw_cfg items and the SMBIOS tables after the CFV, and which ones depends on the "
            "firmware build; that part is not modelled yet (only the TD HOB and CFV events are predicted)";
        return r;
    }
    for (const SecureBootVariable& v : in.secure_boot) r.events.push_back(secure_boot_event(v));
    r.events.push_back(separator_event(0, "separator (Secure Boot configuration, PCR 7)"));
    if (!in.acpi) {
        r.unavailable =
            "RTMR0 includes QEMU's ACPI tables, which depend on the VM shape (vCPUs, memory, devices, QEMU version); give them with "
            "--acpi-dir (see `tdximage acpi dump`)";
        return r;
    }
    r.events.push_back(acpi_event(in.acpi->loader, EventKind::AcpiLoader));
    for (const AcpiBlob& b : in.acpi->allocated) r.events.push_back(acpi_event(b, EventKind::AcpiBlob));

    // Direct kernel boot: OVMF's only boot option is UiApp as Boot0000.
    r.events.push_back(boot_variable_event("BootOrder", {0x00, 0x00}, EventKind::BootOrder, "BootOrder = 0000"));
    r.events.push_back(boot_variable_event("Boot0000",
                                           fv_app_load_option(kLoadOptionActive | kLoadOptionHidden | kLoadOptionCategoryApp, "UiApp",
                                                              ovmf_dxe_fv_guid(), ui_app_file_guid()),
                                           EventKind::BootOption, "Boot0000 = UiApp (the firmware's setup application)"));
    if (in.layout == FirmwareLayout::Edk2Pre202411)
        r.events.push_back(separator_event(0, "separator (ReadyToBoot; RTMR1 from edk2-stable202411 on)"));
    return r;
}

}  // namespace tdx
