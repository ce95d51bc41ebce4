// YAML → Recipe, strictly: every key is known, every value has the right
// type and form, every required key is there. All problems are collected
// and reported together, each at the file, line and column of the value
// (after `extends`, that is the file the value came from).
#include <algorithm>
#include <set>

#include "base/error.h"
#include "base/suggest.h"
#include "base/text_list.h"
#include "builder/recipe/recipe.h"
#include "builder/recipe/recipe_checks.h"
#include "builder/recipe/recipe_merge.h"
#include "measure/profile.h"

namespace tdx::builder {
namespace {

namespace fs = std::filesystem;
using Kind = TreeNode::Kind;

std::string join_path(const std::string& parent, const std::string& key) { return parent.empty() ? key : parent + "." + key; }
std::string index_path(const std::string& parent, std::size_t i) { return parent + "[" + std::to_string(i) + "]"; }

class Reader {
public:
    explicit Reader(ErrorList& errors) : errors_(errors) {}

    void error(const SourceMark& at, const std::string& path, const std::string& what) {
        errors_.add(at, path.empty() ? what : path + ": " + what);
    }

    bool is_map(const TreeNode& n, const std::string& path) {
        if (n.kind == Kind::Map) return true;
        error(n.mark, path, "expected a mapping, found " + n.kind_name());
        return false;
    }

    // Reports every key of `map` that is not in `known`, with the closest
    // known key as a suggestion.
    void known_keys(const TreeNode& map, const std::string& path, const std::vector<std::string>& known) {
        for (const TreeEntry& e : map.entries) {
            if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
            const std::string best = closest_name(e.key, known);
            error(e.key_mark, path,
                  "unknown key '" + e.key + "'" + (best.empty() ? " (known: " + comma_list(known) + ")" : " (did you mean '" + best + "'?)"));
        }
    }

    // nullptr when the key is absent or null (null means "not given").
    static const TreeNode* opt(const TreeNode& map, const std::string& key) {
        const TreeNode* n = map.find(key);
        return n && n->kind != Kind::Null ? n : nullptr;
    }

    const TreeNode* req(const TreeNode& map, const std::string& path, const std::string& key) {
        const TreeNode* n = opt(map, key);
        if (!n) error(map.mark, path, "missing required key '" + key + "'");
        return n;
    }

    bool scalar(const TreeNode& n, const std::string& path, std::string& out) {
        if (n.kind != Kind::Scalar) {
            error(n.mark, path, "expected a string, found " + n.kind_name());
            return false;
        }
        out = n.scalar;
        return true;
    }

    bool nonempty(const TreeNode& n, const std::string& path, std::string& out) {
        if (!scalar(n, path, out)) return false;
        if (out.empty()) error(n.mark, path, "must not be empty");
        return !out.empty();
    }

    bool integer(const TreeNode& n, const std::string& path, long lo, long hi, long& out) {
        const bool digits = n.kind == Kind::Scalar && !n.quoted && !n.scalar.empty() && n.scalar.size() < 10 &&
                            std::all_of(n.scalar.begin(), n.scalar.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) {
            error(n.mark, path, "expected a whole number, found " + n.kind_name());
            return false;
        }
        if (!decimal(n, path)) return false;
        out = std::stol(n.scalar);
        if (out < lo || out > hi) {
            error(n.mark, path, std::to_string(out) + " is out of range (" + std::to_string(lo) + " to " + std::to_string(hi) + ")");
            return false;
        }
        return true;
    }

    // YAML 1.1 readers take 010 as octal 8, YAML 1.2 ones as 10; the
    // recipe refuses the ambiguity rather than pick one.
    bool decimal(const TreeNode& n, const std::string& path) {
        if (n.scalar.size() < 2 || n.scalar[0] != '0') return true;
        error(n.mark, path, "'" + n.scalar + "' has a leading zero; write the number in decimal without one");
        return false;
    }

    // A list of strings; with `single`, one string stands for a list of one.
    std::vector<std::string> strings(const TreeNode& n, const std::string& path, bool single, std::vector<const TreeNode*>* nodes = nullptr) {
        std::vector<std::string> out;
        if (single && n.kind == Kind::Scalar) {
            if (nodes) nodes->push_back(&n);
            out.push_back(n.scalar);
            return out;
        }
        if (n.kind != Kind::Seq) {
            error(n.mark, path, std::string("expected a list") + (single ? " or a string" : "") + ", found " + n.kind_name());
            return out;
        }
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            std::string s;
            if (!nonempty(n.items[i], index_path(path, i), s)) continue;
            if (nodes) nodes->push_back(&n.items[i]);
            out.push_back(s);
        }
        return out;
    }

    static LocalPath local_path(const TreeNode& n) {
        LocalPath p;
        p.written = n.scalar;
        p.mark = n.mark;
        const fs::path written(n.scalar);
        p.resolved = written.is_absolute() ? written.lexically_normal()
                                           : fs::absolute(fs::path(n.mark.file).parent_path() / written).lexically_normal();
        return p;
    }

private:
    ErrorList& errors_;
};

Distribution parse_distribution(Reader& r, const TreeNode& n, const std::string& path, bool& ok) {
    std::string s;
    ok = r.scalar(n, path, s);
    if (ok && s == "alpine") return Distribution::Alpine;
    if (ok && s == "debian") return Distribution::Debian;
    if (ok && s == "ubuntu") return Distribution::Ubuntu;
    if (ok) r.error(n.mark, path, "'" + s + "' is not one of alpine, debian, ubuntu");
    ok = false;
    return Distribution::Debian;
}

Source parse_source(Reader& r, const TreeNode& n, const std::string& path) {
    Source s;
    s.mark = n.mark;
    if (!r.is_map(n, path)) return s;
    r.known_keys(n, path,
                 {"name", "distribution", "release", "architecture", "mirrors", "snapshot", "suites", "components", "repositories", "keyring"});
    if (const TreeNode* v = r.req(n, path, "name"); v && r.nonempty(*v, join_path(path, "name"), s.name))
        if (std::string why = check_simple_name(s.name); !why.empty()) r.error(v->mark, join_path(path, "name"), why);
    bool dist_ok = false;
    if (const TreeNode* v = r.req(n, path, "distribution")) s.distribution = parse_distribution(r, *v, join_path(path, "distribution"), dist_ok);
    const std::string dist = to_string(s.distribution);

    if (const TreeNode* v = r.req(n, path, "release"); v && r.nonempty(*v, join_path(path, "release"), s.release) && dist_ok) {
        const bool alpine_form = s.release == "edge" ||
                                 (std::count(s.release.begin(), s.release.end(), '.') == 1 && s.release.front() != '.' &&
                                  s.release.back() != '.' &&
                                  std::all_of(s.release.begin(), s.release.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }));
        if (!s.is_apt() && !alpine_form)
            r.error(v->mark, join_path(path, "release"), "'" + s.release + "' is not an Alpine release such as 3.22 or edge");
        if (s.is_apt() && check_simple_name(s.release).size())
            r.error(v->mark, join_path(path, "release"), "'" + s.release + "' is not a release codename such as trixie or noble");
    }

    const std::string arch_default = s.is_apt() ? "amd64" : "x86_64";
    s.architecture = arch_default;
    if (const TreeNode* v = Reader::opt(n, "architecture");
        v && r.scalar(*v, join_path(path, "architecture"), s.architecture) && dist_ok && s.architecture != arch_default)
        r.error(v->mark, join_path(path, "architecture"),
                "'" + s.architecture + "': TDX guests are x86-64, which " + dist + " calls '" + arch_default + "'");

    if (const TreeNode* v = Reader::opt(n, "snapshot"); v && r.scalar(*v, join_path(path, "snapshot"), s.snapshot)) {
        if (std::string why = check_snapshot(s.snapshot); !why.empty()) r.error(v->mark, join_path(path, "snapshot"), why);
        else if (dist_ok && !s.is_apt())
            r.error(v->mark, join_path(path, "snapshot"), "Alpine's archive offers no snapshots; pin packages with `tdximage lock` instead");
    }

    if (const TreeNode* v = r.req(n, path, "mirrors")) {
        std::vector<const TreeNode*> nodes;
        s.mirrors = r.strings(*v, join_path(path, "mirrors"), true, &nodes);
        if (v->kind == Kind::Seq && v->items.empty()) r.error(v->mark, join_path(path, "mirrors"), "needs at least one mirror URL");
        for (std::size_t i = 0; i < s.mirrors.size(); ++i) {
            std::string& m = s.mirrors[i];
            const std::string mp = index_path(join_path(path, "mirrors"), i);
            // A trailing slash does not change the mirror; drop it so the hash does not see it either.
            while (m.size() > 8 && m.back() == '/') m.pop_back();
            std::string probe = m;
            const std::size_t ph = probe.find("{snapshot}");
            if (ph != std::string::npos) probe.replace(ph, 10, "20000101T000000Z");
            if (std::string why = check_url(probe); !why.empty()) r.error(nodes[i]->mark, mp, why);
            else if (!s.snapshot.empty() && ph == std::string::npos)
                r.error(nodes[i]->mark, mp, "snapshot is set but this mirror has no {snapshot} placeholder: it would serve today's archive");
            else if (s.snapshot.empty() && ph != std::string::npos)
                r.error(nodes[i]->mark, mp, "{snapshot} placeholder but the source sets no snapshot");
        }
    }

    auto list_for = [&](const char* key, bool apt_key, std::vector<std::string>& out, std::vector<std::string> def) {
        const TreeNode* v = Reader::opt(n, key);
        if (v && dist_ok && apt_key != s.is_apt()) {
            r.error(v->mark, join_path(path, key),
                    std::string("is for ") + (apt_key ? "debian and ubuntu" : "alpine") + " sources; " + dist + " sources use " +
                        (apt_key ? "'repositories'" : "'suites' and 'components'"));
            return;
        }
        if (!v) {
            if (apt_key == s.is_apt()) out = std::move(def);
            return;
        }
        out = r.strings(*v, join_path(path, key), true);
        if (v->kind == Kind::Seq && v->items.empty()) r.error(v->mark, join_path(path, key), "must not be empty");
        for (const std::string& x : out)
            if (std::string why = check_simple_name(x); !why.empty()) r.error(v->mark, join_path(path, key), why);
    };
    list_for("suites", true, s.suites, {s.release});
    list_for("components", true, s.components, {"main"});
    list_for("repositories", false, s.repositories, {"main"});

    if (const TreeNode* v = r.req(n, path, "keyring")) {
        std::vector<const TreeNode*> nodes;
        r.strings(*v, join_path(path, "keyring"), true, &nodes);
        if (v->kind == Kind::Seq && v->items.empty()) r.error(v->mark, join_path(path, "keyring"), "needs at least one key file");
        for (const TreeNode* k : nodes) s.keyring.push_back(Reader::local_path(*k));
    }
    return s;
}

PackageSpec parse_package(Reader& r, const TreeNode& n, const std::string& path, const std::string& first_source) {
    PackageSpec p;
    p.mark = n.mark;
    p.source = first_source;
    const TreeNode* name = &n;
    if (n.kind == Kind::Map) {
        r.known_keys(n, path, {"name", "source"});
        name = r.req(n, path, "name");
        if (const TreeNode* v = Reader::opt(n, "source")) r.nonempty(*v, join_path(path, "source"), p.source);
    } else if (n.kind != Kind::Scalar) {
        r.error(n.mark, path, "expected a package name or a mapping {name, source}, found " + n.kind_name());
        return p;
    }
    if (name && r.scalar(*name, n.kind == Kind::Map ? join_path(path, "name") : path, p.name))
        if (std::string why = check_package_name(p.name); !why.empty()) r.error(name->mark, path, why);
    return p;
}

ArtifactSpec parse_artifact(Reader& r, const TreeNode& n, const std::string& path, bool kernel, const std::vector<Source>& sources) {
    ArtifactSpec a;
    a.mark = n.mark;
    if (!r.is_map(n, path)) return a;
    std::vector<std::string> keys = {"package", "source", "path", "url", "file", "sha256"};
    if (kernel) keys.push_back("follow");
    r.known_keys(n, path, keys);
    const TreeNode* package = Reader::opt(n, "package");
    const TreeNode* url = Reader::opt(n, "url");
    const TreeNode* file = Reader::opt(n, "file");
    const int given = (package ? 1 : 0) + (url ? 1 : 0) + (file ? 1 : 0);
    if (given != 1) {
        r.error(n.mark, path,
                given == 0 ? "give one of 'package' (with 'path'), 'url' or 'file' (with 'sha256')"
                           : "give only one of 'package', 'url' and 'file'");
        return a;
    }
    if (package) {
        a.kind = ArtifactSpec::Kind::Package;
        if (r.scalar(*package, join_path(path, "package"), a.package))
            if (std::string why = check_package_name(a.package); !why.empty()) r.error(package->mark, join_path(path, "package"), why);
        a.source = sources.empty() ? std::string() : sources.front().name;
        if (const TreeNode* v = Reader::opt(n, "source")) r.nonempty(*v, join_path(path, "source"), a.source);
        if (const TreeNode* v = kernel ? Reader::opt(n, "path") : r.req(n, path, "path")) {
            if (r.nonempty(*v, join_path(path, "path"), a.path))
                if (std::string why = check_guest_path(a.path); !why.empty()) r.error(v->mark, join_path(path, "path"), why);
        } else {
            a.path = "/boot/vmlinuz-*";
        }
        const Source* src = nullptr;
        for (const Source& s : sources)
            if (s.name == a.source) src = &s;
        if (kernel) {
            if (const TreeNode* v = Reader::opt(n, "follow")) a.follow = r.strings(*v, join_path(path, "follow"), false);
            else if (src && src->is_apt())
                a.follow = {"linux-image-*", "linux-modules-*"};
        }
        if (const TreeNode* v = Reader::opt(n, "sha256"))
            r.error(v->mark, join_path(path, "sha256"), "a package is pinned by its index and the lockfile; 'sha256' is for 'url' and 'file'");
        return a;
    }
    for (const char* k : {"source", "path", "follow"})
        if (const TreeNode* v = Reader::opt(n, k)) r.error(v->mark, join_path(path, k), "only goes with 'package'");
    if (url) {
        a.kind = ArtifactSpec::Kind::Url;
        if (r.scalar(*url, join_path(path, "url"), a.url))
            if (std::string why = check_url(a.url); !why.empty()) r.error(url->mark, join_path(path, "url"), why);
    } else {
        a.kind = ArtifactSpec::Kind::File;
        std::string f;
        if (r.nonempty(*file, join_path(path, "file"), f)) a.file = Reader::local_path(*file);
    }
    if (const TreeNode* v = r.req(n, path, "sha256"); v && r.scalar(*v, join_path(path, "sha256"), a.sha256)) {
        std::string lower;
        if (std::string why = check_sha256(a.sha256, lower); !why.empty()) r.error(v->mark, join_path(path, "sha256"), why);
        a.sha256 = lower;
    }
    return a;
}

FileSpec parse_file(Reader& r, const TreeNode& n, const std::string& path) {
    FileSpec f;
    f.mark = n.mark;
    if (!r.is_map(n, path)) return f;
    r.known_keys(n, path, {"src", "dst", "mode", "uid", "gid"});
    std::string s;
    if (const TreeNode* v = r.req(n, path, "src"); v && r.nonempty(*v, join_path(path, "src"), s)) f.src = Reader::local_path(*v);
    if (const TreeNode* v = r.req(n, path, "dst"); v && r.nonempty(*v, join_path(path, "dst"), f.dst))
        if (std::string why = check_guest_path(f.dst); !why.empty()) r.error(v->mark, join_path(path, "dst"), why);
    if (const TreeNode* v = Reader::opt(n, "mode"); v && r.scalar(*v, join_path(path, "mode"), s))
        if (std::string why = check_mode(s, f.mode); !why.empty()) r.error(v->mark, join_path(path, "mode"), why);
    long id = 0;
    if (const TreeNode* v = Reader::opt(n, "uid"); v && r.integer(*v, join_path(path, "uid"), 0, 65535, id))
        f.uid = static_cast<std::uint32_t>(id);
    if (const TreeNode* v = Reader::opt(n, "gid"); v && r.integer(*v, join_path(path, "gid"), 0, 65535, id))
        f.gid = static_cast<std::uint32_t>(id);
    return f;
}

InitSpec parse_init(Reader& r, const TreeNode& n, const std::string& path) {
    InitSpec init;
    init.mark = n.mark;
    if (!r.is_map(n, path)) return init;
    r.known_keys(n, path, {"program", "args", "env"});
    if (const TreeNode* v = r.req(n, path, "program"); v && r.nonempty(*v, join_path(path, "program"), init.program))
        if (std::string why = check_guest_path(init.program); !why.empty()) r.error(v->mark, join_path(path, "program"), why);
    if (const TreeNode* v = Reader::opt(n, "args")) {
        if (v->kind != Kind::Seq) r.error(v->mark, join_path(path, "args"), "expected a list, found " + v->kind_name());
        else
            for (std::size_t i = 0; i < v->items.size(); ++i) {
                std::string a;
                if (r.scalar(v->items[i], index_path(join_path(path, "args"), i), a)) init.args.push_back(a);
            }
    }
    if (const TreeNode* v = Reader::opt(n, "env"); v && r.is_map(*v, join_path(path, "env"))) {
        for (const TreeEntry& e : v->entries) {
            const std::string ep = join_path(join_path(path, "env"), e.key);
            const bool name_ok = !e.key.empty() && !(e.key[0] >= '0' && e.key[0] <= '9') && std::all_of(e.key.begin(), e.key.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            });
            if (!name_ok)
                r.error(e.key_mark, join_path(path, "env"), "'" + e.key + "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)");
            // A null removes an inherited variable (docs/recipes.md, merge rule 4).
            std::string value;
            if (e.value.kind == Kind::Null || !r.scalar(e.value, ep, value)) continue;
            init.env.emplace_back(e.key, value);
        }
        std::sort(init.env.begin(), init.env.end());
    }
    return init;
}

void parse_vm(Reader& r, const TreeNode& n, VmShape& vm) {
    if (!r.is_map(n, "vm")) return;
    r.known_keys(n, "vm", {"memory", "cpus"});
    if (const TreeNode* v = Reader::opt(n, "memory"); v && r.scalar(*v, "vm.memory", vm.memory_text))
        if (std::string why = check_memory_size(vm.memory_text, vm.memory); !why.empty()) r.error(v->mark, "vm.memory", why);
    long cpus = 0;
    if (const TreeNode* v = Reader::opt(n, "cpus"); v && r.integer(*v, "vm.cpus", 1, 4096, cpus)) vm.cpus = static_cast<unsigned>(cpus);
}

void parse_initramfs(Reader& r, const TreeNode& n, InitramfsSpec& out) {
    if (!r.is_map(n, "initramfs")) return;
    r.known_keys(n, "initramfs", {"compression", "level"});
    std::string c = "gzip";
    const TreeNode* cn = Reader::opt(n, "compression");
    if (cn && !r.scalar(*cn, "initramfs.compression", c)) return;
    // Levels as the reference compressors number them; the defaults are their
    // strongest ordinary settings, since an initramfs is written once and
    // read at every boot.
    struct Algo {
        const char* name;
        Compression c;
        long lo, hi, def;
    };
    static const Algo algos[] = {{"none", Compression::None, 0, 0, 0},
                                 {"gzip", Compression::Gzip, 1, 9, 9},
                                 {"zstd", Compression::Zstd, 1, 19, 19},
                                 {"xz", Compression::Xz, 0, 9, 6}};
    const Algo* a = nullptr;
    for (const Algo& x : algos)
        if (c == x.name) a = &x;
    if (!a) {
        r.error(cn->mark, "initramfs.compression", "'" + c + "' is not one of none, gzip, zstd, xz");
        return;
    }
    out.compression = a->c;
    out.level = static_cast<int>(a->def);
    if (const TreeNode* v = Reader::opt(n, "level")) {
        long level = 0;
        if (a->c == Compression::None) r.error(v->mark, "initramfs.level", "no level without compression");
        else if (r.integer(*v, "initramfs.level", a->lo, a->hi, level))
            out.level = static_cast<int>(level);
    }
}

void parse_network(Reader& r, const TreeNode& n, NetworkSpec& net) {
    if (!r.is_map(n, "network")) return;
    r.known_keys(n, "network", {"mode", "interface", "address", "gateway", "dns"});
    std::string mode;
    if (const TreeNode* v = r.req(n, "network", "mode"); v && r.scalar(*v, "network.mode", mode)) {
        if (mode == "none") net.mode = NetworkSpec::Mode::None;
        else if (mode == "dhcp")
            net.mode = NetworkSpec::Mode::Dhcp;
        else if (mode == "static")
            net.mode = NetworkSpec::Mode::Static;
        else
            r.error(v->mark, "network.mode", "'" + mode + "' is not one of none, dhcp, static");
    }
    if (const TreeNode* v = Reader::opt(n, "interface"); v && r.nonempty(*v, "network.interface", net.interface))
        if (std::string why = check_interface_name(net.interface); !why.empty()) r.error(v->mark, "network.interface", why);
    const TreeNode* address = Reader::opt(n, "address");
    if (address && r.nonempty(*address, "network.address", net.address))
        if (std::string why = check_ip_address(net.address, true); !why.empty()) r.error(address->mark, "network.address", why);
    if (const TreeNode* v = Reader::opt(n, "gateway"); v && r.nonempty(*v, "network.gateway", net.gateway))
        if (std::string why = check_ip_address(net.gateway, false); !why.empty()) r.error(v->mark, "network.gateway", why);
    if (const TreeNode* v = Reader::opt(n, "dns")) {
        std::vector<const TreeNode*> nodes;
        net.dns = r.strings(*v, "network.dns", true, &nodes);
        for (std::size_t i = 0; i < net.dns.size(); ++i)
            if (std::string why = check_ip_address(net.dns[i], false); !why.empty()) r.error(nodes[i]->mark, index_path("network.dns", i), why);
    }
    if (net.mode == NetworkSpec::Mode::Static && net.address.empty()) r.error(n.mark, "network", "mode static needs 'address'");
    if (net.mode != NetworkSpec::Mode::Static && address) r.error(address->mark, "network.address", "only goes with mode static");
}

// Seconds since 1970 as SOURCE_DATE_EPOCH spells them; the newc header holds 32 bits.
void parse_source_date_epoch(Reader& r, const TreeNode& n, std::optional<std::int64_t>& out) {
    const bool digits = n.kind == Kind::Scalar && !n.quoted && !n.scalar.empty() && n.scalar.size() <= 10 &&
                        std::all_of(n.scalar.begin(), n.scalar.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && !r.decimal(n, "source_date_epoch")) return;
    if (!digits || std::stoll(n.scalar) > 0xffffffffLL) {
        r.error(n.mark, "source_date_epoch",
                "expected seconds since 1970-01-01 UTC (0 to 4294967295), found " +
                    (n.kind == Kind::Scalar ? "'" + n.scalar + "'" : n.kind_name()));
        return;
    }
    out = std::stoll(n.scalar);
}

// Checks that need the whole recipe: names that refer to other entries,
// duplicates.
void cross_check(Reader& r, const Recipe& rec) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < rec.sources.size(); ++i)
        if (!rec.sources[i].name.empty() && !names.insert(rec.sources[i].name).second)
            r.error(rec.sources[i].mark, index_path("sources", i), "a source named '" + rec.sources[i].name + "' is already defined");
    const std::string known = comma_list(std::vector<std::string>(names.begin(), names.end()));
    auto source_exists = [&](const std::string& s, const SourceMark& at, const std::string& path) {
        if (!s.empty() && !names.count(s)) r.error(at, path, "no source named '" + s + "' (sources: " + known + ")");
    };
    std::set<std::pair<std::string, std::string>> pkgs;
    for (std::size_t i = 0; i < rec.packages.size(); ++i) {
        const PackageSpec& p = rec.packages[i];
        source_exists(p.source, p.mark, index_path("packages", i));
        if (!p.name.empty() && !pkgs.insert({p.source, p.name}).second)
            r.error(p.mark, index_path("packages", i), "'" + p.name + "' from '" + p.source + "' is listed twice");
    }
    if (rec.kernel.kind == ArtifactSpec::Kind::Package) source_exists(rec.kernel.source, rec.kernel.mark, "kernel.source");
    if (rec.ovmf.kind == ArtifactSpec::Kind::Package) source_exists(rec.ovmf.source, rec.ovmf.mark, "ovmf.source");
    std::set<std::string> dsts;
    for (std::size_t i = 0; i < rec.files.size(); ++i)
        if (!rec.files[i].dst.empty() && !dsts.insert(rec.files[i].dst).second)
            r.error(rec.files[i].mark, index_path("files", i), "'" + rec.files[i].dst + "' is written by an earlier entry too");
}

}  // namespace

std::string to_string(Distribution d) {
    switch (d) {
        case Distribution::Alpine: return "alpine";
        case Distribution::Debian: return "debian";
        case Distribution::Ubuntu: return "ubuntu";
    }
    return "?";
}

std::string to_string(Compression c) {
    switch (c) {
        case Compression::None: return "none";
        case Compression::Gzip: return "gzip";
        case Compression::Zstd: return "zstd";
        case Compression::Xz: return "xz";
    }
    return "?";
}

std::vector<std::string> Source::mirror_urls() const {
    std::vector<std::string> out;
    for (std::string m : mirrors) {
        const std::size_t ph = m.find("{snapshot}");
        if (ph != std::string::npos) m.replace(ph, 10, snapshot);
        out.push_back(std::move(m));
    }
    return out;
}

const Source& Recipe::source(const std::string& wanted) const {
    for (const Source& s : sources)
        if (s.name == wanted) return s;
    fail(file.string() + ": no source named '" + wanted + "'");
}

Recipe load_recipe(const fs::path& file) {
    ErrorList errors;
    MergedTree merged = load_merged_tree(file, errors);
    const TreeNode& root = merged.root;
    Reader r(errors);
    Recipe rec;
    rec.file = file;
    rec.chain = merged.chain;
    rec.texts = errors.sources();
    // A syntax error, a cycle or a missing parent leaves a tree whose
    // "missing key" complaints would only mislead: stop here.
    errors.throw_if_any();
    r.known_keys(root, "",
                 {"name", "description", "sources", "packages", "kernel", "ovmf", "modules", "files", "init", "cmdline", "vm", "profile",
                  "initramfs", "network", "source_date_epoch", "extends"});

    if (const TreeNode* v = r.req(root, "", "name"); v && r.nonempty(*v, "name", rec.name))
        if (std::string why = check_simple_name(rec.name); !why.empty()) r.error(v->mark, "name", why);
    if (const TreeNode* v = Reader::opt(root, "description")) r.scalar(*v, "description", rec.description);

    if (const TreeNode* v = r.req(root, "", "sources")) {
        if (v->kind != Kind::Seq) r.error(v->mark, "sources", "expected a list of sources, found " + v->kind_name());
        else if (v->items.empty())
            r.error(v->mark, "sources", "needs at least one source");
        else
            for (std::size_t i = 0; i < v->items.size(); ++i) rec.sources.push_back(parse_source(r, v->items[i], index_path("sources", i)));
    }
    const std::string first_source = rec.sources.empty() ? std::string() : rec.sources.front().name;

    if (const TreeNode* v = Reader::opt(root, "packages")) {
        if (v->kind != Kind::Seq) r.error(v->mark, "packages", "expected a list, found " + v->kind_name());
        else
            for (std::size_t i = 0; i < v->items.size(); ++i)
                rec.packages.push_back(parse_package(r, v->items[i], index_path("packages", i), first_source));
    }
    if (const TreeNode* v = r.req(root, "", "kernel")) rec.kernel = parse_artifact(r, *v, "kernel", true, rec.sources);
    if (const TreeNode* v = r.req(root, "", "ovmf")) rec.ovmf = parse_artifact(r, *v, "ovmf", false, rec.sources);

    if (const TreeNode* v = Reader::opt(root, "modules")) {
        std::vector<const TreeNode*> nodes;
        rec.modules = r.strings(*v, "modules", false, &nodes);
        std::set<std::string> seen;
        for (std::size_t i = 0; i < rec.modules.size(); ++i) {
            std::string& m = rec.modules[i];
            if (!std::all_of(m.begin(), m.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; })) {
                r.error(nodes[i]->mark, index_path("modules", i), "'" + m + "' is not a module name (as modprobe takes it, e.g. tdx_guest)");
                continue;
            }
            // modprobe treats '-' and '_' alike; keep one spelling so the hash does too.
            std::replace(m.begin(), m.end(), '-', '_');
            if (!seen.insert(m).second) r.error(nodes[i]->mark, index_path("modules", i), "'" + m + "' is listed twice");
        }
    }
    if (const TreeNode* v = Reader::opt(root, "files")) {
        if (v->kind != Kind::Seq) r.error(v->mark, "files", "expected a list, found " + v->kind_name());
        else
            for (std::size_t i = 0; i < v->items.size(); ++i) rec.files.push_back(parse_file(r, v->items[i], index_path("files", i)));
    }
    if (const TreeNode* v = r.req(root, "", "init")) rec.init = parse_init(r, *v, "init");
    if (const TreeNode* v = Reader::opt(root, "cmdline"); v && r.scalar(*v, "cmdline", rec.cmdline))
        if (std::string why = check_cmdline(rec.cmdline); !why.empty()) r.error(v->mark, "cmdline", why);
    if (const TreeNode* v = Reader::opt(root, "vm")) parse_vm(r, *v, rec.vm);
    if (const TreeNode* v = Reader::opt(root, "profile"); v && r.nonempty(*v, "profile", rec.profile)) {
        std::vector<std::string> known;
        for (const Profile& p : builtin_profiles()) known.push_back(p.name);
        if (std::find(known.begin(), known.end(), rec.profile) == known.end())
            r.error(v->mark, "profile", "unknown profile '" + rec.profile + "' (known: " + comma_list(known) + "; see `tdximage profiles`)");
    }
    if (const TreeNode* v = Reader::opt(root, "initramfs")) parse_initramfs(r, *v, rec.initramfs);
    if (const TreeNode* v = Reader::opt(root, "network")) parse_network(r, *v, rec.network);
    if (const TreeNode* v = Reader::opt(root, "source_date_epoch")) parse_source_date_epoch(r, *v, rec.source_date_epoch);

    cross_check(r, rec);
    errors.throw_if_any();
    return rec;
}

void check_local_files(const Recipe& rec) {
    ErrorList errors(rec.texts);
    auto check = [&](const LocalPath& p, const std::string& what) {
        std::error_code ec;
        if (!fs::is_regular_file(p.resolved, ec))
            errors.add(p.mark, what + ": '" + p.resolved.string() + "' does not exist or is not a regular file");
    };
    for (std::size_t i = 0; i < rec.sources.size(); ++i)
        for (const LocalPath& k : rec.sources[i].keyring) check(k, index_path("sources", i) + ".keyring");
    if (rec.kernel.kind == ArtifactSpec::Kind::File) check(rec.kernel.file, "kernel.file");
    if (rec.ovmf.kind == ArtifactSpec::Kind::File) check(rec.ovmf.file, "ovmf.file");
    for (std::size_t i = 0; i < rec.files.size(); ++i) check(rec.files[i].src, index_path("files", i) + ".src");
    errors.throw_if_any();
}

}  // namespace tdx::builder
