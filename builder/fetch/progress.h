// A one-line download progress bar, drawn through a Reporter (base/reporter.h)
// and only when it wants progress (cli's: stderr is a terminal and no
// --quiet), so logs and CI output stay free of carriage returns; it never
// uses colour (NO_COLOR is thus honoured trivially).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/reporter.h"

namespace tdx::builder {

class Progress {
public:
    // `label` is what is being fetched (usually the file name of the URL).
    // When the reporter wants no progress every call is a no-op.
    Progress(std::string label, Reporter& reporter);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // `total` 0 means unknown. Redraws at most ten times a second.
    void update(std::uint64_t done, std::uint64_t total);
    // The transfer restarted (retry, another mirror): note it on the line.
    void set_label(std::string label);
    // Ends the line; called by the destructor when not called before.
    void finish();

    bool enabled() const { return enabled_; }

private:
    void draw(std::uint64_t done, std::uint64_t total);

    std::string label_;
    Reporter& reporter_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace tdx::builder
