// The RTMR1 and RTMR2 events of a direct kernel boot (QEMU -kernel/-initrd/
// -append through OVMF), in the order the firmware and the kernel's EFI stub
// extend them:
//   RTMR1 (PCR 2-6): the kernel image (LoadImage, before ReadyToBoot), the
//     "Calling EFI Application from Boot Option" action at ReadyToBoot, the
//     ReadyToBoot separator (edk2 >= stable202411 only; older TDVF put it in
//     RTMR0), then the two ExitBootServices actions.
//   RTMR2 (PCR 8-15): the Linux EFI stub (>= 6.9 for RTMRs) measures the
//     LoadOptions buffer OVMF built, then the initrd it loads through the
//     LINUX_EFI_INITRD_MEDIA device path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "measure/event_kind.h"
#include "measure/kernel_setup.h"
#include "measure/profile.h"

namespace tdx {

struct MeasuredEvent {
    int rtmr = 0;            // 0..3
    std::uint32_t type = 0;  // EV_* (measure/event_types.h)
    Digest384 digest{};
    std::string description;
    EventKind kind = EventKind::Separator;
    // The event data the firmware or the stub logs next to the digest, as far
    // as it can be known offline (written by --event-log-out). Where it holds
    // run-time values (load addresses), those are zero; the digest never
    // covers them.
    std::vector<std::uint8_t> data;
};

// The action strings edk2 measures as EV_EFI_ACTION (ASCII, no NUL).
inline constexpr const char* kCallingEfiApplication = "Calling EFI Application from Boot Option";
inline constexpr const char* kExitBootServicesInvocation = "Exit Boot Services Invocation";
inline constexpr const char* kExitBootServicesSucceeded = "Exit Boot Services Returned with Success";

// The LoadOptions buffer OVMF hands the kernel (and the stub measures): the
// command line widened byte by byte to UTF-16LE (edk2's UnicodeSPrintAsciiFormat
// widens, it does not decode UTF-8), with "initrd=initrd" added when an initrd
// is present, and a UTF-16 NUL. Empty when there is neither a command line nor
// an initrd: OVMF then passes no LoadOptions at all.
std::vector<std::uint8_t> ovmf_load_options(const std::string& cmdline, bool has_initrd, InitrdArg arg);
// The same string before widening ("console=ttyS0 initrd=initrd").
std::string ovmf_load_options_text(const std::string& cmdline, bool has_initrd, InitrdArg arg);

struct KernelBoot {
    Bytes kernel;
    std::string kernel_name;
    std::optional<Bytes> initrd;
    std::string cmdline;
    std::uint64_t memory_size = 0;
    bool authenticode_pad8 = false;
};

struct BootMeasurement {
    std::vector<MeasuredEvent> events;       // RTMR1 then RTMR2, each in extend order
    std::vector<PatchedField> header_patch;  // empty for the raw kernel
    std::optional<std::uint64_t> initrd_address;
};

BootMeasurement measure_kernel_boot(const KernelBoot& boot, const Profile& profile);

// An EV_SEPARATOR (four zero bytes) in `rtmr`.
MeasuredEvent separator_event(int rtmr, const std::string& description);

// Replays the events of one register from zero: R = SHA384(R || digest).
Digest384 replay(const std::vector<MeasuredEvent>& events, int rtmr);

}  // namespace tdx
