// Firmware diff: the TDVF sections (what MR_TD covers and where the TD's
// memory goes) by position, and the firmware-volume modules by GUID.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/digest.h"
#include "diff/image_diff.h"
#include "ovmf/firmware_volume.h"
#include "ovmf/tdvf.h"

namespace tdx::builder {
namespace {

std::string section_hash(Bytes file, const ovmf::TdvfSection& s) {
    if (s.raw_data_size == 0) return "none";
    try {
        return to_hex(sha256(slice(file, s.data_offset, s.raw_data_size, "section")));
    } catch (const Error&) {
        return "outside the file";
    }
}

std::string describe(const ovmf::TdvfSection& s) {
    return ovmf::section_type_name(s.type) + " at " + hex_u64(s.data_offset) + ", " + hex_u64(s.raw_data_size) + " bytes";
}

struct Module {
    std::string ui_name, type, version, state, sections;
    std::uint64_t size = 0;
    std::optional<std::string> sha256;  // only for files stored as they are in the image
};

// Keyed by GUID, and by occurrence for a GUID seen more than once (a driver
// both in a compressed volume and outside it), so the order is the GUIDs'.
std::map<std::string, Module> modules_of(Bytes image) {
    const ovmf::FirmwareInventory inv = ovmf::scan_firmware_volumes(image);
    std::map<std::string, Module> out;
    std::map<std::string, unsigned> seen;
    for (const ovmf::FfsFile& f : inv.files) {
        const std::string guid = f.name.to_string();
        const unsigned n = seen[guid]++;
        Module m;
        m.ui_name = f.ui_name;
        m.type = ovmf::ffs_file_type_name(f.type);
        m.version = f.version;
        m.state = ovmf::file_state_name(f.state);
        for (const std::string& s : f.sections) m.sections += (m.sections.empty() ? "" : " ") + s;
        m.size = f.size;
        if (f.image_offset) {
            try {
                m.sha256 = to_hex(sha256(slice(image, *f.image_offset, f.size, "module")));
            } catch (const Error&) {
            }
        }
        out.emplace(n == 0 ? guid : guid + "#" + std::to_string(n), std::move(m));
    }
    return out;
}

std::string module_where(const std::string& where, const std::string& key, const Module& m) {
    return where + ":module " + key + (m.ui_name.empty() ? "" : " (" + m.ui_name + ")");
}

void diff_modules(Bytes a, Bytes b, const std::string& where, std::vector<Difference>& out) {
    const std::map<std::string, Module> ma = modules_of(a), mb = modules_of(b);
    std::set<std::string> keys;
    for (const auto& [k, m] : ma) keys.insert(k);
    for (const auto& [k, m] : mb) keys.insert(k);
    for (const std::string& k : keys) {
        const auto ia = ma.find(k), ib = mb.find(k);
        if (ib == mb.end()) {
            out.push_back(
                {module_where(where, k, ia->second), "only in A", ia->second.type + ", " + std::to_string(ia->second.size) + " bytes", ""});
            continue;
        }
        if (ia == ma.end()) {
            out.push_back(
                {module_where(where, k, ib->second), "only in B", "", ib->second.type + ", " + std::to_string(ib->second.size) + " bytes"});
            continue;
        }
        const Module &x = ia->second, &y = ib->second;
        const std::string at = module_where(where, k, x);
        auto add = [&](const std::string& what, const std::string& p, const std::string& q) {
            if (p != q) out.push_back({at, what, p, q});
        };
        add("ui name", x.ui_name, y.ui_name);
        add("type", x.type, y.type);
        add("state", x.state, y.state);
        add("version", x.version, y.version);
        add("size", std::to_string(x.size), std::to_string(y.size));
        add("sections", x.sections, y.sections);
        if (x.sha256 && y.sha256) add("content sha256", *x.sha256, *y.sha256);
    }
}

}  // namespace

std::vector<Difference> diff_firmware(Bytes a, Bytes b, const std::string& where) {
    std::vector<Difference> out;
    if (a.size() != b.size()) out.push_back({where, "size", std::to_string(a.size()), std::to_string(b.size())});
    const ovmf::TdvfImage ia = ovmf::parse_tdvf(a), ib = ovmf::parse_tdvf(b);
    if (ia.descriptor.has_value() != ib.descriptor.has_value())
        out.push_back({where, "TDVF descriptor", ia.descriptor ? "present" : "absent", ib.descriptor ? "present" : "absent"});
    if (ia.descriptor && ib.descriptor) {
        const auto &sa = ia.descriptor->sections, &sb = ib.descriptor->sections;
        if (sa.size() != sb.size()) out.push_back({where, "TDVF section count", std::to_string(sa.size()), std::to_string(sb.size())});
        for (std::size_t i = 0; i < std::max(sa.size(), sb.size()); ++i) {
            const std::string at = where + ":TDVF section " + std::to_string(i);
            if (i >= sb.size()) {
                out.push_back({at, "only in A", describe(sa[i]), ""});
                continue;
            }
            if (i >= sa.size()) {
                out.push_back({at, "only in B", "", describe(sb[i])});
                continue;
            }
            const ovmf::TdvfSection &x = sa[i], &y = sb[i];
            auto add = [&](const std::string& what, const std::string& p, const std::string& q) {
                if (p != q) out.push_back({at + " (" + ovmf::section_type_name(x.type) + ")", what, p, q});
            };
            add("type", ovmf::section_type_name(x.type), ovmf::section_type_name(y.type));
            add("data offset", hex_u64(x.data_offset), hex_u64(y.data_offset));
            add("raw size", hex_u64(x.raw_data_size), hex_u64(y.raw_data_size));
            add("memory address", hex_u64(x.memory_address), hex_u64(y.memory_address));
            add("memory size", hex_u64(x.memory_data_size), hex_u64(y.memory_data_size));
            add("attributes", hex_u64(x.attributes), hex_u64(y.attributes));
            add("content sha256", section_hash(a, x), section_hash(b, y));
        }
    }
    diff_modules(a, b, where, out);
    return out;
}

}  // namespace tdx::builder
