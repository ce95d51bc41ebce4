// How much decoding the events of one log may build. A device path of 4-byte
// nodes, a BootOrder of 2-byte entries or a table list of 24-byte entries
// turns a few bytes of event data into a decoded structure that costs far
// more memory; the per-event limits let a 32 MB log of such data take
// gigabytes. Every structure decoded counts against event-log-nodes, across
// all events of the log, so the cost grows with the limit, not with the log.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace tdx {

class DecodeBudget {
public:
    // `log_name` is named by the error when the limit is hit.
    explicit DecodeBudget(std::string log_name) : log_name_(std::move(log_name)) {}

    // Counts `n` decoded structures. Past the limit it throws; the decoders
    // turn errors into "malformed" notes, so it also remembers, and check()
    // throws again where decoding returns.
    void spend(std::uint64_t n);
    // Throws the event-log-nodes error naming the log once spend() went past
    // the limit.
    void check() const;

    std::uint64_t used() const { return used_; }

private:
    std::string log_name_;
    std::uint64_t used_ = 0;
    bool exceeded_ = false;
};

}  // namespace tdx
