// The predictions of a measurements.json ("tdximage.measurements/v1"; its
// owner is measure/measurements_json.h): the register values, why a register
// is not predicted, and the events of each register in extend order with
// what each depends on. `eventlog compare` checks a real log against it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.h"

namespace tdx {

inline constexpr const char* kMeasurementsSchema = "tdximage.measurements/v1";

struct ExpectedEvent {
    int rtmr = 0;
    std::size_t index = 0;  // position within its register
    std::string type;       // "EV_SEPARATOR", ...
    Digest384 digest{};
    std::string description;
    std::string kind;  // "td_hob", "load_options", ...
    std::vector<std::string> depends_on;
};

struct ExpectedMeasurements {
    std::array<std::optional<Digest384>, 4> rtmr;  // nullopt: not predicted (or, for rtmr3, absent)
    std::array<std::string, 4> note;               // notes.rtmrN: why a register is not predicted
    std::vector<ExpectedEvent> events;             // in document order

    // The events of one register, in index order.
    std::vector<ExpectedEvent> events_of(int rtmr) const;
};

// Validates the document against the schema and throws tdx::Error naming
// `name` and the offending key ("measurements.json: events[3].digest: ...").
// The events listed for a predicted register must replay to its value.
ExpectedMeasurements parse_expected_measurements(const nlohmann::json& doc, const std::string& name);

}  // namespace tdx
