#include "measure/td_hob.h"

#include <algorithm>

#include "base/byte_reader.h"
#include "base/error.h"
#include "measure/kernel_setup.h"

namespace tdx {
namespace {

constexpr std::uint16_t kHobTypeHandoff = 0x0001;
constexpr std::uint16_t kHobTypeResourceDescriptor = 0x0003;
constexpr std::uint32_t kHandoffTableVersion = 9;
constexpr std::uint32_t kResourceSystemMemory = 0;
constexpr std::uint32_t kResourceMemoryUnaccepted = 7;
// PRESENT | INITIALIZED | TESTED, for accepted and unaccepted RAM alike.
constexpr std::uint32_t kResourceAttributes = 0x7;
constexpr std::uint64_t kPhitSize = 56;
constexpr std::uint64_t kResourceSize = 48;
constexpr std::uint64_t kEndHobSize = 8;

bool is_accepted_section(const ovmf::TdvfSection& s) {
    return s.type == static_cast<std::uint32_t>(ovmf::SectionType::TdHob) || s.type == static_cast<std::uint32_t>(ovmf::SectionType::TempMem);
}

// QEMU's tdx_accept_ram_range: the range must sit inside one RAM entry; an
// already accepted entry is left alone; otherwise the entry is split into an
// unaccepted head, the accepted range and an unaccepted tail.
void accept(std::vector<TdRamRange>& ranges, std::uint64_t start, std::uint64_t length, const std::string& what) {
    const std::uint64_t end = checked_add(start, length, what.c_str());
    auto it = std::find_if(ranges.begin(), ranges.end(), [&](const TdRamRange& r) { return start < r.start + r.length && end > r.start; });
    if (it == ranges.end() || start < it->start || end > it->start + it->length)
        fail(what + " [" + hex_u64(start) + ", " + hex_u64(end) +
             ") is not inside one RAM range of the guest; QEMU would refuse to start the TD");
    if (it->accepted) return;
    const TdRamRange whole = *it;
    std::vector<TdRamRange> parts;
    if (start > whole.start) parts.push_back({whole.start, start - whole.start, false});
    parts.push_back({start, length, true});
    if (end < whole.start + whole.length) parts.push_back({end, whole.start + whole.length - end, false});
    it = ranges.erase(it);
    ranges.insert(it, parts.begin(), parts.end());
}

}  // namespace

std::vector<TdRamRange> q35_ram_ranges(std::uint64_t memory_size) {
    const std::uint64_t below = q35_below_4g_mem(memory_size);
    std::vector<TdRamRange> ranges{{0, below, false}};
    if (memory_size > below) ranges.push_back({4ull << 30, memory_size - below, false});
    return ranges;
}

TdHob build_td_hob(const ovmf::TdvfImage& image, std::uint64_t memory_size, const std::string& name) {
    if (!image.descriptor) fail(name + ": no TDVF descriptor");
    TdHob hob;
    hob.ranges = q35_ram_ranges(memory_size);
    const ovmf::TdvfSection* hob_section = nullptr;
    std::size_t index = 0;
    for (const ovmf::TdvfSection& s : image.descriptor->sections) {
        if (s.type == static_cast<std::uint32_t>(ovmf::SectionType::TdHob) && !hob_section) hob_section = &s;
        if (is_accepted_section(s))
            accept(hob.ranges, s.memory_address, s.memory_data_size,
                   name + ": TDVF section " + std::to_string(index) + " (" + ovmf::section_type_name(s.type) + ")");
        ++index;
    }
    if (!hob_section) fail(name + ": the TDVF descriptor has no TD_HOB section; QEMU cannot hand the TD its memory map");
    std::sort(hob.ranges.begin(), hob.ranges.end(), [](const TdRamRange& a, const TdRamRange& b) { return a.start < b.start; });

    hob.gpa = hob_section->memory_address;
    const std::uint64_t total = kPhitSize + kResourceSize * hob.ranges.size() + kEndHobSize;
    if (total > hob_section->memory_data_size)
        fail(name + ": the TD HOB (" + std::to_string(total) + " bytes for " + std::to_string(hob.ranges.size()) +
             " RAM ranges) does not fit the TD_HOB section of " + std::to_string(hob_section->memory_data_size) + " bytes");
    hob.end_of_hob_list = hob.gpa + total;

    std::vector<std::uint8_t>& m = hob.measured;
    m.reserve(total);
    append_le(m, kHobTypeHandoff, 2);
    append_le(m, kPhitSize, 2);
    append_le(m, 0, 4);
    append_le(m, kHandoffTableVersion, 4);
    append_le(m, 0, 4);                              // BootMode: full configuration
    for (int i = 0; i < 4; ++i) append_le(m, 0, 8);  // EfiMemoryTop/Bottom, EfiFreeMemoryTop/Bottom: QEMU leaves them zero
    append_le(m, hob.end_of_hob_list, 8);
    for (const TdRamRange& r : hob.ranges) {
        append_le(m, kHobTypeResourceDescriptor, 2);
        append_le(m, kResourceSize, 2);
        append_le(m, 0, 4);
        m.insert(m.end(), 16, 0);  // Owner GUID: zero
        append_le(m, r.accepted ? kResourceSystemMemory : kResourceMemoryUnaccepted, 4);
        append_le(m, kResourceAttributes, 4);
        append_le(m, r.start, 8);
        append_le(m, r.length, 8);
    }
    return hob;
}

}  // namespace tdx
