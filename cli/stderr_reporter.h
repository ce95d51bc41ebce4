// The Reporter (base/reporter.h) of a command run by a person: stages and
// progress bars only on a terminal and without --quiet, notes unless --quiet,
// all on stderr so stdout stays the result.
#pragma once

#include "base/reporter.h"

namespace tdx::cli {

class StderrReporter final : public Reporter {
public:
    // `quiet`: --quiet or --json (a machine reads stdout; stderr stays for errors and warnings).
    explicit StderrReporter(bool quiet);

    void stage(const std::string& text) override;
    void note(const std::string& text) override;
    bool wants_progress() const override { return terminal_; }
    unsigned progress_width() const override;
    void progress_line(const std::string& line) override;
    void end_progress() override;

private:
    bool quiet_;
    bool terminal_;  // stderr is a terminal and not quiet
    int stage_ = 0;
};

}  // namespace tdx::cli
