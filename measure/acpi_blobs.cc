#include "measure/acpi_blobs.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "base/byte_reader.h"
#include "base/error.h"
#include "base/file_io.h"
#include "measure/acpi_loader.h"

namespace tdx {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kAcpiHeaderSize = 36;

// QEMU's ACPI blobs are small (the tables of a 4096-vCPU VM are well under a
// megabyte); anything larger is not one.
constexpr std::uint64_t kMaxBlobSize = 64ull << 20;

// The names come from the loader script, i.e. from whoever captured the
// blobs (docs/acpi-dump.md allows a guest): a name is a fw_cfg file name
// ("etc/acpi/tables"), never a path out of the directory.
void check_blob_name(const fs::path& dir, const std::string& name) {
    bool ok = !name.empty() && name.front() != '/';
    std::size_t start = 0;
    while (ok && start <= name.size()) {
        const std::size_t end = std::min(name.find('/', start), name.size());
        const std::string part = name.substr(start, end - start);
        ok = !part.empty() && part != "." && part != "..";
        start = end + 1;
    }
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '-' || c == '_');
    if (!ok)
        fail((dir / "etc/table-loader").string() + ": the loader script names the blob \"" + name +
             "\", which is not a fw_cfg file name (letters, digits, '.', '-', '_' in '/'-separated parts, no '..')");
}

std::vector<std::uint8_t> read_blob(const fs::path& dir, const std::string& name) {
    check_blob_name(dir, name);
    fs::path p = dir / name;
    std::error_code ec;
    if (fs::is_directory(p, ec)) p /= "raw";
    if (!fs::exists(p, ec))
        fail(dir.string() + ": no \"" + name + "\" (expected the file " + (dir / name).string() +
             "; capture the blobs with `tdximage acpi dump` or from /sys/firmware/qemu_fw_cfg/by_name in the guest)");
    // A link may lead only inside the directory, or into the guest's own
    // fw_cfg tree in sysfs (by_name's entries are links into by_key).
    const fs::path target = fs::weakly_canonical(p, ec), root = fs::weakly_canonical(dir, ec);
    const auto inside = [&](const fs::path& base) {
        const std::string t = target.string(), b = base.string() + "/";
        return t.compare(0, b.size(), b) == 0;
    };
    if (!inside(root) && !inside("/sys/firmware/qemu_fw_cfg"))
        fail(p.string() + ": leads to " + target.string() + ", outside " + dir.string() + "; ACPI blobs must be files in the directory");
    if (!fs::is_regular_file(p, ec)) fail(p.string() + ": not a regular file (an ACPI blob must be one)");
    if (fs::file_size(p, ec) > kMaxBlobSize) fail(p.string() + ": larger than 64 MiB, not an ACPI blob");
    return read_file(p);
}

std::string signature_at(Bytes tables, std::uint64_t off, const std::string& where) {
    Bytes sig = slice(tables, off, 4, where.c_str());
    return std::string(sig.begin(), sig.end());
}

// The RSDP holds the RSDT's offset inside etc/acpi/tables (the loader turns it
// into an address later); the RSDT lists every other table the same way.
void index_tables(AcpiBlobs& out, const std::vector<std::uint8_t>& rsdp_v, const std::vector<std::uint8_t>& tables_v, const std::string& dir) {
    Bytes rsdp(rsdp_v.data(), rsdp_v.size());
    Bytes tables(tables_v.data(), tables_v.size());
    const std::string rsdp_name = dir + "/etc/acpi/rsdp";
    const std::string tables_name = dir + "/etc/acpi/tables";
    if (signature_at(rsdp, 0, rsdp_name) + signature_at(rsdp, 4, rsdp_name) != "RSD PTR ")
        fail(rsdp_name + ": does not start with \"RSD PTR \"");
    const std::uint8_t revision = load_u8(rsdp, 15, "RSDP revision");
    std::uint64_t root = 0;
    std::uint64_t entry_size = 4;
    if (revision >= 2 && rsdp.size() >= 36 && load_le64(rsdp, 24, "XsdtAddress") != 0) {
        root = load_le64(rsdp, 24, "XsdtAddress");
        entry_size = 8;
    } else {
        root = load_le32(rsdp, 16, "RsdtAddress");
    }
    const std::string root_where = tables_name + ": root table at offset " + hex_u64(root);
    const std::string root_sig = signature_at(tables, root, root_where);
    if (root_sig != (entry_size == 4 ? "RSDT" : "XSDT")) fail(root_where + " has signature \"" + root_sig + "\"");
    const std::uint32_t root_len = load_le32(tables, checked_add(root, 4, "root length"), "root length");
    if (root_len < kAcpiHeaderSize) fail(root_where + ": length " + std::to_string(root_len) + " is shorter than an ACPI header");
    Bytes root_table = slice(tables, root, root_len, root_where.c_str());
    for (std::uint64_t off = kAcpiHeaderSize; off + entry_size <= root_len; off += entry_size) {
        const std::uint64_t at = entry_size == 4 ? load_le32(root_table, off, "RSDT entry") : load_le64(root_table, off, "XSDT entry");
        const std::string where = tables_name + ": table at offset " + hex_u64(at);
        const std::string sig = signature_at(tables, at, where);
        out.table_signatures.push_back(sig);
        if (sig == "APIC") {
            const std::uint32_t len = load_le32(tables, checked_add(at, 4, "MADT length"), "MADT length");
            Bytes madt = slice(tables, at, len, where.c_str());
            out.enabled_cpus = madt_enabled_cpus(std::vector<std::uint8_t>(madt.begin(), madt.end()), where);
        }
    }
}

}  // namespace

unsigned madt_enabled_cpus(const std::vector<std::uint8_t>& madt_v, const std::string& name) {
    Bytes madt(madt_v.data(), madt_v.size());
    constexpr std::uint64_t kFirstEntry = kAcpiHeaderSize + 8;  // + local APIC address, flags
    if (madt.size() < kFirstEntry) fail(name + ": MADT of " + std::to_string(madt.size()) + " bytes is shorter than its header");
    unsigned cpus = 0;
    for (std::uint64_t off = kFirstEntry; off < madt.size();) {
        const std::uint8_t type = load_u8(madt, off, "MADT entry type");
        const std::uint8_t len = load_u8(madt, checked_add(off, 1, "MADT entry"), "MADT entry length");
        if (len < 2) fail(name + ": MADT entry at offset " + std::to_string(off) + " has length " + std::to_string(len));
        Bytes entry = slice(madt, off, len, (name + ": MADT entry").c_str());
        if (type == 0 && len >= 8 && (load_le32(entry, 4, "Local APIC flags") & 1)) ++cpus;
        if (type == 9 && len >= 16 && (load_le32(entry, 8, "Local x2APIC flags") & 1)) ++cpus;
        off += len;
    }
    return cpus;
}

AcpiBlobs load_acpi_dir(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail(dir.string() + ": not a directory (--acpi-dir names the directory holding etc/table-loader)");
    AcpiBlobs out;
    out.loader = {"etc/table-loader", read_blob(dir, "etc/table-loader")};
    const AcpiLoaderScript script = parse_acpi_loader(Bytes(out.loader.bytes.data(), out.loader.bytes.size()),
                                                      (dir / "etc/table-loader").string());
    if (script.allocated_files.empty()) fail((dir / "etc/table-loader").string() + ": the loader script allocates no blob");
    const std::vector<std::uint8_t>* rsdp = nullptr;
    const std::vector<std::uint8_t>* tables = nullptr;
    for (const std::string& name : script.allocated_files) {
        out.allocated.push_back({name, read_blob(dir, name)});
    }
    for (const AcpiBlob& b : out.allocated) {
        if (b.name == "etc/acpi/rsdp") rsdp = &b.bytes;
        if (b.name == "etc/acpi/tables") tables = &b.bytes;
    }
    if (rsdp && tables) index_tables(out, *rsdp, *tables, dir.string());
    return out;
}

}  // namespace tdx
