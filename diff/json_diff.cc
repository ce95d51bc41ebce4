// Diffs of the JSON documents a build writes. Generic JSON is flattened to
// "key.path" -> value; the manifest's inputs and outputs are matched by role
// and name instead of position (one added package would otherwise shift every
// later index), and measurements.json's events are compared per register up to
// the first event that differs (the rule verify uses): every later value
// follows from it.
#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "diff/image_diff.h"
#include "measure/json_document.h"
#include "measure/measurements_compare.h"
#include "measure/measurements_json.h"

namespace tdx::builder {
namespace {

using nlohmann::json;
using Flat = std::map<std::string, std::string>;

json parse(Bytes d, const std::string& what) {
    json j = parse_json_document(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()), what);
    if (!j.is_object()) fail(what + ": not a JSON object");
    return j;
}

std::string scalar(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Arrays of scalars (module lists, URLs) are one value; arrays of objects are
// walked by index.
void flatten(const json& j, const std::string& path, Flat& out) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) flatten(v, path.empty() ? k : path + "." + k, out);
    } else if (j.is_array() && std::any_of(j.begin(), j.end(), [](const json& e) { return e.is_object(); })) {
        for (std::size_t i = 0; i < j.size(); ++i) flatten(j[i], path + "[" + std::to_string(i) + "]", out);
    } else {
        out[path] = scalar(j);
    }
}

void diff_flat(const Flat& a, const Flat& b, const std::string& where, std::vector<Difference>& out) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a) keys.insert(k);
    for (const auto& [k, v] : b) keys.insert(k);
    for (const std::string& k : keys) {
        const auto ia = a.find(k), ib = b.find(k);
        if (ib == b.end()) out.push_back({where, k + " only in A", ia->second, ""});
        else if (ia == a.end())
            out.push_back({where, k + " only in B", "", ib->second});
        else if (ia->second != ib->second)
            out.push_back({where, k, ia->second, ib->second});
    }
}

json without(json j, std::initializer_list<const char*> keys) {
    for (const char* k : keys) j.erase(k);
    return j;
}

// Array of objects -> (label -> object), labelled by the given members; a
// label seen again gets "#n".
std::map<std::string, json> keyed(const json& arr, std::initializer_list<const char*> members) {
    std::map<std::string, json> out;
    if (!arr.is_array()) return out;
    std::map<std::string, unsigned> seen;
    for (const json& e : arr) {
        std::string label;
        for (const char* m : members) label += (label.empty() ? "" : " ") + (e.is_object() && e.contains(m) ? scalar(e[m]) : std::string("?"));
        const unsigned n = seen[label]++;
        out.emplace(n == 0 ? label : label + "#" + std::to_string(n), e);
    }
    return out;
}

void diff_keyed(const json& a, const json& b, std::initializer_list<const char*> members, const std::string& where, const std::string& noun,
                std::vector<Difference>& out) {
    const auto ka = keyed(a, members), kb = keyed(b, members);
    std::set<std::string> labels;
    for (const auto& [k, v] : ka) labels.insert(k);
    for (const auto& [k, v] : kb) labels.insert(k);
    for (const std::string& l : labels) {
        const std::string at = where + ":" + noun + " " + l;
        const auto ia = ka.find(l), ib = kb.find(l);
        auto brief = [](const json& e) {
            std::string s = e.contains("version") ? scalar(e["version"]) + ", " : "";
            return s + (e.contains("sha256") ? "sha256 " + scalar(e["sha256"]) : e.dump());
        };
        if (ib == kb.end()) {
            out.push_back({at, "only in A", brief(ia->second), ""});
        } else if (ia == ka.end()) {
            out.push_back({at, "only in B", "", brief(ib->second)});
        } else {
            Flat fa, fb;
            flatten(ia->second, "", fa);
            flatten(ib->second, "", fb);
            diff_flat(fa, fb, at, out);
        }
    }
}

std::string event_text(const ExpectedEvent& e) { return e.type + " digest " + to_hex(e.digest) + " \"" + e.description + "\""; }

}  // namespace

std::vector<Difference> diff_json(Bytes a, Bytes b, const std::string& where) {
    Flat fa, fb;
    flatten(parse(a, where + " (A)"), "", fa);
    flatten(parse(b, where + " (B)"), "", fb);
    std::vector<Difference> out;
    diff_flat(fa, fb, where, out);
    return out;
}

std::vector<Difference> diff_manifest(Bytes a, Bytes b, const std::string& where) {
    const json ja = parse(a, where + " (A)"), jb = parse(b, where + " (B)");
    std::vector<Difference> out;
    Flat fa, fb;
    flatten(without(ja, {"inputs", "outputs"}), "", fa);
    flatten(without(jb, {"inputs", "outputs"}), "", fb);
    diff_flat(fa, fb, where, out);
    const json none = json::array();
    diff_keyed(ja.value("inputs", none), jb.value("inputs", none), {"role", "name"}, where, "input", out);
    diff_keyed(ja.value("outputs", none), jb.value("outputs", none), {"name"}, where, "output", out);
    return out;
}

std::vector<Difference> diff_measurements_documents(Bytes a, Bytes b, const std::string& where) {
    const json ja = parse(a, where + " (A)"), jb = parse(b, where + " (B)");
    std::vector<Difference> out;
    Flat fa, fb;
    flatten(without(ja, {"events"}), "", fa);
    flatten(without(jb, {"events"}), "", fb);
    diff_flat(fa, fb, where, out);
    // The events through measurements.json's own reader and its one rule for
    // the first event that differs (measure/measurements_compare.h).
    const PublishedMeasurements pa = parse_measurements_doc(ja, where + " (A)"), pb = parse_measurements_doc(jb, where + " (B)");
    for (int r = 0; r < 4; ++r) {
        const std::vector<ExpectedEvent> xa = pa.registers.events_of(r), xb = pb.registers.events_of(r);
        const std::optional<std::size_t> i = first_differing_event(xa, xb);
        if (!i) continue;
        out.push_back({where + ":rtmr" + std::to_string(r) + " event " + std::to_string(*i), "first differing event",
                       *i < xa.size() ? event_text(xa[*i]) : "", *i < xb.size() ? event_text(xb[*i]) : ""});
    }
    return out;
}

}  // namespace tdx::builder
