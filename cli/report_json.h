// JSON documents printed by the CLI. Keys are sorted (nlohmann::json's
// default map), digests are lowercase hex, sizes are integers, there are no
// timestamps or absolute paths: two runs on two machines print the same bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "measure/measurement.h"
#include "ovmf/tdvf.h"

namespace tdx::cli {

nlohmann::json profile_json(const Profile& p);
nlohmann::json measure_report_json(const MeasureReport& r);
nlohmann::json tdvf_inspect_json(const ovmf::TdvfImage& image, const InputIdentity& file,
                                 const std::optional<MrtdResult>& mrtd, const std::optional<Digest384>& cfv);

}  // namespace tdx::cli
