#include "measure/expected_measurements.h"
#include "measure/json_document.h"

#include "base/error.h"

namespace tdx {
namespace {

using nlohmann::json;

std::string type_name(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_boolean()) return "a boolean";
    if (v.is_number()) return "a number";
    if (v.is_string()) return "a string";
    if (v.is_array()) return "an array";
    return "an object";
}

class KeyError {
public:
    explicit KeyError(const std::string& file) : file_(file) {}
    [[noreturn]] void operator()(const std::string& key, const std::string& what) const { fail(file_ + ": " + key + ": " + what); }

private:
    std::string file_;
};

const json& member(const json& obj, const std::string& key, const std::string& path, const KeyError& err) {
    auto it = obj.find(key);
    if (it == obj.end()) err(path, "missing");
    return *it;
}

std::string string_at(const json& obj, const std::string& key, const std::string& path, const KeyError& err) {
    const json& v = member(obj, key, path, err);
    if (!v.is_string()) err(path, "expected a string, found " + type_name(v));
    return v.get<std::string>();
}

Digest384 digest_at(const json& v, const std::string& path, const KeyError& err) {
    if (!v.is_string()) err(path, "expected 96 hex digits, found " + type_name(v));
    try {
        return parse_digest384(v.get<std::string>(), path);
    } catch (const Error&) {
        err(path, "expected 96 hex digits (a SHA-384 value), found \"" + v.get<std::string>().substr(0, 120) + "\"");
    }
}

int register_number(const std::string& text) {
    for (int i = 0; i < 4; ++i)
        if (text == "rtmr" + std::to_string(i)) return i;
    return -1;
}

}  // namespace

std::vector<ExpectedEvent> ExpectedMeasurements::events_of(int r) const {
    std::vector<ExpectedEvent> out;
    for (const ExpectedEvent& e : events)
        if (e.rtmr == r) out.push_back(e);
    return out;
}

ExpectedMeasurements parse_expected_measurements(const json& doc, const std::string& name) {
    const KeyError err(name);
    if (!doc.is_object()) err("(document)", "expected a JSON object, found " + type_name(doc));
    const std::string schema = string_at(doc, "schema", "schema", err);
    if (schema != kMeasurementsSchema)
        err("schema", "\"" + schema + "\" is not \"" + std::string(kMeasurementsSchema) + "\" (not a measurements.json of this tool version)");

    ExpectedMeasurements out;
    for (int i = 0; i < 4; ++i) {
        const std::string key = "rtmr" + std::to_string(i);
        auto it = doc.find(key);
        if (it == doc.end()) {
            if (i < 3) err(key, "missing (expected a SHA-384 value or null)");
            continue;
        }
        if (!it->is_null()) out.rtmr[static_cast<std::size_t>(i)] = digest_at(*it, key, err);
    }
    if (auto notes = doc.find("notes"); notes != doc.end() && !notes->is_null()) {
        if (!notes->is_object()) err("notes", "expected an object, found " + type_name(*notes));
        for (int i = 0; i < 4; ++i) {
            const std::string key = "rtmr" + std::to_string(i);
            auto n = notes->find(key);
            if (n == notes->end() || n->is_null()) continue;
            if (!n->is_string()) err("notes." + key, "expected a string, found " + type_name(*n));
            out.note[static_cast<std::size_t>(i)] = n->get<std::string>();
        }
    }

    const json& events = member(doc, "events", "events", err);
    if (!events.is_array()) err("events", "expected an array, found " + type_name(events));
    std::array<std::size_t, 4> next_index{};
    for (std::size_t k = 0; k < events.size(); ++k) {
        const json& e = events[k];
        const std::string at = "events[" + std::to_string(k) + "]";
        if (!e.is_object()) err(at, "expected an object, found " + type_name(e));
        ExpectedEvent x;
        const std::string reg = string_at(e, "register", at + ".register", err);
        x.rtmr = register_number(reg);
        if (x.rtmr < 0) err(at + ".register", "\"" + reg + "\" is not one of rtmr0, rtmr1, rtmr2, rtmr3");
        const json& index = member(e, "index", at + ".index", err);
        if (!index.is_number_integer() || (!index.is_number_unsigned() && index.get<std::int64_t>() < 0))
            err(at + ".index", "expected a non-negative integer, found " + (index.is_number() ? index.dump() : type_name(index)));
        x.index = index.get<std::size_t>();
        std::size_t& expected_index = next_index[static_cast<std::size_t>(x.rtmr)];
        if (x.index != expected_index)
            err(at + ".index", std::to_string(x.index) + ", but it is event " + std::to_string(expected_index) + " of " + reg +
                                   " in document order (the events of a register must be listed in extend order)");
        ++expected_index;
        x.type = string_at(e, "type", at + ".type", err);
        x.digest = digest_at(member(e, "digest", at + ".digest", err), at + ".digest", err);
        x.description = string_at(e, "description", at + ".description", err);
        x.kind = string_at(e, "kind", at + ".kind", err);
        const json& deps = member(e, "depends_on", at + ".depends_on", err);
        if (!deps.is_array()) err(at + ".depends_on", "expected an array of strings, found " + type_name(deps));
        for (std::size_t d = 0; d < deps.size(); ++d) {
            if (!deps[d].is_string()) err(at + ".depends_on[" + std::to_string(d) + "]", "expected a string, found " + type_name(deps[d]));
            x.depends_on.push_back(deps[d].get<std::string>());
        }
        out.events.push_back(std::move(x));
    }

    // A value and the events behind it that disagree would make every
    // verdict meaningless; refuse the document instead.
    for (int i = 0; i < 4; ++i) {
        const auto& value = out.rtmr[static_cast<std::size_t>(i)];
        if (!value || next_index[static_cast<std::size_t>(i)] == 0) continue;
        Digest384 replayed{};
        for (const ExpectedEvent& e : out.events)
            if (e.rtmr == i) extend_register(replayed, e.digest);
        if (replayed != *value)
            err("rtmr" + std::to_string(i), "the events listed for rtmr" + std::to_string(i) + " replay to " + to_hex(replayed) +
                                                ", not to this value; the document is inconsistent");
    }
    return out;
}

}  // namespace tdx
