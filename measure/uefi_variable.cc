#include "measure/uefi_variable.h"

#include "base/error.h"

namespace tdx {
namespace {

void put_utf16(std::vector<std::uint8_t>& out, const std::string& ascii) {
    for (unsigned char c : ascii) {
        if (c == 0 || c >= 0x80) fail("UEFI name \"" + ascii + "\" is not plain ASCII", ErrorKind::Usage);
        out.push_back(c);
        out.push_back(0);
    }
}

void put_guid(std::vector<std::uint8_t>& out, const ovmf::Guid& g) { out.insert(out.end(), g.bytes.begin(), g.bytes.end()); }

// A PIWG firmware-volume (subtype 7) or firmware-file (subtype 6) media node.
void put_piwg_node(std::vector<std::uint8_t>& out, std::uint8_t subtype, const ovmf::Guid& g) {
    out.push_back(0x04);  // MEDIA_DEVICE_PATH
    out.push_back(subtype);
    append_le(out, 20, 2);
    put_guid(out, g);
}

}  // namespace

ovmf::Guid efi_global_variable_guid() { return ovmf::Guid::parse("8be4df61-93ca-11d2-aa0d-00e098032b8c"); }
ovmf::Guid image_security_database_guid() { return ovmf::Guid::parse("d719b2cb-3d3a-4596-a3bc-dad00e67656f"); }
ovmf::Guid ovmf_dxe_fv_guid() { return ovmf::Guid::parse("7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1"); }
ovmf::Guid ui_app_file_guid() { return ovmf::Guid::parse("462caa21-7614-4503-836e-8ab6f4662331"); }
ovmf::Guid boot_manager_menu_app_file_guid() { return ovmf::Guid::parse("eec25bdc-67f2-4d95-b1d5-f81b2039d11d"); }

std::vector<std::uint8_t> uefi_variable_data(const ovmf::Guid& vendor, const std::string& name, Bytes data) {
    std::vector<std::uint8_t> out;
    out.reserve(32 + name.size() * 2 + data.size());
    put_guid(out, vendor);
    append_le(out, name.size(), 8);
    append_le(out, data.size(), 8);
    put_utf16(out, name);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::vector<std::uint8_t> fv_app_load_option(std::uint32_t attributes, const std::string& description, const ovmf::Guid& fv,
                                             const ovmf::Guid& file) {
    std::vector<std::uint8_t> path;
    put_piwg_node(path, 0x07, fv);
    put_piwg_node(path, 0x06, file);
    path.insert(path.end(), {0x7f, 0xff, 0x04, 0x00});  // end of the whole device path

    std::vector<std::uint8_t> out;
    append_le(out, attributes, 4);
    append_le(out, path.size(), 2);
    put_utf16(out, description);
    append_le(out, 0, 2);
    out.insert(out.end(), path.begin(), path.end());
    return out;
}

}  // namespace tdx
