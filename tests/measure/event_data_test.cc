// Event data decoding: the payloads OVMF, the Linux EFI stub and shim log,
// built here byte by byte (or with the project's own encoders, whose digests
// are the measurement reference's constants), and hostile payloads that must
// decode to a "malformed" note without throwing.
#include "measure/event_data.h"

#include <cstdint>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/limits.h"
#include "measure/event_types.h"
#include "measure/uefi_variable.h"
#include "tests/support/catch.h"

using namespace tdx;
using nlohmann::json;

namespace {

using Buf = std::vector<std::uint8_t>;

void put(Buf& b, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void put(Buf& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }
void put(Buf& b, const Buf& x) { b.insert(b.end(), x.begin(), x.end()); }
void put_utf16(Buf& b, const std::string& ascii) {
    for (char c : ascii) put(b, static_cast<std::uint8_t>(c), 2);
}
void put_guid(Buf& b, const std::string& text) {
    const ovmf::Guid g = ovmf::Guid::parse(text);
    b.insert(b.end(), g.bytes.begin(), g.bytes.end());
}
Buf node(std::uint8_t type, std::uint8_t subtype, const Buf& body) {
    Buf n{type, subtype};
    put(n, body.size() + 4, 2);
    put(n, body);
    return n;
}
const Buf kEndNode{0x7f, 0xff, 0x04, 0x00};

DecodedEventData decode(std::uint32_t type, const Buf& b) {
    DecodeBudget budget("log.bin");
    return decode_event_data(type, Bytes(b.data(), b.size()), budget);
}

std::string digest_of(const Buf& b) { return to_hex(sha384(Bytes(b.data(), b.size()))); }

// The kernel's UEFI_IMAGE_LOAD_EVENT as OVMF logs it for QEMU -kernel.
Buf kernel_image_load() {
    Buf path = node(4, 3, [] {
        Buf g;
        put_guid(g, "1428f772-b64a-441e-b8c3-9ebdd7f893c7");
        return g;
    }());
    Buf file;
    put_utf16(file, "kernel");
    put(file, 0, 2);
    put(path, node(4, 4, file));
    put(path, kEndNode);
    Buf b;
    put(b, 0x1cbd9018, 8);
    put(b, 0xd877c0, 8);
    put(b, 0, 8);
    put(b, path.size(), 8);
    put(b, path);
    return b;
}

Buf tagged(std::uint32_t id, const std::string& text) {
    Buf b;
    put(b, id, 4);
    put(b, text.size() + 1, 4);
    put(b, text);
    b.push_back(0);
    return b;
}

}  // namespace

TEST_CASE("event_data: strings of EV_EFI_ACTION, EV_PLATFORM_CONFIG_FLAGS and EV_S_CRTM_VERSION") {
    auto a = decode(ev::kEfiAction, Buf{'C', 'a', 'l', 'l'});
    CHECK(a.summary == "\"Call\"");
    CHECK(a.detail["format"] == "string");
    CHECK(a.detail["text"] == "Call");
    CHECK(!a.malformed);

    Buf acpi;
    put(acpi, "ACPI DATA");
    auto p = decode(ev::kPlatformConfigFlags, acpi);
    CHECK(p.summary == "\"ACPI DATA\"");

    // edk2's fw_cfg event: "QEMU FW CFG\0" and the 56-byte item name.
    Buf fw;
    put(fw, std::string("QEMU FW CFG", 12));
    Buf name(56, 0);
    const std::string item = "etc/extra-pci-roots";
    std::copy(item.begin(), item.end(), name.begin());
    put(fw, name);
    auto f = decode(ev::kPlatformConfigFlags, fw);
    CHECK(f.summary == "QEMU FW CFG \"etc/extra-pci-roots\"");
    CHECK(f.detail["format"] == "fw_cfg_item");
    CHECK(f.detail["name"] == item);

    Buf v16;
    put_utf16(v16, "edk2 2024.11");
    put(v16, 0, 2);
    auto v = decode(ev::kSCrtmVersion, v16);
    CHECK(v.summary == "\"edk2 2024.11\" (UTF-16)");
    CHECK(v.detail["format"] == "utf16_string");
    CHECK(decode(ev::kSCrtmVersion, Buf{0, 0}).summary == "\"\" (UTF-16)");  // OVMF's empty version string
    Buf ascii;
    put(ascii, "1.2.3");
    CHECK(decode(ev::kSCrtmVersion, ascii).summary == "\"1.2.3\"");

    // Control characters and invalid UTF-8 stay printable and JSON-safe.
    auto odd = decode(ev::kEfiAction, Buf{'a', '\n', 0xff, 'b', 0xc3, 0xa9});
    CHECK(odd.summary == "\"a\\n\\\\xffb\xc3\xa9\"");
    CHECK(odd.detail["text"] == "a\n\\xffb\xc3\xa9");
    CHECK_NOTHROW(odd.detail.dump());
}

TEST_CASE("event_data: UEFI_VARIABLE_DATA of the reference's Secure Boot, BootOrder and Boot0000 events") {
    const Buf secure_boot = uefi_variable_data(efi_global_variable_guid(), "SecureBoot", {});
    REQUIRE(digest_of(secure_boot) == "9dc3a1f80bcec915391dcda5ffbb15e7419f77eab462bbf72b42166fb70d50325e37b36f93537a863769bcf9bedae6fb");
    auto sb = decode(ev::kEfiVariableDriverConfig, secure_boot);
    CHECK(sb.summary == "SecureBoot (EFI global variable), 0 bytes");
    CHECK(sb.detail["format"] == "uefi_variable_data");
    CHECK(sb.detail["vendor_guid"] == "8be4df61-93ca-11d2-aa0d-00e098032b8c");
    CHECK(sb.detail["vendor_name"] == "EFI global variable");
    CHECK(sb.detail["name"] == "SecureBoot");
    CHECK(sb.detail["data_length"] == 0);

    const Buf one{1};
    CHECK(decode(ev::kEfiVariableDriverConfig, uefi_variable_data(efi_global_variable_guid(), "SecureBoot", Bytes(one.data(), 1))).summary ==
          "SecureBoot (EFI global variable), 1 byte: = 1");
    CHECK(decode(ev::kEfiVariableDriverConfig, uefi_variable_data(image_security_database_guid(), "dbx", {})).summary ==
          "dbx (image security database), 0 bytes");

    // BootOrder: the digest covers the data only (00 00), the log holds UEFI_VARIABLE_DATA.
    const Buf order{0, 0};
    REQUIRE(digest_of(order) == "1dd6f7b457ad880d840d41c961283bab688e94e4b59359ea45686581e90feccea3c624b1226113f824f315eb60ae0a7c");
    auto bo = decode(ev::kEfiVariableBoot, uefi_variable_data(efi_global_variable_guid(), "BootOrder", Bytes(order.data(), 2)));
    CHECK(bo.summary == "BootOrder (EFI global variable), 2 bytes: 0000");
    const Buf two{0, 0, 1, 0};
    auto bo2 = decode(ev::kEfiVariableBoot2, uefi_variable_data(efi_global_variable_guid(), "BootOrder", Bytes(two.data(), 4)));
    CHECK(bo2.summary == "BootOrder (EFI global variable), 4 bytes: 0000,0001");
    CHECK(bo2.detail["value"]["entries"] == json::array({"0000", "0001"}));

    const Buf ui_app = fv_app_load_option(kLoadOptionActive | kLoadOptionHidden | kLoadOptionCategoryApp, "UiApp", ovmf_dxe_fv_guid(),
                                          ui_app_file_guid());
    REQUIRE(digest_of(ui_app) == "23ada07f5261f12f34a0bd8e46760962d6b4d576a416f1fea1c64bc656b1d28eacf7047ae6e967c58fd2a98bfa74c298");
    auto boot = decode(ev::kEfiVariableBoot, uefi_variable_data(efi_global_variable_guid(), "Boot0000", Bytes(ui_app.data(), ui_app.size())));
    CHECK(!boot.malformed);
    CHECK(boot.summary ==
          "Boot0000 (EFI global variable), 62 bytes: \"UiApp\", attributes 0x109 (ACTIVE|HIDDEN|CATEGORY_APP), "
          "Fv(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)");
    const json& value = boot.detail["value"];
    CHECK(value["description"] == "UiApp");
    CHECK(value["attributes"] == "0x109");
    CHECK(value["optional_data_size"] == 0);
    REQUIRE(value["device_path_nodes"].size() == 2);
    CHECK(value["device_path_nodes"][1]["guid_name"] == "UiApp");

    // shim's SbatLevel (reference constant f143e294...) is text.
    const std::string sbat = "sbat,1,2021030218\n";
    const Buf sbat_data(sbat.begin(), sbat.end());
    auto s = decode(ev::kEfiVariableDriverConfig, uefi_variable_data(ovmf::Guid::parse("605dab50-e046-4300-abb6-3dd810dd8b23"), "SbatLevel",
                                                                     Bytes(sbat_data.data(), sbat_data.size())));
    CHECK(s.summary == "SbatLevel (shim), 18 bytes: \"sbat,1,2021030218\\n\"");
}

TEST_CASE("event_data: EFI_SIGNATURE_LIST counts in PK/KEK/db") {
    Buf lists;
    put_guid(lists, "a5c059a1-94e4-4aa7-87b5-ab155c2bf072");  // X.509
    put(lists, 28 + 16 + 20, 4);
    put(lists, 0, 4);
    put(lists, 16 + 20, 4);
    put(lists, Buf(36, 0xaa));
    put_guid(lists, "c1c41626-504c-4092-aca9-41f936934328");  // SHA-256
    put(lists, 28 + 2 * 48, 4);
    put(lists, 0, 4);
    put(lists, 48, 4);
    put(lists, Buf(96, 0xbb));
    auto d = decode(ev::kEfiVariableDriverConfig, uefi_variable_data(image_security_database_guid(), "db", Bytes(lists.data(), lists.size())));
    CHECK(!d.malformed);
    CHECK(d.summary == "db (image security database), 188 bytes: 1 x X.509 certificate, 2 x SHA-256 hash");

    Buf bad = lists;
    bad[16] = 0xff;  // SignatureListSize far past the end
    auto m = decode(ev::kEfiVariableDriverConfig, uefi_variable_data(image_security_database_guid(), "db", Bytes(bad.data(), bad.size())));
    CHECK(m.malformed);
    CHECK(m.detail["name"] == "db");  // the variable itself still decodes
    CHECK_THAT(m.summary, TDX_CONTAINS("malformed value"));
}

TEST_CASE("event_data: UEFI_IMAGE_LOAD_EVENT device paths") {
    auto k = decode(ev::kEfiBootServicesApplication, kernel_image_load());
    CHECK(!k.malformed);
    CHECK(k.summary == "image at 0x1cbd9018 (0xd877c0 bytes): VenMedia(1428f772-b64a-441e-b8c3-9ebdd7f893c7)/kernel");
    CHECK(k.detail["device_path_nodes"][0]["guid_name"] == "QEMU kernel loader");
    CHECK(k.detail["image_length"] == 0xd877c0);

    // A disk boot: PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x0,0x0)/HD(...)/\EFI\BOOT\BOOTX64.EFI, then an unknown node.
    Buf path = node(2, 1, [] {
        Buf b;
        put(b, 0x0A0341D0, 4);
        put(b, 0, 4);
        return b;
    }());
    put(path, node(1, 1, Buf{0x00, 0x03}));
    put(path, node(3, 2, Buf{0, 0, 0, 0}));
    Buf hd;
    put(hd, 1, 4);
    put(hd, 0x800, 8);
    put(hd, 0x100000, 8);
    put_guid(hd, "0fc63daf-8483-4772-8e79-3d69d8477de4");
    hd.push_back(2);
    hd.push_back(2);
    put(path, node(4, 1, hd));
    Buf file;
    put_utf16(file, "\\EFI\\BOOT\\BOOTX64.EFI");
    put(file, 0, 2);
    put(path, node(4, 4, file));
    put(path, node(9, 9, Buf{0xab, 0xcd}));
    put(path, kEndNode);
    Buf ev_data;
    put(ev_data, Buf(24, 0));
    put(ev_data, path.size(), 8);
    put(ev_data, path);
    auto d = decode(ev::kEfiBootServicesApplication, ev_data);
    CHECK(!d.malformed);
    CHECK(d.detail["device_path"] ==
          "PciRoot(0x0)/Pci(0x3,0x0)/Scsi(0x0,0x0)/HD(1,GPT,0fc63daf-8483-4772-8e79-3d69d8477de4,0x800,0x100000)/"
          "\\EFI\\BOOT\\BOOTX64.EFI/Path(9,9,abcd)");
    CHECK(!d.detail.contains("device_path_problem"));
}

TEST_CASE("event_data: tagged events, handoff tables, firmware blobs, separators") {
    auto opts = decode(ev::kEventTag, tagged(kLinuxLoadOptionsTagId, "LOADED_IMAGE::LoadOptions"));
    CHECK(opts.summary == "tag 0x8f3b22ed (Linux load options): \"LOADED_IMAGE::LoadOptions\"");
    CHECK(opts.detail["tag_name"] == "Linux load options");
    CHECK(opts.detail["text"] == "LOADED_IMAGE::LoadOptions");
    auto initrd = decode(ev::kEventTag, tagged(kLinuxInitrdTagId, "Linux initrd"));
    CHECK(initrd.summary == "tag 0x8f3b22ec (Linux initrd): \"Linux initrd\"");
    CHECK(decode(ev::kEventTag, tagged(0x1234, "x")).summary == "tag 0x1234: \"x\"");

    // TDVF's TD HOB event: u8 size, "TdxTable\0", one configuration table.
    Buf hob;
    hob.push_back(9);
    put(hob, std::string("TdxTable", 9));
    put(hob, 1, 8);
    put_guid(hob, "7739f24c-93d7-11d4-9a3a-0090273fc14d");
    put(hob, 0x809000, 8);
    auto h = decode(ev::kEfiHandoffTables2, hob);
    CHECK(h.summary == "\"TdxTable\", 1 table: HOB list at 0x809000");
    CHECK(h.detail["description"] == "TdxTable");
    CHECK(h.detail["tables"][0]["address"] == "0x809000");

    Buf cfv;
    const std::string desc = "Fv(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)";
    cfv.push_back(static_cast<std::uint8_t>(desc.size() + 1));
    put(cfv, desc);
    cfv.push_back(0);
    put(cfv, 0xffc00000, 8);
    put(cfv, 0x84000, 8);
    auto c = decode(ev::kEfiPlatformFirmwareBlob2, cfv);
    CHECK(c.summary == "\"" + desc + "\" at 0xffc00000, 0x84000 bytes");
    CHECK(c.detail["length"] == 0x84000);

    Buf blob;
    put(blob, 0x820000, 8);
    put(blob, 0xe0000, 8);
    CHECK(decode(ev::kEfiPlatformFirmwareBlob, blob).summary == "firmware blob at 0x820000, 0xe0000 bytes");

    CHECK(decode(ev::kSeparator, Buf{0, 0, 0, 0}).summary == "separator (0x0)");
    CHECK(decode(ev::kSeparator, Buf{0xff, 0xff, 0xff, 0xff}).summary == "error separator (a measurement failed) (0xffffffff)");
    auto short_sep = decode(ev::kSeparator, Buf{0, 0, 0});
    CHECK(short_sep.malformed);
    CHECK_THAT(short_sep.summary, TDX_CONTAINS("malformed separator"));
}

TEST_CASE("event_data: EV_NO_ACTION: Spec ID, StartupLocality, SP800-155, other signatures") {
    Buf spec;
    put(spec, std::string("Spec ID Event03", 16));
    put(spec, 0, 4);
    spec.insert(spec.end(), {0, 2, 0, 2});
    put(spec, 2, 4);
    put(spec, 0x000B, 2);
    put(spec, 32, 2);
    put(spec, 0x000C, 2);
    put(spec, 48, 2);
    spec.push_back(0);
    auto s = decode(ev::kNoAction, spec);
    CHECK(s.summary == "Spec ID Event03: platform class 0, TCG PFP 2.0 errata 0, UINTN 64-bit, algorithms sha256/32, sha384/48");
    CHECK(s.detail["algorithms"][1]["name"] == "sha384");

    Buf loc;
    put(loc, std::string("StartupLocality", 16));
    loc.push_back(3);
    CHECK(decode(ev::kNoAction, loc).summary == "StartupLocality 3");

    Buf sp;
    put(sp, std::string("SP800-155 Event", 16));
    put(sp, 0x1234, 4);
    put_guid(sp, "8be4df61-93ca-11d2-aa0d-00e098032b8c");
    for (const std::string s2 : {"QEMU", "q35", "10.0"}) {
        sp.push_back(static_cast<std::uint8_t>(s2.size()));
        put(sp, s2);
    }
    sp.push_back(4);
    put(sp, "edk2");
    put(sp, 0x5678, 4);
    sp.push_back(3);
    put(sp, "1.0");
    auto p = decode(ev::kNoAction, sp);
    CHECK(!p.malformed);
    CHECK(p.summary == "SP800-155 Event: platform \"QEMU\" \"q35\" \"10.0\", firmware \"edk2\" \"1.0\"");
    sp.resize(sp.size() - 2);
    CHECK(decode(ev::kNoAction, sp).malformed);

    Buf other;
    put(other, std::string("NvIndexInstance", 16));
    other.insert(other.end(), {1, 2});
    CHECK(decode(ev::kNoAction, other).summary == "signature \"NvIndexInstance\", 2 bytes: 0102");
}

TEST_CASE("event_data: unknown types and binary data fall back to hex") {
    auto u = decode(0x12345678, Buf{0x01, 0x02, 0xfe});
    CHECK(u.summary == "3 bytes: 0102fe");
    CHECK(u.detail["format"] == "hex");
    auto empty = decode(ev::kEfiVariableBoot, Buf{});
    CHECK(empty.summary == "(no data)");
    CHECK(!empty.malformed);
    auto big = decode(ev::kPostCode, Buf(100, 0x80));
    std::string hex;
    for (int i = 0; i < 32; ++i) hex += "80";
    CHECK(big.summary == "100 bytes: " + hex + "...");
}

TEST_CASE("event_data: malformed payloads become notes, not exceptions") {
    struct Case {
        const char* what;
        std::uint32_t type;
        Buf data;
        const char* note;
    };
    std::vector<Case> cases;
    {
        Buf b = uefi_variable_data(efi_global_variable_guid(), "SecureBoot", {});
        b.resize(30);
        cases.push_back({"truncated UEFI_VARIABLE_DATA", ev::kEfiVariableDriverConfig, b, "malformed UEFI_VARIABLE_DATA"});
    }
    {
        Buf b = uefi_variable_data(efi_global_variable_guid(), "SecureBoot", {});
        store_le64(std::span<std::uint8_t>(b), 16, 0x8000000000000001ull);  // name length that overflows x2
        cases.push_back({"absurd name length", ev::kEfiVariableDriverConfig, b, "UnicodeNameLength"});
    }
    {
        Buf b = uefi_variable_data(efi_global_variable_guid(), "SecureBoot", {});
        store_le64(std::span<std::uint8_t>(b), 24, 0xffffffffffffffffull);
        cases.push_back({"absurd data length", ev::kEfiVariableDriverConfig, b, "VariableDataLength"});
    }
    {
        Buf opt;
        put(opt, 1, 4);
        put(opt, 4, 2);
        put_utf16(opt, "no terminator");
        cases.push_back({"load option without a NUL", ev::kEfiVariableBoot,
                         uefi_variable_data(efi_global_variable_guid(), "Boot0001", Bytes(opt.data(), opt.size())), "malformed value"});
    }
    {
        Buf b = kernel_image_load();
        store_le64(std::span<std::uint8_t>(b), 24, 0xfffffffffffffff0ull);
        cases.push_back({"device path length past the end", ev::kEfiBootServicesApplication, b, "LengthOfDevicePath"});
    }
    {
        Buf b = tagged(kLinuxInitrdTagId, "Linux initrd");
        store_le32(std::span<std::uint8_t>(b), 4, 0xffffffffu);
        cases.push_back({"tagged size past the end", ev::kEventTag, b, "taggedEventDataSize"});
    }
    {
        Buf b;
        b.push_back(9);
        put(b, std::string("TdxTable", 9));
        put(b, 0x0fffffffffffffffull, 8);
        cases.push_back({"absurd table count", ev::kEfiHandoffTables2, b, "NumberOfTables"});
    }
    {
        Buf b{40, 'F', 'v'};
        cases.push_back({"blob description past the end", ev::kEfiPlatformFirmwareBlob2, b, "malformed UEFI_PLATFORM_FIRMWARE_BLOB2"});
    }
    {
        Buf b{0x20};
        cases.push_back({"handoff table v1 cut short", ev::kEfiHandoffTables, b, "malformed UEFI_HANDOFF_TABLE_POINTERS"});
    }
    for (const Case& c : cases) {
        INFO(c.what);
        DecodedEventData d;
        REQUIRE_NOTHROW(d = decode(c.type, c.data));
        CHECK(d.malformed);
        CHECK_THAT(d.summary, TDX_CONTAINS(c.note));
        CHECK(d.detail.contains("malformed"));
        CHECK_NOTHROW(d.detail.dump());
    }

    // Device path nodes with a length below 4 or past the end stop the walk
    // (no endless loop) and are reported, while the event itself decodes.
    for (int bad_len : {0, 2, 3, 200}) {
        INFO(bad_len);
        Buf path{0x04, 0x04};
        put(path, static_cast<std::uint64_t>(bad_len), 2);
        put(path, Buf(8, 0x41));
        Buf b;
        put(b, Buf(24, 0));
        put(b, path.size(), 8);
        put(b, path);
        DecodedEventData d;
        REQUIRE_NOTHROW(d = decode(ev::kEfiBootServicesDriver, b));
        CHECK(d.detail.contains("device_path_problem"));
        CHECK_THAT(d.summary, TDX_CONTAINS("[device path: node at path offset 0x0 has length"));
    }
}

TEST_CASE("event_data: random and mutated payloads never throw and always give valid JSON") {
    // A fixed linear congruential generator: the same bytes on every run.
    std::uint64_t state = 0x243f6a8885a308d3ull;
    auto next = [&] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint8_t>(state >> 56);
    };
    const std::vector<std::uint32_t> types = {ev::kEfiAction,
                                              ev::kPlatformConfigFlags,
                                              ev::kSCrtmVersion,
                                              ev::kPostCode,
                                              ev::kEfiVariableDriverConfig,
                                              ev::kEfiVariableBoot,
                                              ev::kEfiVariableBoot2,
                                              ev::kEfiVariableAuthority,
                                              ev::kEfiBootServicesApplication,
                                              ev::kEventTag,
                                              ev::kEfiHandoffTables,
                                              ev::kEfiHandoffTables2,
                                              ev::kEfiPlatformFirmwareBlob,
                                              ev::kEfiPlatformFirmwareBlob2,
                                              ev::kSeparator,
                                              ev::kNoAction,
                                              0xdeadbeef};
    const Buf ui_app = fv_app_load_option(kLoadOptionActive, "UiApp", ovmf_dxe_fv_guid(), ui_app_file_guid());
    const std::vector<Buf> seeds = {
        uefi_variable_data(efi_global_variable_guid(), "Boot0000", Bytes(ui_app.data(), ui_app.size())),
        kernel_image_load(),
        tagged(kLinuxLoadOptionsTagId, "LOADED_IMAGE::LoadOptions"),
    };
    std::size_t decoded = 0;
    for (int round = 0; round < 400; ++round) {
        Buf b;
        if (round % 2 == 0) {
            b.resize(next() % 97);
            for (auto& x : b) x = next();
        } else {
            b = seeds[static_cast<std::size_t>(round / 2) % seeds.size()];
            for (int k = 0; k < 3; ++k) b[next() % b.size()] = next();
            if (next() % 3 == 0) b.resize(next() % (b.size() + 1));
        }
        for (std::uint32_t t : types) {
            DecodedEventData d;
            REQUIRE_NOTHROW(d = decode(t, b));
            REQUIRE_NOTHROW(d.detail.dump());  // strict: throws on invalid UTF-8
            REQUIRE(!d.summary.empty());
            ++decoded;
        }
    }
    CHECK(decoded == 400 * types.size());
}

TEST_CASE("event_data: what one log decodes to is bounded by event-log-nodes, across its events") {
    // A device path of 4-byte nodes: each decoded node costs far more than
    // its 4 bytes, so the nodes are counted, not the bytes.
    auto image_with_nodes = [](std::size_t nodes) {
        Buf path;
        for (std::size_t i = 0; i < nodes; ++i) put(path, node(1, 0x99, {}));
        put(path, kEndNode);
        Buf b(24, 0);
        put(b, path.size(), 8);
        put(b, path);
        return b;
    };
    ScopedLimit small(Limit::EventLogNodes, 1000);
    const Buf within = image_with_nodes(600);
    SECTION("one event within the limit decodes whole") {
        DecodeBudget budget("ccel.bin");
        const DecodedEventData d = decode_event_data(ev::kEfiBootServicesApplication, Bytes(within.data(), within.size()), budget);
        CHECK(d.detail["device_path_nodes"].size() == 600);
        CHECK(budget.used() == 601);  // and the end node
    }
    SECTION("two such events of one log exceed it, naming the log and the limit") {
        DecodeBudget budget("ccel.bin");
        (void)decode_event_data(ev::kEfiBootServicesApplication, Bytes(within.data(), within.size()), budget);
        CHECK_THROWS_WITH(
            decode_event_data(ev::kEfiBootServicesApplication, Bytes(within.data(), within.size()), budget),
            TDX_CONTAINS("ccel.bin: the structures decoded from its events") &&
                TDX_CONTAINS(
                    "exceeds the limit event-log-nodes (1000); if the input is legitimate, raise it with --limit event-log-nodes=VALUE"));
    }
    SECTION("one event over it stops decoding at the limit") {
        DecodeBudget budget("ccel.bin");
        const Buf big = image_with_nodes(100000);
        CHECK_THROWS_WITH(decode_event_data(ev::kEfiBootServicesApplication, Bytes(big.data(), big.size()), budget),
                          TDX_CONTAINS("exceeds the limit event-log-nodes"));
        CHECK(budget.used() == 1001);
    }
    SECTION("list entries count too: the entries of a BootOrder") {
        DecodeBudget budget("ccel.bin");
        const Buf order(2 * 1001, 0);
        const Buf var = uefi_variable_data(efi_global_variable_guid(), "BootOrder", Bytes(order.data(), order.size()));
        CHECK_THROWS_WITH(decode_event_data(ev::kEfiVariableBoot, Bytes(var.data(), var.size()), budget),
                          TDX_CONTAINS("exceeds the limit event-log-nodes"));
    }
}
