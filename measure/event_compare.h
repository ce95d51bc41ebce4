// Compares the events of a real log (a TD's CCEL, or a TPM log mapped to
// RTMRs) with the events and register values a measurements.json predicts,
// register by register. It only compares: nothing from the log (the ACPI
// digests least of all, which the host chooses) ever feeds a prediction.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "measure/expected_measurements.h"
#include "measure/log_mapping.h"
#include "measure/tcg_event_log.h"

namespace tdx {

enum class Verdict { Match, Different, Undecided };
std::string to_string(Verdict v);  // "match", "different", "undecided"

struct RegisterComparison {
    int rtmr = 0;
    Verdict verdict = Verdict::Undecided;
    std::string reason;                       // one sentence: why this verdict
    Digest384 actual_value{};                 // replayed from the log
    std::optional<Digest384> expected_value;  // nullopt: not predicted
    std::vector<std::size_t> actual;          // indices into TcgEventLog::events, in extend order
    std::vector<ExpectedEvent> expected;      // the predicted events, in extend order
    // Whether the event lists were compared: false when the document gives a
    // value but lists no events for the register (only values compared).
    bool events_compared = false;
    // Position (within the register) of the first event that differs in type
    // or digest, or where one list ends before the other; unset when the
    // lists agree or the register is undecided. Events past the shorter list
    // are extra (in the log) or missing (from it).
    std::optional<std::size_t> first_difference;
    // Every position both lists have whose events differ: one entry means
    // one input changed; a run of entries usually means an event was
    // inserted or dropped earlier.
    std::vector<std::size_t> differing;
};

struct LogComparison {
    std::vector<RegisterComparison> registers;
    Verdict verdict = Verdict::Undecided;  // different if any register differs, else undecided if any is, else match
};

// The registers compared when the user names none: every register the
// document predicts, and every register the log extends.
std::vector<int> default_compared_registers(const TcgEventLog& log, LogMapping mapping, const ExpectedMeasurements& expected);

// Throws tdx::Error naming `log_name` when the log cannot be replayed (no
// SHA-384). A register that is not predicted is undecided unless one of the
// events the document does predict for it (a known prefix) differs.
LogComparison compare_event_log(const TcgEventLog& log, LogMapping mapping, const std::string& log_name, const ExpectedMeasurements& expected,
                                const std::vector<int>& registers);

}  // namespace tdx
