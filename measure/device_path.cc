#include "measure/device_path.h"

#include <cstdint>

#include "base/error.h"
#include "measure/event_text.h"

namespace tdx {
namespace {

constexpr std::uint8_t kHardware = 0x01;
constexpr std::uint8_t kAcpi = 0x02;
constexpr std::uint8_t kMessaging = 0x03;
constexpr std::uint8_t kMedia = 0x04;
constexpr std::uint8_t kBbs = 0x05;
constexpr std::uint8_t kEnd = 0x7F;
constexpr std::uint8_t kEndInstance = 0x01;
constexpr std::uint8_t kEndEntire = 0xFF;

// EISA-compressed PNP ids of the PCI and PCIe host bridges.
constexpr std::uint32_t kPnp0A03 = 0x0A0341D0;
constexpr std::uint32_t kPnp0A08 = 0x0A0841D0;

std::string h(std::uint64_t v) { return hex_u64(v); }

struct NodeText {
    std::string text;
    nlohmann::json extra = nlohmann::json::object();
};

NodeText guid_node(const char* label, ByteReader& r) {
    const ovmf::Guid g = guid_at(r.bytes(16, "GUID"));
    NodeText n{std::string(label) + "(" + g.to_string(), {{"guid", g.to_string()}}};
    const std::string name = known_guid_name(g);
    if (!name.empty()) n.extra["guid_name"] = name;
    if (r.remaining() > 0) n.text += "," + hex_prefix(r.bytes(r.remaining(), "vendor data"), 64);
    n.text += ")";
    return n;
}

// The body of one node (after its 4-byte header) as text. Throws tdx::Error
// when the body is too short for the node's fields.
NodeText node_text(std::uint8_t type, std::uint8_t subtype, Bytes body) {
    ByteReader r(body, "node");
    if (type == kHardware && subtype == 0x01) {
        const std::uint8_t function = r.u8("function");
        const std::uint8_t device = r.u8("device");
        return {"Pci(" + h(device) + "," + h(function) + ")"};
    }
    if (type == kHardware && subtype == 0x03) {
        const std::uint32_t mem_type = r.le32("memory type");
        const std::uint64_t start = r.le64("start");
        const std::uint64_t end = r.le64("end");
        return {"MemoryMapped(" + h(mem_type) + "," + h(start) + "," + h(end) + ")"};
    }
    if (type == kHardware && subtype == 0x04) return guid_node("VenHw", r);
    if (type == kAcpi && subtype == 0x01) {
        const std::uint32_t hid = r.le32("HID");
        const std::uint32_t uid = r.le32("UID");
        if (hid == kPnp0A03) return {"PciRoot(" + h(uid) + ")"};
        if (hid == kPnp0A08) return {"PcieRoot(" + h(uid) + ")"};
        return {"Acpi(" + h(hid) + "," + h(uid) + ")"};
    }
    if (type == kMessaging && subtype == 0x02) {
        const std::uint16_t target = r.le16("target");
        const std::uint16_t lun = r.le16("LUN");
        return {"Scsi(" + h(target) + "," + h(lun) + ")"};
    }
    if (type == kMessaging && subtype == 0x05) {
        const std::uint8_t port = r.u8("port");
        const std::uint8_t interface = r.u8("interface");
        return {"USB(" + h(port) + "," + h(interface) + ")"};
    }
    if (type == kMessaging && subtype == 0x0A) return guid_node("VenMsg", r);
    if (type == kMessaging && subtype == 0x0B) {
        Bytes mac = r.bytes(32, "MAC address");
        const std::uint8_t if_type = r.u8("interface type");
        return {"MAC(" + hex_prefix(mac.first(6), 6) + "," + h(if_type) + ")"};
    }
    if (type == kMessaging && subtype == 0x12) {
        const std::uint16_t hba = r.le16("HBA port");
        const std::uint16_t pm = r.le16("port multiplier port");
        const std::uint16_t lun = r.le16("LUN");
        return {"Sata(" + h(hba) + "," + h(pm) + "," + h(lun) + ")"};
    }
    if (type == kMessaging && subtype == 0x17) {
        const std::uint32_t nsid = r.le32("namespace id");
        Bytes eui = r.bytes(8, "EUI-64");
        std::string eui_text;
        for (std::size_t i = 0; i < eui.size(); ++i) eui_text += (i ? "-" : "") + hex_prefix(eui.subspan(i, 1), 1);
        return {"NVMe(" + h(nsid) + "," + eui_text + ")"};
    }
    if (type == kMessaging && subtype == 0x18) return {"Uri(" + bytes_as_text(r.bytes(r.remaining(), "URI")) + ")"};
    if (type == kMedia && subtype == 0x01) {
        const std::uint32_t number = r.le32("partition number");
        const std::uint64_t start = r.le64("partition start");
        const std::uint64_t size = r.le64("partition size");
        Bytes signature = r.bytes(16, "partition signature");
        const std::uint8_t format = r.u8("partition format");
        const std::uint8_t sig_type = r.u8("signature type");
        std::string sig;
        if (sig_type == 0x02) sig = "GPT," + guid_at(signature).to_string();
        else if (sig_type == 0x01)
            sig = "MBR," + h(load_le32(signature, 0, "MBR signature"));
        else
            sig = h(sig_type) + "," + hex_prefix(signature, 16);
        NodeText n{"HD(" + std::to_string(number) + "," + sig + "," + h(start) + "," + h(size) + ")"};
        n.extra["partition_format"] = format == 0x02 ? "GPT" : format == 0x01 ? "MBR" : h(format);
        return n;
    }
    if (type == kMedia && subtype == 0x02) {
        const std::uint32_t entry = r.le32("boot entry");
        const std::uint64_t start = r.le64("start");
        const std::uint64_t size = r.le64("size");
        return {"CDROM(" + h(entry) + "," + h(start) + "," + h(size) + ")"};
    }
    if (type == kMedia && subtype == 0x03) return guid_node("VenMedia", r);
    if (type == kMedia && subtype == 0x04) return {utf16le_as_text(body)};
    if (type == kMedia && subtype == 0x06) return guid_node("FvFile", r);
    if (type == kMedia && subtype == 0x07) return guid_node("Fv", r);
    if (type == kMedia && subtype == 0x08) {
        r.le32("reserved");
        const std::uint64_t start = r.le64("start");
        const std::uint64_t end = r.le64("end");
        return {"Offset(" + h(start) + "," + h(end) + ")"};
    }
    if (type == kBbs && subtype == 0x01) {
        const std::uint16_t device_type = r.le16("device type");
        r.le16("status flags");
        return {"BBS(" + h(device_type) + "," + quoted(bytes_as_text(r.bytes(r.remaining(), "description"))) + ")"};
    }
    return {"Path(" + std::to_string(type) + "," + std::to_string(subtype) + "," + hex_prefix(body, 64) + ")"};
}

}  // namespace

DevicePathText device_path_to_text(Bytes path, DecodeBudget& budget) {
    DevicePathText out;
    out.nodes = nlohmann::json::array();
    std::uint64_t pos = 0;
    bool need_separator = false;
    bool ended = false;
    try {
        while (pos < path.size()) {
            if (path.size() - pos < 4) {
                out.problem = std::to_string(path.size() - pos) + " bytes at path offset " + h(pos) + " are too short for a node header";
                return out;
            }
            budget.spend(1);
            const std::uint8_t type = load_u8(path, pos, "node type");
            const std::uint8_t subtype = load_u8(path, pos + 1, "node subtype");
            const std::uint16_t length = load_le16(path, pos + 2, "node length");
            if (length < 4) {
                out.problem = "node at path offset " + h(pos) + " has length " + std::to_string(length) + ", less than its header";
                return out;
            }
            if (length > path.size() - pos) {
                out.problem = "node at path offset " + h(pos) + " has length " + std::to_string(length) + ", past the end of the " +
                              std::to_string(path.size()) + "-byte path";
                return out;
            }
            Bytes body = slice(path, pos + 4, length - 4u, "node body");
            pos += length;
            if (type == kEnd) {
                if (subtype == kEndInstance) {
                    out.text += ",";
                    need_separator = false;
                    continue;
                }
                if (subtype != kEndEntire) out.problem = "end node with subtype " + h(subtype);
                ended = true;
                break;
            }
            NodeText n;
            try {
                n = node_text(type, subtype, body);
            } catch (const Error&) {
                n.text = "Path(" + std::to_string(type) + "," + std::to_string(subtype) + "," + hex_prefix(body, 64) + ")";
                if (out.problem.empty())
                    out.problem = "node " + std::to_string(type) + "/" + std::to_string(subtype) + " at path offset " + h(pos - length) +
                                  " is too short (" + std::to_string(length) + " bytes) for its fields";
            }
            if (need_separator) out.text += "/";
            out.text += n.text;
            need_separator = true;
            nlohmann::json node = {{"type", type}, {"subtype", subtype}, {"length", length}, {"text", n.text}};
            node.update(n.extra);
            out.nodes.push_back(std::move(node));
        }
    } catch (const Error& e) {
        out.problem = e.what();
        return out;
    }
    if (!ended && out.problem.empty()) out.problem = "no end-of-path node";
    if (ended && pos < path.size() && out.problem.empty()) out.problem = std::to_string(path.size() - pos) + " bytes after the end-of-path node";
    return out;
}

}  // namespace tdx
