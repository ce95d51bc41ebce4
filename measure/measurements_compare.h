// Two predictions compared: the measurements an integrator published and the
// ones an operator's rebuild gives. Register by register (MR_TD, RTMR0-2),
// and for an RTMR that differs, the first event that differs and what that
// event depends on, so a mismatch points at an input (the firmware, the
// kernel, the command line, the initramfs) rather than at a hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "measure/measurements_json.h"

namespace tdx {

struct RegisterDiff {
    std::string name;              // "MR_TD", "RTMR0", ...
    std::string expected, actual;  // hex, or "" when not given/computed
    bool compared = false;         // both sides give a value
    bool equal = false;
    // For an RTMR whose event lists were both given: the first event that
    // differs (or is missing on one side), described for people.
    std::optional<ExpectedEvent> expected_event, actual_event;
    std::string explanation;  // one sentence naming the input
};

struct MeasurementDiff {
    std::vector<RegisterDiff> registers;  // MR_TD, RTMR0, RTMR1, RTMR2
    bool any_compared = false;
    bool all_equal = true;  // over the compared registers
};

MeasurementDiff compare_measurements(const PublishedMeasurements& expected, const PublishedMeasurements& actual);

// The one rule for "the first event that differs" in a register's event
// list, used by `verify`, `diff` and the build's "changed since": events are
// the same when their type and digest are (the bytes the register extends;
// descriptions only explain them). The index of the first event that differs
// or exists on one side only; nullopt when the lists are the same.
std::optional<std::size_t> first_differing_event(const std::vector<ExpectedEvent>& a, const std::vector<ExpectedEvent>& b);

// The input an event stands for, in words ("the initramfs", "the kernel
// command line", ...), from its kind.
std::string input_of_event_kind(const std::string& kind);

}  // namespace tdx
