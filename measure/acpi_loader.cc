#include "measure/acpi_loader.h"

#include <set>

#include <algorithm>

#include "base/error.h"

namespace tdx {
namespace {

// Field offsets inside a command (the structure is packed).
constexpr std::uint64_t kNameA = 4;   // first file name
constexpr std::uint64_t kNameB = 60;  // second file name (pointer commands)

bool all_zero(Bytes b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c == 0; });
}

std::string file_name(Bytes cmd, std::uint64_t at, const std::string& where) {
    Bytes field = slice(cmd, at, kAcpiLoaderFileNameSize, where.c_str());
    auto nul = std::find(field.begin(), field.end(), std::uint8_t{0});
    if (nul == field.end()) fail(where + ": file name is not NUL-terminated within 56 bytes");
    if (nul == field.begin()) fail(where + ": empty file name");
    return std::string(field.begin(), nul);
}

}  // namespace

AcpiLoaderScript parse_acpi_loader(Bytes script, const std::string& name) {
    if (script.size() % kAcpiLoaderCommandSize != 0)
        fail(name + ": size " + std::to_string(script.size()) + " is not a multiple of the 128-byte loader command");
    AcpiLoaderScript out;
    // A set beside the ordered list: a script of many commands must not cost
    // commands x files lookups.
    std::set<std::string> allocated_set;
    auto allocated = [&](const std::string& file) { return allocated_set.count(file) != 0; };
    for (std::uint64_t off = 0; off < script.size(); off += kAcpiLoaderCommandSize) {
        Bytes cmd = slice(script, off, kAcpiLoaderCommandSize, "loader command");
        if (all_zero(cmd)) continue;
        const std::string where = name + ": command at offset " + hex_u64(off);
        const std::uint32_t type = load_le32(cmd, 0, "command");
        AcpiLoaderCommand c;
        auto require = [&](const std::string& file, const char* role) {
            if (!allocated(file)) fail(where + ": " + role + " file \"" + file + "\" was not allocated by an earlier ALLOCATE command");
        };
        switch (type) {
            case 1:
                c.type = AcpiLoaderCommand::Type::Allocate;
                c.file = file_name(cmd, kNameA, where);
                c.alignment = load_le32(cmd, 60, "alignment");
                c.zone = load_u8(cmd, 64, "zone");
                if (allocated_set.insert(c.file).second) out.allocated_files.push_back(c.file);
                break;
            case 2:
                c.type = AcpiLoaderCommand::Type::AddPointer;
                c.file = file_name(cmd, kNameA, where);
                c.source_file = file_name(cmd, kNameB, where);
                c.offset = load_le32(cmd, 116, "offset");
                c.size = load_u8(cmd, 120, "size");
                require(c.file, "destination");
                require(c.source_file, "source");
                break;
            case 3:
                c.type = AcpiLoaderCommand::Type::AddChecksum;
                c.file = file_name(cmd, kNameA, where);
                c.offset = load_le32(cmd, 60, "result offset");
                c.start = load_le32(cmd, 64, "start");
                c.length = load_le32(cmd, 68, "length");
                require(c.file, "checksummed");
                break;
            case 4:
                // The destination is a writable fw_cfg file, not an allocated blob.
                c.type = AcpiLoaderCommand::Type::WritePointer;
                c.file = file_name(cmd, kNameA, where);
                c.source_file = file_name(cmd, kNameB, where);
                c.offset = load_le32(cmd, 116, "destination offset");
                c.start = load_le32(cmd, 120, "source offset");
                c.size = load_u8(cmd, 124, "size");
                require(c.source_file, "source");
                break;
            default: continue;
        }
        out.commands.push_back(std::move(c));
    }
    return out;
}

}  // namespace tdx
