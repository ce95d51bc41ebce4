// Writes predicted events as the TCG2 crypto-agile log a TD's CCEL holds, so
// a predicted log can be diffed with a real one by any event-log tool
// (`tdximage measure --event-log-out`, `tdximage eventlog show`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "measure/boot_events.h"
#include "measure/tcg_event_log.h"

namespace tdx {

// The header is what TDVF's SetupCcEventLog writes: a legacy SHA-1-format
// record (PCRIndex 1, EV_NO_ACTION, zero digest) carrying "Spec ID Event03"
// with platform class 0, spec version 2.0 errata 0, UINTN size 2 (64-bit),
// one algorithm (SHA-384, 48 bytes) and no vendor info. Each event follows as
// a TCG_PCR_EVENT2 with MR index rtmr + 1, its type, one SHA-384 digest and
// its data. The log is not padded to a log area with 0xFF. Throws tdx::Error
// for an RTMR outside 0..3.
//
// A register whose prediction is incomplete (RTMR0 without QEMU's ACPI
// tables: only its known prefix of events is there) gets one EV_NO_ACTION
// record after the header, which extends nothing: its data is the signature
// "tdximage prediction" with its NUL, then "incomplete rtmrN: <why>". A log
// reader (`eventlog replay`, read_prediction_gaps) then marks that register
// instead of printing a value the TD would never report.
struct PredictionGap {
    int rtmr = 0;
    std::string why;
};
std::vector<std::uint8_t> write_tdx_event_log(const std::vector<MeasuredEvent>& events, const std::vector<PredictionGap>& gaps = {});

// The gaps a predicted log declares; empty for a TD's own log.
std::vector<PredictionGap> read_prediction_gaps(const TcgEventLog& log);

}  // namespace tdx
