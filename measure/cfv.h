// The configuration firmware volume (the variable store template) that TDVF
// measures into RTMR0 as EV_EFI_PLATFORM_FIRMWARE_BLOB2: SHA-384 of the CFV
// section's raw bytes as they are in this firmware file (never a constant:
// it changes with every build of the variable store).
#pragma once

#include <optional>

#include "base/digest.h"
#include "ovmf/tdvf.h"

namespace tdx {

// Empty when the image has no CFV section or it lies outside the file.
std::optional<Digest384> cfv_digest(Bytes firmware, const ovmf::TdvfImage& image);

}  // namespace tdx
