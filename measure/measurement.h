// One call that turns the inputs of a direct-boot TD (firmware, kernel,
// initrd, command line, memory size) and a platform profile into the values
// the TD will report, with every event that produced them. `tdximage
// measure`, and later `build` and `verify`, go through here.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "measure/boot_events.h"
#include "measure/mrtd.h"
#include "measure/profile.h"
#include "ovmf/tdvf.h"

namespace tdx {

struct MeasureRequest {
    std::filesystem::path ovmf;
    std::optional<std::filesystem::path> kernel;
    std::optional<std::filesystem::path> initrd;
    std::string cmdline;
    std::uint64_t memory_size = 2ull << 30;
    Profile profile;
    bool authenticode_pad8 = false;
};

struct InputIdentity {
    std::string file;       // file name only, so documents compare across machines
    std::uint64_t size = 0;
    std::string sha256;     // lowercase hex
};

struct MeasureReport {
    Profile profile;
    std::uint64_t memory_size = 0;
    InputIdentity ovmf;
    std::optional<InputIdentity> kernel, initrd;
    std::string cmdline;
    std::string kernel_version;  // from the setup header; empty if unreadable
    MrtdResult mrtd;
    Digest384 mrtd_selected{};
    std::optional<Digest384> rtmr1, rtmr2;
    std::vector<MeasuredEvent> events;
    std::vector<PatchedField> header_patch;
    std::optional<std::uint64_t> initrd_address;
    std::vector<std::string> warnings;
    std::string rtmr0_note;   // why RTMR0 is not computed
};

// Throws tdx::Error naming the input file and what is wrong with it.
MeasureReport measure(const MeasureRequest& request);

}  // namespace tdx
