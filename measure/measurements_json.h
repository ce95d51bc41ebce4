// measurements.json ("tdximage.measurements/v1"): its one owner. `measure
// --json/--out-dir` and `build` write it through render_measurements;
// `verify`, `diff`, the build's "changed since the previous build" and
// `eventlog compare` read it through parse_measurements and compare two of
// them through measurements_compare.h. docs/measurements-json.md describes
// the keys. Keys are sorted (nlohmann::json's map), digests are lowercase hex,
// sizes are integers, inputs are named by file name only: two runs on two
// machines write the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/coverage.h"
#include "measure/expected_measurements.h"
#include "measure/measurement.h"
#include "measure/profile.h"

namespace tdx {

// The document for one measurement.
nlohmann::json render_measurements(const MeasureReport& r);
// Its text as written to measurements.json (two-space indent, final newline).
std::string measurements_text(const MeasureReport& r);

// The files a measurement is published as, in this order: mr_td.hex, the
// rtmrN.hex of the registers computed, measurements.json. `measure --out-dir`
// and `build` write exactly these; `stale` lists the value files of the
// registers not computed (an earlier run's must not stay beside them).
struct MeasurementFile {
    std::string name;
    std::string content;
};
struct MeasurementFiles {
    std::vector<MeasurementFile> files;
    std::vector<std::string> stale;
};
MeasurementFiles measurement_files(const MeasureReport& r);

// A profile as measurements.json and `inspect profiles --json` show it.
nlohmann::json profile_json(const Profile& p);
// measurements.json's coverage keys: "covers" (register -> inputs),
// "agent_covered_by" and "pin" (the registers that cover the whole image).
nlohmann::json coverage_json(const std::vector<RegisterCoverage>& coverage);

// A setup-header field QEMU wrote, as measurements.json lists it.
struct HeaderField {
    std::string name;
    std::uint64_t value = 0;
};

struct PublishedMeasurements {
    std::optional<std::string> mrtd;  // lowercase hex
    ExpectedMeasurements registers;   // may list no events (only values)
    // What explains an RTMR1 difference below the kernel event: the kernel
    // file's identity and the header fields QEMU wrote (kernel-header
    // patched); absent in documents that do not carry them.
    std::optional<std::string> kernel_sha256;
    std::optional<std::uint64_t> initrd_size;
    std::vector<HeaderField> header_patch;
};

// From a measurements.json document ("tdximage.measurements/v1"); throws
// tdx::Error naming `name` and the offending key.
PublishedMeasurements parse_published_measurements(const std::string& text, const std::string& name);

// A measurements.json document read back: validated against the schema, the
// events of each predicted register replayed to its value (expected_measurements.h).
// Throws tdx::Error naming `name` and the offending key.
PublishedMeasurements parse_measurements(const std::string& text, const std::string& name);
// The same from a document already parsed as JSON (`diff` has it in hand).
PublishedMeasurements parse_measurements_doc(const nlohmann::json& doc, const std::string& name);

}  // namespace tdx
