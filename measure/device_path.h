// UEFI device paths (UEFI 2.10 section 10) as the text form of the UEFI
// "device path to text" convention: PciRoot(0x0)/Pci(0x1,0x0)/HD(...)/\EFI\...,
// for the nodes an OVMF boot logs (ACPI and PCI roots, SCSI/SATA/NVMe, hard
// drive partitions, file paths, vendor media, PIWG firmware volumes and
// files). Other nodes are shown as Path(type,subtype,hex).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/byte_reader.h"
#include "measure/decode_budget.h"

namespace tdx {

struct DevicePathText {
    std::string text;      // instances separated by ',', nodes by '/'
    nlohmann::json nodes;  // array of {"type", "subtype", "length", "text"[, "guid", "guid_name"]}
    std::string problem;   // empty, or why the path is malformed; `text` then holds what decoded before it
};

// A malformed path is reported in `problem`. Each node counts against the
// log's `budget`; when it is spent, decoding stops and `problem` says so
// (the caller's budget.check() then throws).
DevicePathText device_path_to_text(Bytes path, DecodeBudget& budget);

}  // namespace tdx
