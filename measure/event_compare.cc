#include "measure/event_compare.h"

#include <algorithm>

#include "base/error.h"
#include "measure/event_types.h"

namespace tdx {
namespace {

std::string events_word(std::size_t n) { return std::to_string(n) + (n == 1 ? " event" : " events"); }

bool same_event(const TcgEvent& actual, const ExpectedEvent& expected) {
    const std::optional<Digest384> d = actual.sha384();
    return d && *d == expected.digest && event_type_name(actual.type) == expected.type;
}

std::optional<std::size_t> first_difference(const TcgEventLog& log, const RegisterComparison& c) {
    const std::size_t n = std::max(c.actual.size(), c.expected.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (i >= c.actual.size() || i >= c.expected.size()) return i;
        if (!same_event(log.events[c.actual[i]], c.expected[i])) return i;
    }
    return std::nullopt;
}

// "event 3 differs", "the log has 2 events more than predicted", ...
std::string difference_text(const RegisterComparison& c) {
    const std::size_t i = *c.first_difference;
    const std::string name = rtmr_name(c.rtmr);
    if (i >= c.expected.size())
        return "the log has " + events_word(c.actual.size() - c.expected.size()) + " more than predicted, from " + name + " event " +
               std::to_string(i);
    if (i >= c.actual.size())
        return "the log lacks " + std::to_string(c.expected.size() - c.actual.size()) + " predicted " +
               (c.expected.size() - c.actual.size() == 1 ? "event" : "events") + ", from " + name + " event " + std::to_string(i) + " (" +
               c.expected[i].kind + ")";
    return name + " event " + std::to_string(i) + " (" + c.expected[i].kind + ") differs";
}

void decide(const TcgEventLog& log, RegisterComparison& c, const std::string& note) {
    const std::string name = rtmr_name(c.rtmr);
    c.events_compared = !c.expected.empty() || (c.expected_value && *c.expected_value == Digest384{});
    if (c.events_compared) {
        c.first_difference = first_difference(log, c);
        for (std::size_t i = 0; i < std::min(c.actual.size(), c.expected.size()); ++i)
            if (!same_event(log.events[c.actual[i]], c.expected[i])) c.differing.push_back(i);
    }

    if (c.expected_value) {
        if (c.actual_value == *c.expected_value) {
            c.verdict = Verdict::Match;
            c.reason = "the log's " + events_word(c.actual.size()) + " replay to the predicted value";
            return;
        }
        c.verdict = Verdict::Different;
        if (!c.events_compared)
            c.reason = "the values differ; the expected document lists no events for " + name + ", so only the values were compared";
        else if (c.first_difference)
            c.reason = difference_text(c);
        else
            c.reason = "the values differ although every event matches";  // impossible for a consistent document
        return;
    }

    const std::string why = note.empty() ? "no reason given" : note;
    // The document's events for an unpredicted register are the part that is
    // known (the TD HOB and CFV before the ACPI tables, say): a difference
    // there is a real difference even if the rest cannot be predicted.
    if (c.first_difference && *c.first_difference < c.expected.size()) {
        c.verdict = Verdict::Different;
        c.reason = difference_text(c) + "; " + name + " as a whole is not predicted (" + why + "), but its first " +
                   events_word(c.expected.size()) + " are";
        return;
    }
    // Events past the known prefix are not differences: nothing predicts them.
    c.first_difference.reset();
    c.differing.clear();
    c.verdict = Verdict::Undecided;
    c.reason = "the expected document does not predict " + name + " (" + why + ")";
    if (!c.expected.empty()) c.reason += "; the " + events_word(c.expected.size()) + " it lists for it match the log";
    c.reason += "; the log has " + events_word(c.actual.size()) + " for it";
}

}  // namespace

std::string to_string(Verdict v) {
    switch (v) {
        case Verdict::Match: return "match";
        case Verdict::Different: return "different";
        case Verdict::Undecided: return "undecided";
    }
    return "undecided";
}

std::vector<int> default_compared_registers(const TcgEventLog& log, LogMapping mapping, const ExpectedMeasurements& expected) {
    std::vector<int> out;
    for (int i = 0; i < 4; ++i) {
        bool in_log = false;
        for (const TcgEvent& e : log.events) in_log = in_log || rtmr_of_event(e, mapping) == i;
        if (expected.rtmr[static_cast<std::size_t>(i)] || in_log) out.push_back(i);
    }
    return out;
}

LogComparison compare_event_log(const TcgEventLog& log, LogMapping mapping, const std::string& log_name, const ExpectedMeasurements& expected,
                                const std::vector<int>& registers) {
    const RtmrReplay replay = replay_rtmrs(log, mapping, log_name);
    LogComparison out;
    bool any_different = false;
    bool any_undecided = registers.empty();
    for (int r : registers) {
        if (r < 0 || r > 3) fail("register " + std::to_string(r) + " is not an RTMR (0..3)", ErrorKind::Usage);
        const auto ri = static_cast<std::size_t>(r);
        RegisterComparison c;
        c.rtmr = r;
        c.actual_value = replay.value[ri];
        c.expected_value = expected.rtmr[ri];
        for (std::size_t i = 0; i < log.events.size(); ++i)
            if (rtmr_of_event(log.events[i], mapping) == r) c.actual.push_back(i);
        c.expected = expected.events_of(r);
        decide(log, c, expected.note[ri]);
        any_different = any_different || c.verdict == Verdict::Different;
        any_undecided = any_undecided || c.verdict == Verdict::Undecided;
        out.registers.push_back(std::move(c));
    }
    out.verdict = any_different ? Verdict::Different : any_undecided ? Verdict::Undecided : Verdict::Match;
    return out;
}

}  // namespace tdx
