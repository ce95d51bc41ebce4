// Which RTMR each record of an event log feeds. A TD's CCEL carries MR
// indices (0 = MRTD, n = RTMR n-1); a TPM log carries PCR numbers, which
// TDVF maps with edk2's MapPcrToMrIndex (PCR 1,7 -> RTMR0, 2-6 -> RTMR1,
// 8-15 -> RTMR2; PCR 0 is MRTD). EV_NO_ACTION records are never extended.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/digest.h"
#include "measure/tcg_event_log.h"

namespace tdx {

enum class LogMapping { Tdx, Tpm };

// The RTMR (0..3) records with this index are extended into, or nullopt
// (MRTD, or an index no RTMR corresponds to).
std::optional<int> rtmr_of_index(std::uint32_t index, LogMapping mapping);

// The same for a record, EV_NO_ACTION excluded.
std::optional<int> rtmr_of_event(const TcgEvent& e, LogMapping mapping);

// "rtmr0" .. "rtmr3".
std::string rtmr_name(int rtmr);

struct RtmrReplay {
    std::array<Digest384, 4> value{};     // SHA384 extend chain from zero
    std::array<std::size_t, 4> events{};  // records extended into each RTMR
    std::size_t not_replayed = 0;         // records that feed no RTMR (EV_NO_ACTION included)
};

// Replays the SHA-384 digests of the log under `mapping`. Throws tdx::Error
// naming `name` when the log has no SHA-384 bank or a replayed record has no
// SHA-384 digest.
RtmrReplay replay_rtmrs(const TcgEventLog& log, LogMapping mapping, const std::string& name);

// Throws tdx::Error naming `name` and the algorithms the log has when its
// Spec ID event lists no SHA-384.
void require_sha384(const TcgEventLog& log, const std::string& name);

}  // namespace tdx
