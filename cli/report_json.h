// JSON documents printed by the CLI (measurements.json has its own owner:
// measure/measurements_json.h). Keys are sorted (nlohmann::json's
// default map), digests are lowercase hex, sizes are integers, there are no
// timestamps or absolute paths: two runs on two machines print the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/measurement.h"
#include "ovmf/firmware_volume.h"
#include "ovmf/tdvf.h"

namespace tdx::cli {

nlohmann::json tdvf_inspect_json(const ovmf::TdvfImage& image, const InputIdentity& file, const std::optional<MrtdResult>& mrtd,
                                 const std::optional<Digest384>& cfv);
// The keys tdximage.ovmf/v1 gained for the firmware's modules:
// firmware_volumes, modules, td_measurement, firmware_problems, firmware_warnings.
nlohmann::json firmware_inventory_json(const ovmf::FirmwareInventory& inventory, const std::vector<std::string>& warnings);

}  // namespace tdx::cli
