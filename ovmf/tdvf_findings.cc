// The finding collector shared by the TDVF parse steps.
#include <sstream>
#include <utility>

#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf::detail {

std::string lint_level_name(LintLevel level) {
    switch (level) {
        case LintLevel::Qemu: return "qemu";
        case LintLevel::Gce: return "gce";
        case LintLevel::TdShim: return "td-shim";
    }
    return "unknown";
}

void Findings::add(Finding::Severity severity, const std::string& rule, const std::string& message) {
    Count& c = counts_[rule];
    ++c.seen;
    if (severity == Finding::Severity::Error) c.worst = Finding::Severity::Error;
    if (c.seen <= kMaxPerRule) list_.push_back(Finding{severity, rule, message});
}

std::vector<Finding> Findings::finish() {
    for (const auto& [rule, c] : counts_) {
        if (c.seen <= kMaxPerRule) continue;
        list_.push_back(
            Finding{c.worst, rule,
                    std::to_string(c.seen - kMaxPerRule) + " more findings of this rule not listed (" + std::to_string(c.seen) + " in all)"});
    }
    counts_.clear();
    return std::move(list_);
}

}  // namespace tdx::ovmf::detail
