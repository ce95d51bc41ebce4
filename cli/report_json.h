// JSON documents printed by the CLI. Keys are sorted (nlohmann::json's
// default map), digests are lowercase hex, sizes are integers, there are no
// timestamps or absolute paths: two runs on two machines print the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/measurement.h"
#include "ovmf/firmware_volume.h"
#include "ovmf/tdvf.h"

namespace tdx::cli {

nlohmann::json profile_json(const Profile& p);
nlohmann::json measure_report_json(const MeasureReport& r);
// measurements.json's coverage keys: "covers" (register -> inputs),
// "agent_covered_by" and "pin" (the registers that cover the whole image).
nlohmann::json coverage_json(const std::vector<RegisterCoverage>& coverage);
nlohmann::json tdvf_inspect_json(const ovmf::TdvfImage& image, const InputIdentity& file,
                                 const std::optional<MrtdResult>& mrtd, const std::optional<Digest384>& cfv);
// The keys tdximage.ovmf/v1 gained for the firmware's modules:
// firmware_volumes, modules, td_measurement, firmware_problems, firmware_warnings.
nlohmann::json firmware_inventory_json(const ovmf::FirmwareInventory& inventory, const std::vector<std::string>& warnings);

}  // namespace tdx::cli
