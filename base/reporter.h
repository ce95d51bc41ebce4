// What library code has to tell the person running the tool while it works:
// a stage of a long job, a note ("wrote the lock"), a one-line progress bar.
// Library code never writes to stderr itself; it reports here and cli/
// decides whether and how to print (a terminal, --quiet, --json). Warnings
// are not reported here: they travel with results (MeasureReport::warnings,
// BuildOutcome::warnings), so --json and stderr show one and the same list
// (cli/warnings.h prints it).
#pragma once

#include <string>

namespace tdx {

class Reporter {
public:
    virtual ~Reporter() = default;
    // A step of a long job ("fetching 123 packages"); shown as progress only.
    virtual void stage(const std::string& text) = 0;
    // A fact worth a line even in a log ("wrote debian-13.yaml.lock (140 packages)").
    virtual void note(const std::string& text) = 0;
    // Progress bars are drawn only when this is true (a terminal, not --quiet).
    virtual bool wants_progress() const = 0;
    // The columns a progress line may use.
    virtual unsigned progress_width() const = 0;
    // Replaces the current progress line with `line`; end_progress ends it.
    virtual void progress_line(const std::string& line) = 0;
    virtual void end_progress() = 0;
};

// A reporter that shows nothing (library defaults, tests, --json runs).
Reporter& silent_reporter();

}  // namespace tdx
