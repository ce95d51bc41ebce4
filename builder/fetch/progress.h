// A one-line download progress bar on stderr. It draws only when stderr is a
// terminal and the user did not ask for --quiet, so logs and CI output stay
// free of carriage returns; it never uses colour (NO_COLOR is thus honoured
// trivially).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tdx::builder {

class Progress {
public:
    // `label` is what is being fetched (usually the file name of the URL).
    // With `enabled` false every call is a no-op.
    Progress(std::string label, bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // True when stderr is a terminal and `quiet` is false: the usual value
    // for `enabled`.
    static bool wanted(bool quiet);

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
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

// "12.3 MiB", "512 B": sizes as the progress bar and `cache ls` print them.
std::string human_size(std::uint64_t bytes);

}  // namespace tdx::builder
