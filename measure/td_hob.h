// The TD HOB list QEMU writes into the firmware's TD_HOB section before the
// TD starts (hw/i386/tdvf-hob.c), and which TDVF's SEC measures into RTMR0 as
// the first event. It describes guest RAM: QEMU starts from the e820 RAM
// ranges, all unaccepted, carves every TD_HOB and TEMP_MEM section out as
// accepted memory (adjacent accepted ranges are not merged), sorts by
// address, and writes a PHIT HOB, one resource descriptor per range and an
// end-of-list HOB. The measured bytes stop before the end-of-list HOB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/digest.h"
#include "ovmf/tdvf.h"

namespace tdx {

struct TdRamRange {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    bool accepted = false;
    bool operator==(const TdRamRange&) const = default;
};

struct TdHob {
    std::uint64_t gpa = 0;               // where QEMU writes it (the TD_HOB section)
    std::vector<TdRamRange> ranges;      // sorted by address
    std::uint64_t end_of_hob_list = 0;   // PHIT EfiEndOfHobList: the address just past the end HOB
    std::vector<std::uint8_t> measured;  // PHIT + resource descriptors (what SEC hashes)
};

// The e820 RAM ranges of a q35 guest with `memory_size` bytes of RAM.
std::vector<TdRamRange> q35_ram_ranges(std::uint64_t memory_size);

// Throws tdx::Error naming `name` when the image has no TD_HOB section, when a
// section to accept does not lie inside one RAM range (QEMU refuses to start
// such a TD), or when the list does not fit the TD_HOB section.
TdHob build_td_hob(const ovmf::TdvfImage& image, std::uint64_t memory_size, const std::string& name);

}  // namespace tdx
