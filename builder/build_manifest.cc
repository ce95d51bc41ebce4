#include "builder/build_manifest.h"
#include "measure/json_document.h"

#include <algorithm>
#include <tuple>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/error.h"

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
    json agent = nullptr;
    if (m.agent) agent = {{"name", m.agent->name}, {"size", m.agent->size}, {"sha256", m.agent->sha256}, {"args", m.agent->args}};
    const json doc = {
        {"schema", kManifestSchema},
        {"image", {{"name", m.image_name}, {"digest", image_digest(m.outputs)}}},
        {"recipe", {{"file", m.recipe_file}, {"sha256", m.recipe_sha256}}},
        {"lock", {{"sha256", m.lock_sha256}}},
        {"tool", {{"version", m.tool_version}, {"codecs", m.codec_versions}}},
        {"kernel", {{"version", m.kernel_version}, {"modules", m.modules}, {"builtin_modules", m.builtin_modules}}},
        {"initramfs",
         {{"compression", m.compression},
          {"level", m.compression_level},
          {"entries", m.initramfs_entries},
          {"removed", m.removed},
          {"source_date_epoch", m.source_date_epoch},
          {"source_date_epoch_from", m.source_date_epoch_from}}},
        {"inputs", in},
        {"agent", agent},
        {"init", {{"program", m.init_program}, {"args", m.init_args}}},
        {"outputs", out},
        {"sbom", {{"name", m.sbom.name}, {"size", m.sbom.size}, {"sha256", m.sbom.sha256}}},
    };
    // Arguments and names are bytes from the command line; the manifest
    // stays valid JSON whatever they are.
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

using nlohmann::json;

const json& member(const json& obj, const char* key, const std::string& where) {
    if (!obj.is_object() || !obj.contains(key)) fail(where + ": missing \"" + key + "\"", ErrorKind::BadInput);
    return obj.at(key);
}

std::string string_at(const json& obj, const char* key, const std::string& where) {
    const json& v = member(obj, key, where);
    if (!v.is_string()) fail(where + "." + key + ": not a string", ErrorKind::BadInput);
    return v.get<std::string>();
}

std::uint64_t size_at(const json& obj, const char* key, const std::string& where) {
    const json& v = member(obj, key, where);
    if (!v.is_number_unsigned()) fail(where + "." + key + ": not a size", ErrorKind::BadInput);
    return v.get<std::uint64_t>();
}

std::string sha256_at(const json& obj, const char* key, const std::string& where) {
    const std::string s = string_at(obj, key, where);
    if (s.size() != 64 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
        fail(where + "." + key + ": not 64 lowercase hex digits", ErrorKind::BadInput);
    return s;
}

std::vector<std::string> strings_at(const json& obj, const char* key, const std::string& where) {
    const json& v = member(obj, key, where);
    if (!v.is_array()) fail(where + "." + key + ": not a list", ErrorKind::BadInput);
    std::vector<std::string> out;
    for (const json& x : v) {
        if (!x.is_string()) fail(where + "." + key + ": not a list of strings", ErrorKind::BadInput);
        out.push_back(x.get<std::string>());
    }
    return out;
}

ManifestOutput output_at(const json& o, const std::string& where) {
    ManifestOutput out;
    out.name = string_at(o, "name", where);
    // A claimed file name is used to open a file beside the manifest: it must
    // be a plain name, never a path out of the directory.
    if (out.name.empty() || out.name == "." || out.name == ".." || out.name.find('/') != std::string::npos ||
        out.name.find('\0') != std::string::npos)
        fail(where + ".name: '" + out.name + "' is not a plain file name", ErrorKind::BadInput);
    out.size = size_at(o, "size", where);
    out.sha256 = sha256_at(o, "sha256", where);
    return out;
}

}  // namespace

PublishedManifest parse_manifest(const std::string& text, const std::string& name) {
    const json doc = parse_json_document(text, name);
    if (!doc.is_object() || doc.value("schema", json()) != kManifestSchema)
        fail(name + ": not a tdximage manifest (schema is not \"" + std::string(kManifestSchema) + "\")", ErrorKind::BadInput);
    PublishedManifest m;
    const json& image = member(doc, "image", name);
    m.image_name = string_at(image, "name", name + ": image");
    m.image_digest = sha256_at(image, "digest", name + ": image");
    if (doc.contains("tool") && doc["tool"].is_object() && doc["tool"].contains("version") && doc["tool"]["version"].is_string())
        m.tool_version = doc["tool"]["version"].get<std::string>();
    const json& outs = member(doc, "outputs", name);
    if (!outs.is_array()) fail(name + ": outputs: not a list", ErrorKind::BadInput);
    for (std::size_t i = 0; i < outs.size(); ++i) m.outputs.push_back(output_at(outs[i], name + ": outputs[" + std::to_string(i) + "]"));
    // render_manifest writes an sbom entry with an empty name when a
    // manifest has none (documents written outside `build`).
    if (doc.contains("sbom") && !doc["sbom"].is_null() && doc["sbom"].value("name", nlohmann::json()) != "")
        m.sbom = output_at(doc["sbom"], name + ": sbom");
    if (doc.contains("agent")) {
        m.agent_recorded = true;
        const json& a = doc["agent"];
        if (!a.is_null()) {
            ManifestAgent agent;
            agent.name = string_at(a, "name", name + ": agent");
            agent.size = size_at(a, "size", name + ": agent");
            agent.sha256 = sha256_at(a, "sha256", name + ": agent");
            agent.args = strings_at(a, "args", name + ": agent");
            m.agent = std::move(agent);
        }
        const json& init = member(doc, "init", name);
        m.init_program = string_at(init, "program", name + ": init");
        m.init_args = strings_at(init, "args", name + ": init");
    }
    return m;
}

}  // namespace tdx::builder
