#include "builder/lock/lockfile.h"

#include "builder/recipe/yaml_document.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include <yaml-cpp/yaml.h>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"

namespace tdx::builder {
namespace {

// JSON-style double-quoted strings are valid YAML and need no judgement
// about which plain scalars YAML would reinterpret ("1:2.0", "yes", "0755").
std::string quote(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    append_hex_escape(out, c);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    return out + "\"";
}

void sort_lock(Lockfile& lock) {
    std::sort(lock.indexes.begin(), lock.indexes.end(), [](const IndexRef& a, const IndexRef& b) { return a.url < b.url; });
    std::sort(lock.packages.begin(), lock.packages.end(), [](const PackageRef& a, const PackageRef& b) {
        return std::tie(a.source, a.name, a.version, a.architecture) < std::tie(b.source, b.name, b.version, b.architecture);
    });
    auto first_url = [](const LockedFile& f) { return f.urls.empty() ? std::string() : f.urls.front(); };
    std::sort(lock.files.begin(), lock.files.end(), [&](const LockedFile& a, const LockedFile& b) {
        return std::make_tuple(a.role, first_url(a)) < std::make_tuple(b.role, first_url(b));
    });
}

std::string where(const std::string& name, const YAML::Node& n) {
    if (!n) return name;  // a missing key has no position (and an invalid node's Mark() throws)
    const YAML::Mark m = n.Mark();
    if (m.is_null()) return name;
    return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

// Reads one mapping strictly: every key must be known and each required one present.
class Fields {
public:
    Fields(const YAML::Node& node, const std::string& name, const std::string& what, std::vector<std::string> known)
        : node_(node), name_(name), what_(what) {
        // A missing key of a const node is an invalid node in yaml-cpp, whose
        // IsMap() throws its own exception: test presence first.
        if (!node || !node.IsMap()) fail(where(name, node) + ": " + what + " must be a mapping");
        for (const auto& kv : node) {
            if (!kv.first.IsScalar()) fail(where(name, kv.first) + ": keys in " + what + " must be plain names, not a list or a mapping");
            const std::string key = kv.first.as<std::string>();
            if (std::find(known.begin(), known.end(), key) == known.end())
                fail(where(name, kv.first) + ": unknown key \"" + key + "\" in " + what);
        }
    }
    YAML::Node required(const std::string& key) const {
        YAML::Node v = node_[key];
        if (!v) fail(where(name_, node_) + ": " + what_ + " lacks \"" + key + "\"");
        return v;
    }
    std::string string(const std::string& key) const {
        YAML::Node v = required(key);
        if (!v.IsScalar()) fail(where(name_, v) + ": \"" + key + "\" must be a string");
        return v.as<std::string>();
    }
    std::string optional_string(const std::string& key) const { return node_[key] ? string(key) : std::string(); }
    std::uint64_t number(const std::string& key) const {
        YAML::Node v = required(key);
        const std::string s = v.IsScalar() ? v.Scalar() : std::string();
        if (s.empty() || s.size() > 20 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
            fail(where(name_, v) + ": \"" + key + "\" must be a non-negative integer");
        try {
            return std::stoull(s);
        } catch (const std::exception&) {
            fail(where(name_, v) + ": \"" + key + "\" is out of range");
        }
    }
    std::string sha256(const std::string& key) const {
        const std::string s = string(key);
        if (!is_sha256_hex(s)) fail(where(name_, node_[key]) + ": \"" + key + "\" must be 64 lowercase hex digits");
        return s;
    }
    std::vector<std::string> strings(const std::string& key) const {
        YAML::Node v = required(key);
        if (!v.IsSequence()) fail(where(name_, v) + ": \"" + key + "\" must be a list of strings");
        std::vector<std::string> out;
        for (const auto& item : v) {
            if (!item.IsScalar()) fail(where(name_, item) + ": \"" + key + "\" must be a list of strings");
            out.push_back(item.as<std::string>());
        }
        return out;
    }

private:
    YAML::Node node_;
    std::string name_;
    std::string what_;
};

YAML::Node sequence(const YAML::Node& root, const std::string& key, const std::string& name) {
    YAML::Node v = root[key];
    if (!v) fail(where(name, root) + ": lockfile lacks \"" + key + "\"");
    if (v.IsNull()) return YAML::Node(YAML::NodeType::Sequence);
    if (!v.IsSequence()) fail(where(name, v) + ": \"" + key + "\" must be a list");
    return v;
}

}  // namespace

std::string render_lockfile(Lockfile lock) {
    sort_lock(lock);
    std::ostringstream o;
    o << "# Generated by `tdximage lock`. Edit the recipe and run `tdximage lock --update`, not this file.\n";
    o << "schema: " << quote(kLockSchema) << "\n";
    o << "recipe:\n  file: " << quote(lock.recipe_file) << "\n  sha256: " << quote(lock.recipe_sha256) << "\n";
    o << "indexes:" << (lock.indexes.empty() ? " []" : "") << "\n";
    for (const IndexRef& i : lock.indexes) {
        o << "  - url: " << quote(i.url) << "\n    size: " << i.size << "\n    sha256: " << quote(i.sha256) << "\n";
        if (!i.snapshot.empty()) o << "    snapshot: " << quote(i.snapshot) << "\n";
    }
    o << "packages:" << (lock.packages.empty() ? " []" : "") << "\n";
    for (const PackageRef& p : lock.packages) {
        o << "  - name: " << quote(p.name) << "\n    version: " << quote(p.version) << "\n    architecture: " << quote(p.architecture)
          << "\n    source: " << quote(p.source) << "\n    filename: " << quote(p.filename) << "\n    size: " << p.size
          << "\n    sha256: " << quote(p.sha256) << "\n";
        if (!p.apk_checksum.empty()) o << "    apk_checksum: " << quote(p.apk_checksum) << "\n";
        o << "    urls:\n";
        for (const std::string& u : p.urls) o << "      - " << quote(u) << "\n";
    }
    o << "files:" << (lock.files.empty() ? " []" : "") << "\n";
    for (const LockedFile& f : lock.files) {
        o << "  - role: " << quote(f.role) << "\n    size: " << f.size << "\n    sha256: " << quote(f.sha256) << "\n    urls:\n";
        for (const std::string& u : f.urls) o << "      - " << quote(u) << "\n";
    }
    return o.str();
}

Lockfile parse_lockfile(const std::string& text, const std::string& name) {
    const YamlDocument doc = load_yaml_document(text, "the lockfile");
    if (!doc.problems.empty()) fail(yaml_problems_text(doc.problems, name), ErrorKind::BadInput);
    YAML::Node root = doc.root;  // not const: a const node's missing key is an invalid node that throws on use
    Fields top(root, name, "the lockfile", {"schema", "recipe", "indexes", "packages", "files"});
    if (top.string("schema") != kLockSchema)
        fail(where(name, root["schema"]) + ": schema \"" + top.string("schema") + "\" is not " + kLockSchema +
             " (written by another version of tdximage?)");
    Lockfile lock;
    Fields recipe(root["recipe"], name, "recipe", {"file", "sha256"});
    lock.recipe_file = recipe.string("file");
    lock.recipe_sha256 = recipe.sha256("sha256");
    for (const auto& n : sequence(root, "indexes", name)) {
        Fields f(n, name, "an index", {"url", "size", "sha256", "snapshot"});
        lock.indexes.push_back({f.string("url"), f.number("size"), f.sha256("sha256"), f.optional_string("snapshot")});
    }
    for (const auto& n : sequence(root, "packages", name)) {
        Fields f(n, name, "a package", {"name", "version", "architecture", "source", "filename", "size", "sha256", "apk_checksum", "urls"});
        PackageRef p;
        p.where = where(name, n);
        p.name = f.string("name");
        p.version = f.string("version");
        p.architecture = f.string("architecture");
        p.source = f.string("source");
        p.filename = f.string("filename");
        p.size = f.number("size");
        p.sha256 = f.sha256("sha256");
        p.apk_checksum = f.optional_string("apk_checksum");
        p.urls = f.strings("urls");
        if (p.urls.empty()) fail(where(name, n) + ": package \"" + p.name + "\" has no URL");
        lock.packages.push_back(std::move(p));
    }
    for (const auto& n : sequence(root, "files", name)) {
        Fields f(n, name, "a file", {"role", "size", "sha256", "urls"});
        LockedFile lf{f.string("role"), f.strings("urls"), f.number("size"), f.sha256("sha256")};
        if (lf.urls.empty()) fail(where(name, n) + ": a " + lf.role + " file has no URL");
        lock.files.push_back(std::move(lf));
    }
    return lock;
}

std::vector<LockChange> diff_lockfiles(const Lockfile& before, const Lockfile& after) {
    std::vector<LockChange> out;
    using Key = std::tuple<std::string, std::string, std::string>;  // source, name, architecture
    auto packages = [](const Lockfile& l) {
        std::map<Key, const PackageRef*> m;
        for (const PackageRef& p : l.packages) m[{p.source, p.name, p.architecture}] = &p;
        return m;
    };
    auto label = [](const Key& k) { return "package " + std::get<1>(k) + " (" + std::get<2>(k) + ", " + std::get<0>(k) + ")"; };
    const auto a = packages(before), b = packages(after);
    for (const auto& [k, p] : a) {
        auto it = b.find(k);
        if (it == b.end()) out.push_back({LockChange::Kind::Removed, label(k), p->version, ""});
        else if (it->second->version != p->version || it->second->sha256 != p->sha256)
            out.push_back({LockChange::Kind::Changed, label(k), p->version + " " + p->sha256.substr(0, 12),
                           it->second->version + " " + it->second->sha256.substr(0, 12)});
    }
    for (const auto& [k, p] : b)
        if (!a.count(k)) out.push_back({LockChange::Kind::Added, label(k), "", p->version});
    std::map<std::string, std::string> ia, ib;
    for (const IndexRef& i : before.indexes) ia[i.url] = i.sha256;
    for (const IndexRef& i : after.indexes) ib[i.url] = i.sha256;
    for (const auto& [u, h] : ia) {
        auto it = ib.find(u);
        if (it == ib.end()) out.push_back({LockChange::Kind::Removed, "index " + u, h, ""});
        else if (it->second != h)
            out.push_back({LockChange::Kind::Changed, "index " + u, h, it->second});
    }
    for (const auto& [u, h] : ib)
        if (!ia.count(u)) out.push_back({LockChange::Kind::Added, "index " + u, "", h});
    std::map<std::string, std::string> fa, fb;
    for (const LockedFile& f : before.files) fa[f.role + " " + (f.urls.empty() ? "" : f.urls.front())] = f.sha256;
    for (const LockedFile& f : after.files) fb[f.role + " " + (f.urls.empty() ? "" : f.urls.front())] = f.sha256;
    for (const auto& [k, h] : fa) {
        auto it = fb.find(k);
        if (it == fb.end()) out.push_back({LockChange::Kind::Removed, "file " + k, h, ""});
        else if (it->second != h)
            out.push_back({LockChange::Kind::Changed, "file " + k, h, it->second});
    }
    for (const auto& [k, h] : fb)
        if (!fa.count(k)) out.push_back({LockChange::Kind::Added, "file " + k, "", h});
    if (before.recipe_sha256 != after.recipe_sha256)
        out.push_back({LockChange::Kind::Changed, "recipe " + after.recipe_file, before.recipe_sha256, after.recipe_sha256});
    return out;
}

std::optional<LoadedLockfile> read_lockfile(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    const std::vector<std::uint8_t> bytes = read_file(path);
    LoadedLockfile out;
    out.text.assign(bytes.begin(), bytes.end());
    out.lock = parse_lockfile(out.text, path.string());
    return out;
}

}  // namespace tdx::builder
