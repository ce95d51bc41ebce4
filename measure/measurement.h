// One call that turns the inputs of a direct-boot TD (firmware, kernel,
// initrd, command line, memory size) and a platform profile into the values
// the TD will report, with every event that produced them. `tdximage
// measure`, and later `build` and `verify`, go through here.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "measure/acpi_blobs.h"
#include "measure/boot_events.h"
#include "measure/coverage.h"
#include "measure/mrtd.h"
#include "measure/profile.h"
#include "measure/rtmr0.h"
#include "ovmf/tdvf.h"

namespace tdx {

struct InputIdentity {
    std::string file;  // file name only, so documents compare across machines
    std::uint64_t size = 0;
    std::string sha256;  // lowercase hex
};

struct MeasureRequest {
    // The files to measure. When the matching *_contents is set, its bytes
    // are measured instead of reading the file, and the path only names the
    // input (its file name is the identity's `file`): `build` measures the
    // image it has just assembled in memory rather than reading it back.
    std::filesystem::path ovmf;
    std::optional<std::filesystem::path> kernel;
    std::optional<std::filesystem::path> initrd;
    std::optional<Bytes> ovmf_contents, kernel_contents, initrd_contents;
    std::string cmdline;
    std::uint64_t memory_size = 2ull << 30;
    std::optional<unsigned> cpus;                   // declared vCPU count (checked against the ACPI tables)
    std::optional<std::filesystem::path> acpi_dir;  // QEMU's fw_cfg ACPI blobs
    std::optional<std::filesystem::path> secure_boot_dir;
    Profile profile;
    bool authenticode_pad8 = false;
};

struct AcpiSummary {
    std::vector<InputIdentity> blobs;           // loader first, then the allocated blobs in order (file = fw_cfg name)
    std::vector<std::string> table_signatures;  // RSDT order
    std::optional<unsigned> cpus;               // enabled processors in the MADT
};

struct MeasureReport {
    Profile profile;
    std::uint64_t memory_size = 0;
    std::optional<unsigned> cpus;  // declared, or read from the ACPI tables
    std::optional<AcpiSummary> acpi;
    bool secure_boot_given = false;
    InputIdentity ovmf;
    std::optional<InputIdentity> kernel, initrd;
    std::string cmdline;
    std::string kernel_version;  // from the setup header; empty if unreadable
    MrtdResult mrtd;
    Digest384 mrtd_selected{};
    std::optional<Digest384> rtmr0, rtmr1, rtmr2;
    std::vector<MeasuredEvent> events;  // RTMR0 (or its known prefix), then RTMR1, RTMR2
    std::vector<PatchedField> header_patch;
    std::optional<std::uint64_t> initrd_address;
    std::vector<std::string> warnings;       // every warning of the measurement, for stderr and the JSON alike
    std::vector<RegisterCoverage> coverage;  // what each register covers under this profile and kernel
    std::string rtmr0_note;                  // why RTMR0 is not computed (empty when it is)
    TdHob td_hob;
};

// Throws tdx::Error naming the input file and what is wrong with it.
MeasureReport measure(const MeasureRequest& request);

}  // namespace tdx
