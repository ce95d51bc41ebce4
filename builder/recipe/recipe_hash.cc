// The canonical form of a merged recipe, and its SHA-256, which the lockfile
// records so `build --locked` can tell that a lock belongs to the recipe.
// Canonical means: JSON with object keys in byte order, no whitespace, only
// strings, integers, arrays and objects; every default written out; sets
// (packages, modules, files, environment) sorted, sequences whose order has
// a meaning (sources, mirrors, arguments) kept. So YAML key order, quoting,
// comments, layout and `extends` do not change the hash; any value does.
#include <algorithm>
#include <cstdio>

#include "base/digest.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {
namespace {

namespace fs = std::filesystem;

std::string str(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;  // UTF-8 passes through unchanged
        }
    }
    return out + "\"";
}

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string arr(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    return out + "]";
}

std::string strs(const std::vector<std::string>& items) {
    std::vector<std::string> quoted;
    for (const std::string& s : items) quoted.push_back(str(s));
    return arr(quoted);
}

using Members = std::vector<std::pair<std::string, std::string>>;

std::string obj(Members members) {
    std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + str(members[i].first) + ":" + members[i].second;
    return out + "}";
}

// Relative paths are written from the directory of the recipe named by the
// user, so the hash does not depend on where the checkout lives.
std::string path_of(const LocalPath& p, const fs::path& base) {
    if (fs::path(p.written).is_absolute()) return str(p.resolved.generic_string());
    return str(p.resolved.lexically_relative(base).generic_string());
}

std::string mode_text(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
}

std::string source_json(const Source& s, const fs::path& base) {
    Members m = {{"name", str(s.name)},        {"distribution", str(to_string(s.distribution))},
                 {"release", str(s.release)},  {"architecture", str(s.architecture)},
                 {"mirrors", strs(s.mirrors)}, {"snapshot", str(s.snapshot)}};
    if (s.is_apt()) {
        m.emplace_back("suites", strs(s.suites));
        m.emplace_back("components", strs(s.components));
    } else {
        m.emplace_back("repositories", strs(s.repositories));
    }
    std::vector<std::string> keys;
    for (const LocalPath& k : s.keyring) keys.push_back(path_of(k, base));
    m.emplace_back("keyring", arr(keys));
    return obj(std::move(m));
}

std::string artifact_json(const ArtifactSpec& a, const fs::path& base) {
    switch (a.kind) {
        case ArtifactSpec::Kind::Package: {
            Members m = {{"kind", str("package")}, {"package", str(a.package)}, {"source", str(a.source)}, {"path", str(a.path)}};
            if (!a.follow.empty()) m.emplace_back("follow", strs(a.follow));
            return obj(std::move(m));
        }
        case ArtifactSpec::Kind::Url: return obj({{"kind", str("url")}, {"url", str(a.url)}, {"sha256", str(a.sha256)}});
        case ArtifactSpec::Kind::File: return obj({{"kind", str("file")}, {"file", path_of(a.file, base)}, {"sha256", str(a.sha256)}});
    }
    return "null";
}

}  // namespace

std::string canonical_recipe_json(const Recipe& r) {
    const fs::path base = fs::absolute(r.file).lexically_normal().parent_path();

    std::vector<std::string> sources;
    for (const Source& s : r.sources) sources.push_back(source_json(s, base));

    std::vector<PackageSpec> pkgs = r.packages;
    std::sort(pkgs.begin(), pkgs.end(),
              [](const PackageSpec& a, const PackageSpec& b) { return std::tie(a.source, a.name) < std::tie(b.source, b.name); });
    std::vector<std::string> packages;
    for (const PackageSpec& p : pkgs) packages.push_back(obj({{"name", str(p.name)}, {"source", str(p.source)}}));

    std::vector<std::string> modules = r.modules;
    std::sort(modules.begin(), modules.end());

    std::vector<FileSpec> fls = r.files;
    std::sort(fls.begin(), fls.end(), [](const FileSpec& a, const FileSpec& b) { return a.dst < b.dst; });
    std::vector<std::string> files;
    // Keys added after the first recipes were locked appear only when they
    // differ from their defaults, so those locks keep matching.
    for (const FileSpec& f : fls) {
        Members m = {{"src", path_of(f.src, base)}, {"dst", str(f.dst)}, {"mode", str(mode_text(f.mode))}};
        if (f.uid) m.emplace_back("uid", num(f.uid));
        if (f.gid) m.emplace_back("gid", num(f.gid));
        files.push_back(obj(std::move(m)));
    }

    Members env;
    for (const auto& [k, v] : r.init.env) env.emplace_back(k, str(v));

    Members extra;
    if (r.network.mode != NetworkSpec::Mode::None) {
        const char* mode = r.network.mode == NetworkSpec::Mode::Dhcp ? "dhcp" : "static";
        extra.emplace_back("network", obj({{"mode", str(mode)},
                                           {"interface", str(r.network.interface)},
                                           {"address", str(r.network.address)},
                                           {"gateway", str(r.network.gateway)},
                                           {"dns", strs(r.network.dns)}}));
    }
    if (r.source_date_epoch) extra.emplace_back("source_date_epoch", num(static_cast<std::uint64_t>(*r.source_date_epoch)));
    Members top = {
        {"schema", str(kRecipeSchema)},
        {"name", str(r.name)},
        {"sources", arr(sources)},
        {"packages", arr(packages)},
        {"kernel", artifact_json(r.kernel, base)},
        {"ovmf", artifact_json(r.ovmf, base)},
        {"modules", strs(modules)},
        {"files", arr(files)},
        {"init", obj({{"program", str(r.init.program)}, {"args", strs(r.init.args)}, {"env", obj(std::move(env))}})},
        {"cmdline", str(r.cmdline)},
        {"vm", obj({{"memory", num(r.vm.memory)}, {"cpus", num(r.vm.cpus)}})},
        {"profile", str(r.profile)},
        {"initramfs",
         obj({{"compression", str(to_string(r.initramfs.compression))}, {"level", num(static_cast<std::uint64_t>(r.initramfs.level))}})},
    };
    for (auto& m : extra) top.push_back(std::move(m));
    return obj(std::move(top));
}

std::string recipe_sha256(const Recipe& r) {
    Hasher h(Hasher::Algorithm::Sha256);
    h.update(std::string_view(canonical_recipe_json(r)));
    return to_hex(h.final256());
}

}  // namespace tdx::builder
