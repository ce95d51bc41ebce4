// Readable tables for people; the JSON form is the machine interface.
#pragma once

#include <ostream>

#include "measure/measurement.h"
#include "ovmf/firmware_volume.h"
#include "ovmf/tdvf.h"

namespace tdx::cli {

void print_measure_report(std::ostream& out, const MeasureReport& r);
// Each register and the inputs it covers, one line per input.
void print_coverage(std::ostream& out, const std::vector<RegisterCoverage>& coverage);
// The registers to pin so that the agent is covered, and that MR_TD alone
// does not cover it.
// `label` starts the first line ("pin       "); the next lines align under it.
void print_pin_advice(std::ostream& out, const std::vector<RegisterCoverage>& coverage, const std::string& label);
void print_tdvf_inspect(std::ostream& out, const ovmf::TdvfImage& image, const InputIdentity& file, const std::optional<MrtdResult>& mrtd,
                        const std::optional<Digest384>& cfv);
// Volumes, module counts by type, the TD measurement drivers and walk
// problems; every module with `modules`.
void print_firmware_inventory(std::ostream& out, const ovmf::FirmwareInventory& inventory, bool modules);
void print_profiles(std::ostream& out);

}  // namespace tdx::cli
