#include "builder/build_manifest.h"

#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "measure/base/digest.h"

namespace tdx::builder {

std::string image_digest(std::vector<ManifestOutput> outputs) {
    std::sort(outputs.begin(), outputs.end(), [](const ManifestOutput& a, const ManifestOutput& b) { return a.name < b.name; });
    Hasher h(Hasher::Algorithm::Sha256);
    for (const ManifestOutput& o : outputs) h.update(std::string_view(o.sha256 + "  " + o.name + "\n"));
    return to_hex(h.final256());
}

std::string render_manifest(const BuildManifest& m) {
    using nlohmann::json;
    std::vector<ManifestInput> inputs = m.inputs;
    std::sort(inputs.begin(), inputs.end(), [](const ManifestInput& a, const ManifestInput& b) {
        return std::tie(a.role, a.name, a.version, a.architecture, a.sha256) < std::tie(b.role, b.name, b.version, b.architecture, b.sha256);
    });
    json in = json::array();
    for (const ManifestInput& i : inputs) {
        json j = {{"role", i.role}, {"name", i.name}, {"urls", i.urls}, {"size", i.size}, {"sha256", i.sha256}};
        if (!i.version.empty()) j["version"] = i.version;
        if (!i.architecture.empty()) j["architecture"] = i.architecture;
        in.push_back(std::move(j));
    }
    std::vector<ManifestOutput> outputs = m.outputs;
    std::sort(outputs.begin(), outputs.end(), [](const ManifestOutput& a, const ManifestOutput& b) { return a.name < b.name; });
    json out = json::array();
    for (const ManifestOutput& o : outputs) out.push_back({{"name", o.name}, {"size", o.size}, {"sha256", o.sha256}});
    const json doc = {
        {"schema", kManifestSchema},
        {"image", {{"name", m.image_name}, {"digest", image_digest(m.outputs)}}},
        {"recipe", {{"file", m.recipe_file}, {"sha256", m.recipe_sha256}}},
        {"lock", {{"sha256", m.lock_sha256}}},
        {"tool", {{"version", m.tool_version}, {"codecs", m.codec_versions}}},
        {"kernel", {{"version", m.kernel_version}, {"modules", m.modules}, {"builtin_modules", m.builtin_modules}}},
        {"initramfs",
         {{"compression", m.compression}, {"level", m.compression_level}, {"entries", m.initramfs_entries}, {"removed", m.removed},
          {"source_date_epoch", m.source_date_epoch}, {"source_date_epoch_from", m.source_date_epoch_from}}},
        {"inputs", in},
        {"outputs", out},
        {"sbom", {{"name", m.sbom.name}, {"size", m.sbom.size}, {"sha256", m.sbom.sha256}}},
    };
    return doc.dump(2) + "\n";
}

}  // namespace tdx::builder
