// RTMR0 of a direct-boot TD under QEMU with TDVF (OVMF), event by event, for
// the firmware layouts of the shipped profiles (measurement reference 4.1):
//   pre-2024.11  TD HOB, CFV, SecureBoot, PK, KEK, db, dbx, separator,
//                the ACPI loader and each blob it allocates, BootOrder,
//                Boot0000 (UiApp), and the ReadyToBoot separator
//   2024.11      the same without the final separator (it moved to RTMR1)
//   2025.05      TD HOB, CFV, then fw_cfg items and SMBIOS whose exact set
//                depends on the build: only the first two events are predicted
// The ACPI blobs come from the VMM and cannot be derived from the firmware;
// without them RTMR0 is not predicted and `unavailable` says why. The events
// that precede the missing part are still returned, so a comparison with a
// real log can name a differing TD HOB even then.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "measure/acpi_blobs.h"
#include "measure/boot_events.h"
#include "measure/profile.h"
#include "measure/secure_boot_vars.h"
#include "measure/td_hob.h"
#include "ovmf/tdvf.h"

namespace tdx {

struct Rtmr0Input {
    Bytes firmware;
    const ovmf::TdvfImage* image = nullptr;
    std::string firmware_name;  // for messages
    std::uint64_t memory_size = 0;
    FirmwareLayout layout = FirmwareLayout::Edk2_202411;
    const AcpiBlobs* acpi = nullptr;  // null: not given
    std::vector<SecureBootVariable> secure_boot = empty_secure_boot_variables();
};

struct Rtmr0Result {
    std::vector<MeasuredEvent> events;  // all of RTMR0, or the known prefix when `unavailable` is set
    TdHob hob;
    std::string unavailable;  // why RTMR0 is not predicted; empty when it is
};

Rtmr0Result measure_rtmr0(const Rtmr0Input& in);

}  // namespace tdx
