// The image's software bill of materials as an SPDX 2.3 JSON document: one
// package per locked distribution package (with its purl), one per locked
// file (kernel or firmware given by URL, files the recipe adds) and per extra
// input such as the agent, and one for the image itself, which the document
// DESCRIBES and which CONTAINS all the others. Nothing in it depends on the
// host or the clock: the creation time is SOURCE_DATE_EPOCH and the document
// namespace is derived from the image digest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "builder/lock/lockfile.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {

// An input that is neither a locked package nor a locked file (the agent).
struct SbomArtifact {
    std::string role;  // "agent"
    std::string name;  // its file name
    std::string sha256;
};

struct SbomInput {
    std::string image_name;
    std::string image_digest;  // 64 lowercase hex digits (build_manifest.h: image_digest)
    std::string tool_version;
    std::int64_t source_date_epoch = 0;
    Lockfile lock;
    // The recipe's sources: a package belongs to the source whose mirror its
    // URLs start with, which gives its purl type and namespace.
    std::vector<Source> sources;
    std::vector<SbomArtifact> extra;
};

// The document, pretty-printed with sorted keys and a final newline. Throws
// tdx::Error (BadInput) when the digest or a sha256 is not 64 lowercase hex
// digits, the epoch is outside 0..253402300799 (years 1970-9999), or a
// package matches no source.
std::string render_spdx_sbom(const SbomInput& in);

// "YYYY-MM-DDThh:mm:ssZ" for a Unix time, computed in UTC without the C
// library's time zone machinery. Throws outside 0..253402300799.
std::string utc_iso8601(std::int64_t epoch);

// A package URL (purl-spec): pkg:deb/debian/NAME@VERSION?arch=ARCH,
// pkg:deb/ubuntu/..., pkg:apk/alpine/..., each component percent-encoded.
std::string package_purl(Distribution distribution, const std::string& name, const std::string& version, const std::string& architecture);

}  // namespace tdx::builder
