#include "measure/decode_budget.h"

#include "base/limits.h"

namespace tdx {

void DecodeBudget::spend(std::uint64_t n) {
    used_ += n;
    if (used_ > limit(Limit::EventLogNodes)) exceeded_ = true;
    check();
}

void DecodeBudget::check() const {
    if (exceeded_)
        exceeded(Limit::EventLogNodes, log_name_, "the structures decoded from its events (device-path nodes, variables, list entries)");
}

}  // namespace tdx
