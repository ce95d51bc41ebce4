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

#include "measure/expected_measurements.h"

namespace tdx {

// A setup-header field QEMU wrote, as measurements.json lists it.
struct HeaderField {
    std::string name;
    std::uint64_t value = 0;
};

struct PublishedMeasurements {
    std::optional<std::string> mrtd;  // lowercase hex
    ExpectedMeasurements registers;   // may list no events (only values)
    // What explains an RTMR1 difference below the kernel event: the kernel
    // file's identity and the header fields QEMU wrote (kernel-header
    // patched); absent in documents that do not carry them.
    std::optional<std::string> kernel_sha256;
    std::optional<std::uint64_t> initrd_size;
    std::vector<HeaderField> header_patch;
};

// From a measurements.json document ("tdximage.measurements/v1"); throws
// tdx::Error naming `name` and the offending key.
PublishedMeasurements parse_published_measurements(const std::string& text, const std::string& name);

struct RegisterDiff {
    std::string name;                   // "MR_TD", "RTMR0", ...
    std::string expected, actual;       // hex, or "" when not given/computed
    bool compared = false;              // both sides give a value
    bool equal = false;
    // For an RTMR whose event lists were both given: the first event that
    // differs (or is missing on one side), described for people.
    std::optional<ExpectedEvent> expected_event, actual_event;
    std::string explanation;            // one sentence naming the input
};

struct MeasurementDiff {
    std::vector<RegisterDiff> registers;  // MR_TD, RTMR0, RTMR1, RTMR2
    bool any_compared = false;
    bool all_equal = true;                // over the compared registers
};

MeasurementDiff diff_measurements(const PublishedMeasurements& expected, const PublishedMeasurements& actual);

// The input an event stands for, in words ("the initramfs", "the kernel
// command line", ...), from its kind.
std::string input_of_event_kind(const std::string& kind);

}  // namespace tdx
