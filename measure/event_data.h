// Event data of a TCG event log, decoded for people: the strings, UEFI
// variables, load options, image device paths, tagged events, handoff
// tables and firmware blobs OVMF, shim and the Linux EFI stub log. The data
// is descriptive only (the digest is what is extended, and a host can write
// anything here), so decoding is best effort: a payload that does not parse
// becomes a "malformed ..." note with a hex excerpt, never an exception.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/byte_reader.h"
#include "measure/decode_budget.h"

namespace tdx {

struct DecodedEventData {
    std::string summary;    // one line, printable
    nlohmann::json detail;  // object with "format" and the decoded fields; "malformed" holds the note
    bool malformed = false;
};

// `type` selects the structure (EV_* from measure/event_types.h). Decoding a
// malformed payload never throws; the only error is the log's `budget` spent
// (the event-log-nodes limit, naming the log).
DecodedEventData decode_event_data(std::uint32_t type, Bytes data, DecodeBudget& budget);

}  // namespace tdx
