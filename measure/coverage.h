// What each register covers: the one table that says which inputs of a TD
// change MR_TD and each RTMR under a platform profile. `measure` and `build`
// write it into measurements.json ("covers"), `build` names the registers an
// operator must pin so that the agent is covered, and `verify` says what a set
// of compared registers leaves unchecked. A "verified" that covers less than
// the operator thinks is the worst answer this tool can give, so no command
// words coverage on its own.
#pragma once

#include <string>
#include <vector>

#include "measure/profile.h"

namespace tdx {

struct RegisterCoverage {
    std::string name;                 // "MR_TD", "RTMR0", "RTMR1", "RTMR2"
    std::string key;                  // "mrtd", "rtmr0", ... (measurements.json's keys)
    std::string summary;              // one phrase: "the firmware", "the kernel", ...
    std::vector<std::string> inputs;  // every input whose bytes change the register
    bool covers_agent = false;        // the agent's bytes or arguments change it
    bool required = false;            // part of the pin set that covers the whole image
};

struct CoverageContext {
    Profile profile;
    // Linux < 6.9 does not extend RTMR2 in a TD (EFI stub without
    // EFI_CC_MEASUREMENT_PROTOCOL): then no register covers the command line
    // or the initramfs's contents.
    bool kernel_measures_rtmr2 = true;
};

// MR_TD, RTMR0, RTMR1, RTMR2, in that order.
std::vector<RegisterCoverage> register_coverage(const CoverageContext& context);

// The registers an operator must pin to cover the firmware, the kernel, the
// command line and the initramfs with the agent ("MR_TD", "RTMR1", "RTMR2").
std::vector<std::string> pin_set(const std::vector<RegisterCoverage>& coverage);

// The required registers that are not in `compared`, in table order.
std::vector<RegisterCoverage> uncovered(const std::vector<RegisterCoverage>& coverage, const std::vector<std::string>& compared);

// "MR_TD, RTMR1 and RTMR2"
std::string join_names(const std::vector<std::string>& names);

}  // namespace tdx
