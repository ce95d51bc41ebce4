// The documents of a published output directory (manifest.json,
// measurements.json, an --expect file) as `verify`, `diff` and
// `eventlog compare` read them: the bounded JSON reader, the manifest's
// claims, the published measurements, the expected-measurements schema and
// `diff`'s JSON comparisons. Whatever parses must compare equal to itself,
// and a manifest that parses must render and parse back to the same claims.
#include <cstdio>
#include <cstdlib>

#include "builder/build_manifest.h"
#include "diff/image_diff.h"
#include "measure/expected_measurements.h"
#include "measure/json_document.h"
#include "measure/measurements_compare.h"
#include "measure/measurements_json.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    const std::string text(fuzz::text_of(data, size));
    (void)try_parse_json_document(text);
    try {
        const builder::PublishedManifest m = builder::parse_manifest(text, "manifest.json");
        builder::BuildManifest again;
        again.image_name = m.image_name;
        again.outputs = m.outputs;
        again.agent = m.agent;
        again.init_program = m.init_program;
        again.init_args = m.init_args;
        const builder::PublishedManifest back = builder::parse_manifest(builder::render_manifest(again), "rendered.json");
        if (back.outputs.size() != m.outputs.size() || back.agent.has_value() != m.agent.has_value()) {
            std::fprintf(stderr, "a manifest does not survive render + parse\n");
            std::abort();
        }
    } catch (const Error&) {
    }
    try {
        const PublishedMeasurements p = parse_measurements(text, "measurements.json");
        const MeasurementDiff d = compare_measurements(p, p);
        if (!d.all_equal) {
            std::fprintf(stderr, "a measurements document differs from itself\n");
            std::abort();
        }
    } catch (const Error&) {
    }
    try {
        (void)parse_measurements(text, "expected.json");
    } catch (const Error&) {
    }
    // diff A A: a document never differs from itself, whichever reading of it
    // `diff` picks by the file's name.
    const Bytes bytes = fuzz::bytes_of(data, size);
    for (auto* diff : {&builder::diff_json, &builder::diff_manifest, &builder::diff_measurements_documents}) {
        try {
            if (!diff(bytes, bytes, "a.json").empty()) {
                std::fprintf(stderr, "diff finds differences between a document and itself\n");
                std::abort();
            }
        } catch (const Error&) {
        }
    }
    return 0;
}
