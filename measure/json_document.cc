#include "measure/json_document.h"

#include <set>
#include <vector>

#include "base/error.h"

namespace tdx {
namespace {

// The deepest nesting of objects and arrays, outside strings; stops counting
// once past kMaxJsonDepth.
std::size_t nesting_depth(std::string_view text) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > deepest) deepest = depth;
            if (deepest > kMaxJsonDepth) return deepest;
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

struct Parsed {
    nlohmann::json doc;
    std::string problem;  // "" when doc is the document
};

Parsed parse(std::string_view text) {
    Parsed p;
    if (nesting_depth(text) > kMaxJsonDepth) {
        p.problem = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
        return p;
    }
    // One set of keys per open object, to find a key given twice.
    std::vector<std::set<std::string>> keys;
    std::string duplicate;
    const nlohmann::json::parser_callback_t track = [&](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) keys.emplace_back();
        else if (event == E::object_end && !keys.empty())
            keys.pop_back();
        else if (event == E::key && !keys.empty() && !keys.back().insert(value.get<std::string>()).second && duplicate.empty())
            duplicate = value.get<std::string>();
        return true;
    };
    try {
        p.doc = nlohmann::json::parse(text.begin(), text.end(), track);
    } catch (const nlohmann::json::exception& e) {
        p.problem = std::string("not valid JSON: ") + e.what();
        return p;
    }
    if (!duplicate.empty()) p.problem = "the key \"" + duplicate + "\" appears twice in one object";
    return p;
}

}  // namespace

nlohmann::json parse_json_document(std::string_view text, const std::string& name) {
    Parsed p = parse(text);
    if (!p.problem.empty()) fail(name + ": " + p.problem, ErrorKind::BadInput);
    return std::move(p.doc);
}

std::optional<nlohmann::json> try_parse_json_document(std::string_view text) {
    Parsed p = parse(text);
    if (!p.problem.empty()) return std::nullopt;
    return std::move(p.doc);
}

}  // namespace tdx
