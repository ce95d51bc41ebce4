#include "measure/event_data.h"

#include <cstring>
#include <exception>
#include <utility>

#include "base/digest.h"
#include "base/error.h"
#include "measure/device_path.h"
#include "measure/event_text.h"
#include "measure/event_types.h"
#include "measure/tcg_event_log.h"

namespace tdx {
namespace {

using nlohmann::json;

constexpr std::size_t kSummaryHex = 32;  // bytes of hex in a one-line summary
constexpr std::size_t kDetailHex = 64;   // bytes of hex in the JSON detail

std::string h(std::uint64_t v) { return hex_u64(v); }
std::string bytes_word(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

// Bytes before the first NUL.
Bytes c_string(Bytes data) {
    std::size_t n = 0;
    while (n < data.size() && data[n] != 0) ++n;
    return data.first(n);
}

bool starts_with(Bytes data, const char* prefix, std::size_t n) { return data.size() >= n && std::memcmp(data.data(), prefix, n) == 0; }

DecodedEventData hex_data(Bytes data) {
    if (data.empty()) return {"(no data)", {{"format", "empty"}}, false};
    return {bytes_word(data.size()) + ": " + hex_prefix(data, kSummaryHex),
            {{"format", "hex"}, {"size", data.size()}, {"hex", hex_prefix(data, kDetailHex)}},
            false};
}

DecodedEventData malformed(const std::string& structure, const std::string& format, Bytes data, const std::string& why) {
    DecodedEventData d;
    d.malformed = true;
    const std::string note = "malformed " + structure + ": " + why;
    d.summary = note + "; " + bytes_word(data.size()) + (data.empty() ? "" : ": " + hex_prefix(data, kSummaryHex));
    d.detail = {{"format", format}, {"malformed", note}, {"size", data.size()}, {"hex", hex_prefix(data, kDetailHex)}};
    return d;
}

// Runs `decode`, turning any error from a bounds-checked read (or an explicit
// fail) into a "malformed" result, so no payload escapes as an exception.
template <typename Fn>
DecodedEventData guarded(const std::string& structure, const std::string& format, Bytes data, Fn&& decode) {
    try {
        return decode();
    } catch (const std::exception& e) {
        return malformed(structure, format, data, e.what());
    }
}

DecodedEventData string_data(Bytes data) {
    const std::string text = bytes_as_text(data);
    return {quoted(text), {{"format", "string"}, {"text", text}}, false};
}

DecodedEventData utf16_data(Bytes data) {
    const std::string text = utf16le_as_text(data);
    return {quoted(text) + " (UTF-16)", {{"format", "utf16_string"}, {"text", text}}, false};
}

// edk2 logs its firmware version string as UTF-16 with a NUL; other firmware
// uses ASCII.
bool looks_like_utf16(Bytes data) {
    if (data.size() < 2 || data.size() % 2 != 0) return false;
    if (data[data.size() - 1] == 0 && data[data.size() - 2] == 0) return true;
    for (std::size_t i = 1; i < data.size(); i += 2)
        if (data[i] != 0) return false;
    return true;
}

DecodedEventData crtm_version(Bytes data) {
    if (data.empty()) return hex_data(data);
    return looks_like_utf16(data) ? utf16_data(data) : string_data(data);
}

// UEFI_PLATFORM_FIRMWARE_BLOB: base and length of a firmware region.
DecodedEventData firmware_blob(Bytes data) {
    return guarded("UEFI_PLATFORM_FIRMWARE_BLOB", "platform_firmware_blob", data, [&] {
        ByteReader r(data, "event data");
        const std::uint64_t base = r.le64("BlobBase");
        const std::uint64_t length = r.le64("BlobLength");
        if (!r.at_end()) fail(bytes_word(r.remaining()) + " after BlobLength");
        return DecodedEventData{"firmware blob at " + h(base) + ", " + h(length) + " bytes",
                                {{"format", "platform_firmware_blob"}, {"base", h(base)}, {"length", length}},
                                false};
    });
}

// Text, or (EV_POST_CODE, EV_S_CRTM_CONTENTS) a 16-byte blob reference.
DecodedEventData text_or_blob(Bytes data) {
    if (looks_like_ascii_text(data)) return string_data(data);
    if (data.size() == 16) return firmware_blob(data);
    return hex_data(data);
}

DecodedEventData platform_config_flags(Bytes data) {
    // edk2's fw_cfg measurement: "QEMU FW CFG\0" then the 56-byte item name.
    static constexpr char kFwCfg[] = "QEMU FW CFG";
    if (starts_with(data, kFwCfg, sizeof kFwCfg)) {
        const std::string name = bytes_as_text(c_string(data.subspan(sizeof kFwCfg)));
        return {"QEMU FW CFG " + quoted(name), {{"format", "fw_cfg_item"}, {"name", name}}, false};
    }
    if (looks_like_ascii_text(data)) return string_data(data);
    return hex_data(data);
}

DecodedEventData separator(Bytes data) {
    if (data.size() != 4) return malformed("separator", "separator", data, "a separator carries 4 bytes");
    const std::uint32_t v = load_le32(data, 0, "separator value");
    std::string what = v == 0             ? "separator"
                       : v == 0xFFFFFFFFu ? "error separator (a measurement failed)"
                                          : "separator with a non-standard value";
    return {what + " (" + h(v) + ")", {{"format", "separator"}, {"value", h(v)}}, false};
}

std::string tag_name(std::uint32_t id) {
    if (id == kLinuxInitrdTagId) return "Linux initrd";
    if (id == kLinuxLoadOptionsTagId) return "Linux load options";
    return "";
}

// TCG_PCClientTaggedEvent: u32 id, u32 size, data.
DecodedEventData tagged_event(Bytes data) {
    return guarded("TCG_PCClientTaggedEvent", "tagged_event", data, [&] {
        ByteReader r(data, "event data");
        const std::uint32_t id = r.le32("taggedEventID");
        const std::uint32_t size = r.le32("taggedEventDataSize");
        if (size > r.remaining())
            fail("taggedEventDataSize " + std::to_string(size) + " runs past the end (" + bytes_word(r.remaining()) + " left)");
        Bytes payload = r.bytes(size, "taggedEventData");
        const std::string name = tag_name(id);
        json j = {{"format", "tagged_event"}, {"tag_id", h(id)}, {"data_size", size}};
        if (!name.empty()) j["tag_name"] = name;
        std::string summary = "tag " + h(id) + (name.empty() ? "" : " (" + name + ")") + ": ";
        if (looks_like_ascii_text(payload)) {
            const std::string text = bytes_as_text(payload);
            j["text"] = text;
            summary += quoted(text);
        } else {
            j["hex"] = hex_prefix(payload, kDetailHex);
            summary += payload.empty() ? "no data" : bytes_word(payload.size()) + " " + hex_prefix(payload, kSummaryHex);
        }
        if (!r.at_end()) {
            j["trailing_bytes"] = r.remaining();
            summary += " (+" + bytes_word(r.remaining()) + " after the tagged data)";
        }
        return DecodedEventData{summary, j, false};
    });
}

// --- UEFI variables -------------------------------------------------------

struct ValueText {
    std::string summary;
    json detail = json::object();
};

bool is_option_variable(const std::string& name) {
    for (const char* prefix : {"Boot", "Driver", "SysPrep", "PlatformRecovery"}) {
        const std::size_t n = std::strlen(prefix);
        if (name.size() != n + 4 || name.compare(0, n, prefix) != 0) continue;
        bool hex = true;
        for (std::size_t i = n; i < name.size(); ++i) hex = hex && hex_digit_value(name[i]) >= 0;
        if (hex) return true;
    }
    return false;
}

std::string option_attributes(std::uint32_t a) {
    std::string s;
    auto add = [&](const char* flag) { s += (s.empty() ? "" : "|") + std::string(flag); };
    if (a & 0x1) add("ACTIVE");
    if (a & 0x2) add("FORCE_RECONNECT");
    if (a & 0x8) add("HIDDEN");
    const std::uint32_t category = a & 0x1F00;
    if (category == 0x100) add("CATEGORY_APP");
    else if (category != 0)
        add(("CATEGORY_" + h(category)).c_str());
    return s.empty() ? "none" : s;
}

// EFI_LOAD_OPTION: attributes, device path length, NUL-terminated UTF-16
// description, device path, optional data.
ValueText load_option(Bytes value, DecodeBudget& budget) {
    ByteReader r(value, "EFI_LOAD_OPTION");
    const std::uint32_t attributes = r.le32("Attributes");
    const std::uint16_t path_length = r.le16("FilePathListLength");
    const std::uint64_t description_at = r.offset();
    while (r.le16("Description") != 0) {
    }
    const std::string description = utf16le_as_text(slice(value, description_at, r.offset() - description_at, "Description"));
    if (path_length > r.remaining())
        fail("EFI_LOAD_OPTION: FilePathListLength " + std::to_string(path_length) + " runs past the end (" + bytes_word(r.remaining()) +
             " left)");
    DevicePathText path = device_path_to_text(r.bytes(path_length, "FilePathList"), budget);
    ValueText v;
    v.summary = quoted(description) + ", attributes " + h(attributes) + " (" + option_attributes(attributes) + "), " + path.text;
    v.detail = {{"attributes", h(attributes)}, {"attribute_names", option_attributes(attributes)}, {"description", description},
                {"device_path", path.text},    {"device_path_nodes", std::move(path.nodes)},       {"optional_data_size", r.remaining()}};
    if (!path.problem.empty()) {
        v.detail["device_path_problem"] = path.problem;
        v.summary += " [device path: " + path.problem + "]";
    }
    if (r.remaining() > 0) v.summary += ", " + bytes_word(r.remaining()) + " of optional data";
    return v;
}

ValueText u16_list(Bytes value, DecodeBudget& budget) {
    if (value.size() % 2 != 0) fail("an option list of " + bytes_word(value.size()) + " is not a whole number of u16 entries");
    budget.spend(value.size() / 2);
    std::string text;
    json entries = json::array();
    for (std::size_t i = 0; i < value.size(); i += 2) {
        const std::uint16_t n = load_le16(value, i, "entry");
        static constexpr char kDigits[] = "0123456789ABCDEF";
        std::string e{kDigits[(n >> 12) & 15], kDigits[(n >> 8) & 15], kDigits[(n >> 4) & 15], kDigits[n & 15]};
        text += (text.empty() ? "" : ",") + e;
        entries.push_back(e);
    }
    return {text.empty() ? "(empty)" : text, {{"entries", entries}}};
}

// EFI_SIGNATURE_LIST array (PK, KEK, db, dbx): counts per signature type.
ValueText signature_lists(Bytes value, DecodeBudget& budget) {
    ByteReader r(value, "EFI_SIGNATURE_LIST");
    json lists = json::array();
    std::string summary;
    while (!r.at_end()) {
        budget.spend(1);
        const std::uint64_t at = r.offset();
        const ovmf::Guid type = guid_at(r.bytes(16, "SignatureType"));
        const std::uint32_t list_size = r.le32("SignatureListSize");
        const std::uint32_t header_size = r.le32("SignatureHeaderSize");
        const std::uint32_t sig_size = r.le32("SignatureSize");
        if (list_size < 28 || list_size > value.size() - at)
            fail("EFI_SIGNATURE_LIST at " + h(at) + ": SignatureListSize " + std::to_string(list_size) + " does not fit the " +
                 bytes_word(value.size() - at) + " left");
        const std::uint64_t body = list_size - 28u;
        if (header_size > body)
            fail("EFI_SIGNATURE_LIST at " + h(at) + ": SignatureHeaderSize " + std::to_string(header_size) + " exceeds the list");
        if (sig_size < 16 || (body - header_size) % sig_size != 0)
            fail("EFI_SIGNATURE_LIST at " + h(at) + ": SignatureSize " + std::to_string(sig_size) + " does not divide the list");
        const std::uint64_t count = (body - header_size) / sig_size;
        r.skip(body, "signatures");
        std::string name = known_guid_name(type);
        if (name.empty()) name = type.to_string();
        lists.push_back({{"signature_type", type.to_string()}, {"type_name", name}, {"count", count}});
        summary += (summary.empty() ? "" : ", ") + std::to_string(count) + " x " + name;
    }
    return {lists.empty() ? "no signature lists" : summary, {{"signature_lists", lists}}};
}

ValueText variable_value(std::uint32_t type, const ovmf::Guid& vendor, const std::string& name, Bytes value, DecodeBudget& budget) {
    const std::string vendor_name = known_guid_name(vendor);
    const bool global = vendor_name == "EFI global variable";
    const bool image_db = vendor_name == "image security database";
    if (type == ev::kEfiVariableAuthority && value.size() >= 16) {
        const ovmf::Guid owner = guid_at(value);
        return {"signature owner " + owner.to_string() + ", " + bytes_word(value.size() - 16),
                {{"signature_owner", owner.to_string()}, {"signature_data_size", value.size() - 16}}};
    }
    if (value.empty()) return {"", {}};
    if (global && (name == "BootOrder" || name == "DriverOrder" || name == "BootNext")) return u16_list(value, budget);
    if (global && is_option_variable(name)) return load_option(value, budget);
    if (global && value.size() == 1 && (name == "SecureBoot" || name == "SetupMode" || name == "AuditMode" || name == "DeployedMode"))
        return {"= " + std::to_string(value[0]), {{"value", value[0]}}};
    if ((global && (name == "PK" || name == "KEK")) || (image_db && (name == "db" || name == "dbx" || name == "dbt" || name == "dbr")))
        return signature_lists(value, budget);
    if (looks_like_ascii_text(value)) {
        const std::string text = bytes_as_text(value);
        return {quoted(text), {{"text", text}}};
    }
    return {hex_prefix(value, kSummaryHex), {{"hex", hex_prefix(value, kDetailHex)}}};
}

// UEFI_VARIABLE_DATA: VariableName GUID, u64 UnicodeNameLength (characters),
// u64 VariableDataLength, the UTF-16LE name, the data.
DecodedEventData variable_data(std::uint32_t type, Bytes data, DecodeBudget& budget) {
    return guarded("UEFI_VARIABLE_DATA", "uefi_variable_data", data, [&] {
        budget.spend(1);
        ByteReader r(data, "event data");
        const ovmf::Guid vendor = guid_at(r.bytes(16, "VariableName"));
        const std::uint64_t name_length = r.le64("UnicodeNameLength");
        const std::uint64_t data_length = r.le64("VariableDataLength");
        if (name_length > r.remaining() / 2)
            fail("UnicodeNameLength " + std::to_string(name_length) + " characters runs past the end (" + bytes_word(r.remaining()) + " left)");
        const std::string name = utf16le_as_text(r.bytes(name_length * 2, "UnicodeName"));
        if (data_length > r.remaining())
            fail("VariableDataLength " + std::to_string(data_length) + " runs past the end (" + bytes_word(r.remaining()) + " left)");
        Bytes value = r.bytes(data_length, "VariableData");

        const std::string vendor_name = known_guid_name(vendor);
        json j = {{"format", "uefi_variable_data"}, {"vendor_guid", vendor.to_string()}, {"name", name}, {"data_length", data_length}};
        if (!vendor_name.empty()) j["vendor_name"] = vendor_name;
        std::string summary = name + " (" + (vendor_name.empty() ? vendor.to_string() : vendor_name) + "), " + bytes_word(data_length);
        bool bad_value = false;
        try {
            ValueText v = variable_value(type, vendor, name, value, budget);
            if (!v.summary.empty()) summary += ": " + v.summary;
            if (!v.detail.empty()) j["value"] = v.detail;
        } catch (const std::exception& e) {
            // The variable decoded; only its value did not. Keep both.
            bad_value = true;
            j["malformed"] = std::string("malformed value: ") + e.what();
            j["value_hex"] = hex_prefix(value, kDetailHex);
            summary += ": malformed value (" + std::string(e.what()) + ")";
        }
        if (!r.at_end()) {
            j["trailing_bytes"] = r.remaining();
            summary += " (+" + bytes_word(r.remaining()) + " after the variable data)";
        }
        return DecodedEventData{summary, j, bad_value};
    });
}

// --- images, handoff tables, firmware blobs ---------------------------------

// UEFI_IMAGE_LOAD_EVENT: location, length, link-time address, device path length, device path.
DecodedEventData image_load(Bytes data, DecodeBudget& budget) {
    return guarded("UEFI_IMAGE_LOAD_EVENT", "uefi_image_load_event", data, [&] {
        ByteReader r(data, "event data");
        const std::uint64_t location = r.le64("ImageLocationInMemory");
        const std::uint64_t length = r.le64("ImageLengthInMemory");
        const std::uint64_t link = r.le64("ImageLinkTimeAddress");
        const std::uint64_t path_length = r.le64("LengthOfDevicePath");
        if (path_length > r.remaining())
            fail("LengthOfDevicePath " + std::to_string(path_length) + " runs past the end (" + bytes_word(r.remaining()) + " left)");
        DevicePathText path = device_path_to_text(r.bytes(path_length, "DevicePath"), budget);
        json j = {{"format", "uefi_image_load_event"}, {"image_location", h(location)}, {"image_length", length},
                  {"link_time_address", h(link)},      {"device_path", path.text},      {"device_path_nodes", std::move(path.nodes)}};
        std::string summary = "image at " + h(location) + " (" + h(length) + " bytes): " + (path.text.empty() ? "(no device path)" : path.text);
        if (!path.problem.empty()) {
            j["device_path_problem"] = path.problem;
            summary += " [device path: " + path.problem + "]";
        }
        if (!r.at_end()) {
            j["trailing_bytes"] = r.remaining();
            summary += " (+" + bytes_word(r.remaining()) + " after the device path)";
        }
        return DecodedEventData{summary, j, false};
    });
}

// A u8-length-prefixed description, as UEFI_HANDOFF_TABLE_POINTERS2 and
// UEFI_PLATFORM_FIRMWARE_BLOB2 start.
std::string sized_description(ByteReader& r, const char* field) {
    const std::uint8_t size = r.u8("description size");
    return bytes_as_text(c_string(r.bytes(size, field)));
}

// EFI_CONFIGURATION_TABLE entries: GUID and a pointer.
std::pair<std::string, json> config_tables(ByteReader& r, DecodeBudget& budget) {
    const std::uint64_t count = r.le64("NumberOfTables");
    if (count > r.remaining() / 24)
        fail("NumberOfTables " + std::to_string(count) + " needs " + std::to_string(count) + " x 24 bytes, " + bytes_word(r.remaining()) +
             " left");
    budget.spend(count);
    json tables = json::array();
    std::string text = std::to_string(count) + (count == 1 ? " table" : " tables");
    for (std::uint64_t i = 0; i < count; ++i) {
        const ovmf::Guid g = guid_at(r.bytes(16, "VendorGuid"));
        const std::uint64_t at = r.le64("VendorTable");
        json t = {{"vendor_guid", g.to_string()}, {"address", h(at)}};
        const std::string name = known_guid_name(g);
        if (!name.empty()) t["vendor_name"] = name;
        tables.push_back(t);
        text += (i == 0 ? ": " : ", ") + (name.empty() ? g.to_string() : name) + " at " + h(at);
    }
    return {text, tables};
}

DecodedEventData handoff_tables(Bytes data, bool with_description, DecodeBudget& budget) {
    const char* structure = with_description ? "UEFI_HANDOFF_TABLE_POINTERS2" : "UEFI_HANDOFF_TABLE_POINTERS";
    return guarded(structure, with_description ? "handoff_tables2" : "handoff_tables", data, [&] {
        ByteReader r(data, "event data");
        json j = {{"format", with_description ? "handoff_tables2" : "handoff_tables"}};
        std::string summary;
        if (with_description) {
            const std::string description = sized_description(r, "TableDescription");
            j["description"] = description;
            summary = quoted(description) + ", ";
        }
        auto [text, tables] = config_tables(r, budget);
        j["tables"] = tables;
        summary += text;
        if (!r.at_end()) {
            j["trailing_bytes"] = r.remaining();
            summary += " (+" + bytes_word(r.remaining()) + ")";
        }
        return DecodedEventData{summary, j, false};
    });
}

DecodedEventData firmware_blob2(Bytes data) {
    return guarded("UEFI_PLATFORM_FIRMWARE_BLOB2", "platform_firmware_blob2", data, [&] {
        ByteReader r(data, "event data");
        const std::string description = sized_description(r, "BlobDescription");
        const std::uint64_t base = r.le64("BlobBase");
        const std::uint64_t length = r.le64("BlobLength");
        json j = {{"format", "platform_firmware_blob2"}, {"description", description}, {"base", h(base)}, {"length", length}};
        std::string summary = quoted(description) + " at " + h(base) + ", " + h(length) + " bytes";
        if (!r.at_end()) {
            j["trailing_bytes"] = r.remaining();
            summary += " (+" + bytes_word(r.remaining()) + ")";
        }
        return DecodedEventData{summary, j, false};
    });
}

// --- EV_NO_ACTION ----------------------------------------------------------

DecodedEventData spec_id_event(Bytes data, DecodeBudget& budget) {
    return guarded("Spec ID event", "spec_id_event", data, [&] {
        ByteReader r(data, "event data");
        r.skip(16, "signature");
        const std::uint32_t platform_class = r.le32("platformClass");
        const std::uint8_t minor = r.u8("specVersionMinor");
        const std::uint8_t major = r.u8("specVersionMajor");
        const std::uint8_t errata = r.u8("specErrata");
        const std::uint8_t uintn = r.u8("uintnSize");
        const std::uint32_t count = r.le32("numberOfAlgorithms");
        if (count > r.remaining() / 4)
            fail("numberOfAlgorithms " + std::to_string(count) + " runs past the end (" + bytes_word(r.remaining()) + " left)");
        budget.spend(count);
        json algs = json::array();
        std::string alg_text;
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::uint16_t id = r.le16("algorithmId");
            const std::uint16_t size = r.le16("digestSize");
            algs.push_back({{"id", h(id)}, {"name", tcg_algorithm_name(id)}, {"digest_size", size}});
            alg_text += (i ? ", " : "") + tcg_algorithm_name(id) + "/" + std::to_string(size);
        }
        const std::uint8_t vendor_size = r.u8("vendorInfoSize");
        Bytes vendor = r.bytes(vendor_size, "vendorInfo");
        json j = {{"format", "spec_id_event"},
                  {"signature", "Spec ID Event03"},
                  {"platform_class", platform_class},
                  {"spec_version", std::to_string(major) + "." + std::to_string(minor)},
                  {"spec_errata", errata},
                  {"uintn_size", uintn},
                  {"algorithms", algs},
                  {"vendor_info", hex_prefix(vendor, kDetailHex)}};
        std::string summary = "Spec ID Event03: platform class " + std::to_string(platform_class) + ", TCG PFP " + std::to_string(major) + "." +
                              std::to_string(minor) + " errata " + std::to_string(errata) + ", UINTN " +
                              (uintn == 1   ? "32-bit"
                               : uintn == 2 ? "64-bit"
                                            : "size " + std::to_string(uintn)) +
                              ", algorithms " + alg_text;
        if (vendor_size) summary += ", " + bytes_word(vendor_size) + " of vendor info";
        return DecodedEventData{summary, j, false};
    });
}

// TCG_Sp800_155_PlatformId_Event and its later versions share this prefix:
// vendor id, reference manifest GUID, four u8-sized strings, firmware
// manufacturer id, firmware version. Later versions append locators.
DecodedEventData sp800_155_event(Bytes data) {
    return guarded("SP800-155 event", "sp800_155_event", data, [&] {
        ByteReader r(data, "event data");
        const std::string signature = bytes_as_text(c_string(r.bytes(16, "Signature")));
        const std::uint32_t vendor = r.le32("VendorId");
        const ovmf::Guid manifest = guid_at(r.bytes(16, "ReferenceManifestGuid"));
        auto str = [&](const char* field) {
            const std::uint8_t n = r.u8(field);
            return bytes_as_text(c_string(r.bytes(n, field)));
        };
        const std::string manufacturer = str("PlatformManufacturerStr");
        const std::string model = str("PlatformModel");
        const std::string version = str("PlatformVersion");
        const std::string fw_manufacturer = str("FirmwareManufacturerStr");
        const std::uint32_t fw_manufacturer_id = r.le32("FirmwareManufacturerId");
        const std::string fw_version = str("FirmwareVersion");
        json j = {{"format", "sp800_155_event"},
                  {"signature", signature},
                  {"vendor_id", h(vendor)},
                  {"reference_manifest_guid", manifest.to_string()},
                  {"platform_manufacturer", manufacturer},
                  {"platform_model", model},
                  {"platform_version", version},
                  {"firmware_manufacturer", fw_manufacturer},
                  {"firmware_manufacturer_id", h(fw_manufacturer_id)},
                  {"firmware_version", fw_version},
                  {"more_bytes", r.remaining()}};
        std::string summary = signature + ": platform " + quoted(manufacturer) + " " + quoted(model) + " " + quoted(version) + ", firmware " +
                              quoted(fw_manufacturer) + " " + quoted(fw_version);
        if (!r.at_end()) summary += " (+" + bytes_word(r.remaining()) + ")";
        return DecodedEventData{summary, j, false};
    });
}

DecodedEventData no_action(Bytes data, DecodeBudget& budget) {
    static constexpr char kSpecId[] = "Spec ID Event03";
    static constexpr char kLocality[] = "StartupLocality";
    static constexpr char kSp800[] = "SP800-155 Event";
    if (starts_with(data, kSpecId, sizeof kSpecId)) return spec_id_event(data, budget);
    if (starts_with(data, kSp800, sizeof kSp800 - 1)) return sp800_155_event(data);
    if (starts_with(data, kLocality, sizeof kLocality)) {
        return guarded("StartupLocality event", "startup_locality", data, [&] {
            ByteReader r(data, "event data");
            r.skip(sizeof kLocality, "Signature");
            const std::uint8_t locality = r.u8("StartupLocality");
            if (!r.at_end()) fail(bytes_word(r.remaining()) + " after StartupLocality");
            return DecodedEventData{"StartupLocality " + std::to_string(locality),
                                    {{"format", "startup_locality"}, {"locality", locality}},
                                    false};
        });
    }
    // Other EV_NO_ACTION events start with a NUL-terminated ASCII signature
    // in 16 bytes ("NvIndexInstance", "H-CRTM CompMeas", ...).
    Bytes head = c_string(data.first(data.size() < 16 ? data.size() : 16));
    if (head.size() < 16 && head.size() < data.size() && looks_like_ascii_text(head)) {
        const std::string signature = bytes_as_text(head);
        Bytes rest = data.subspan(data.size() < 16 ? data.size() : 16);
        return {"signature " + quoted(signature) + ", " + bytes_word(rest.size()) + (rest.empty() ? "" : ": " + hex_prefix(rest, kSummaryHex)),
                {{"format", "no_action"}, {"signature", signature}, {"size", data.size()}, {"hex", hex_prefix(rest, kDetailHex)}},
                false};
    }
    return hex_data(data);
}

DecodedEventData decode(std::uint32_t type, Bytes data, DecodeBudget& budget) {
    switch (type) {
        case ev::kEfiAction:
        case ev::kAction: return string_data(data);
        case ev::kPlatformConfigFlags: return platform_config_flags(data);
        case ev::kSCrtmVersion: return crtm_version(data);
        case ev::kPostCode:
        case ev::kSCrtmContents: return text_or_blob(data);
        case ev::kEfiVariableDriverConfig:
        case ev::kEfiVariableBoot:
        case ev::kEfiVariableBoot2:
        case ev::kEfiVariableAuthority: return variable_data(type, data, budget);
        case ev::kEfiBootServicesApplication:
        case ev::kEfiBootServicesDriver:
        case ev::kEfiRuntimeServicesDriver: return image_load(data, budget);
        case ev::kEventTag: return tagged_event(data);
        case ev::kEfiHandoffTables: return handoff_tables(data, false, budget);
        case ev::kEfiHandoffTables2: return handoff_tables(data, true, budget);
        case ev::kEfiPlatformFirmwareBlob: return firmware_blob(data);
        case ev::kEfiPlatformFirmwareBlob2: return firmware_blob2(data);
        case ev::kSeparator: return separator(data);
        case ev::kNoAction: return no_action(data, budget);
        default: break;
    }
    if (looks_like_ascii_text(data)) return string_data(data);
    if (looks_like_utf16(data) && looks_like_ascii_text(data.first(1))) return utf16_data(data);
    return hex_data(data);
}

}  // namespace

DecodedEventData decode_event_data(std::uint32_t type, Bytes data, DecodeBudget& budget) {
    if (data.empty() && type != ev::kEfiAction && type != ev::kAction) return hex_data(data);
    // The decoders catch their own read errors; this is the last line for
    // anything else (an allocation failure on a huge count, say).
    DecodedEventData d;
    try {
        d = decode(type, data, budget);
        d.detail["size"] = data.size();
    } catch (const std::exception& e) {
        d = malformed(event_type_name(type) + " data", "hex", data, e.what());
    }
    // The one error that is not about this event's bytes: the log as a whole
    // decoded to more than the limit allows.
    budget.check();
    return d;
}

}  // namespace tdx
