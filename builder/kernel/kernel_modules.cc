#include "builder/kernel/kernel_modules.h"

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include "base/archive_message.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/suggest.h"
#include "builder/kernel/elf_modinfo.h"
#include "measure/kernel_setup.h"

namespace tdx::builder {
namespace {

// Enough for any real module's xz dictionary (Debian uses 1 MiB), small
// enough that a hostile header cannot make the decoder allocate gigabytes.
constexpr std::uint64_t kXzMemLimit = std::uint64_t{128} << 20;

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The compression suffix after ".ko" ("", ".xz", ".zst", ".gz"), or nullopt
// when `path` is not a module file.
std::optional<std::string_view> compression_suffix(std::string_view path) {
    for (std::string_view s : {".xz", ".zst", ".gz", ""}) {
        if (ends_with(path, std::string(".ko") + std::string(s))) return s;
    }
    return std::nullopt;
}

std::string uncompressed_path(const std::string& path) { return path.substr(0, path.size() - compression_suffix(path).value_or("").size()); }

// kmod's and busybox's module name of a path: the file name without .ko*.
std::string name_of_path(std::string_view path) {
    std::string_view base = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
    base.remove_suffix(compression_suffix(base).value_or("").size());
    if (ends_with(base, ".ko")) base.remove_suffix(3);
    return canonical_module_name(base);
}

std::string text_of(const std::vector<std::uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

std::vector<std::string> words_of(std::string_view text, std::string_view separators) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t j = text.find_first_of(separators, i);
        if (j == std::string_view::npos) j = text.size();
        if (j > i) out.emplace_back(text.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::string lzma_problem(lzma_ret r) {
    switch (r) {
        case LZMA_FORMAT_ERROR: return "not xz data";
        case LZMA_DATA_ERROR: return "corrupt xz data";
        case LZMA_BUF_ERROR: return "truncated xz data";
        case LZMA_MEMLIMIT_ERROR: return "xz data needing more than 128 MiB of decoder memory";
        case LZMA_OPTIONS_ERROR: return "unsupported xz options";
        case LZMA_MEM_ERROR: return "out of memory while decoding xz";
        default: return "xz decoder error " + std::to_string(static_cast<int>(r));
    }
}

[[noreturn]] void too_large(const std::string& name, std::uint64_t) { exceeded(Limit::ModuleSize, name, "the decompressed size"); }

std::vector<std::uint8_t> xz_decode(Bytes data, const std::string& name, std::uint64_t max_size) {
    lzma_stream s{};
    if (lzma_ret r = lzma_stream_decoder(&s, kXzMemLimit, 0); r != LZMA_OK) fail(name + ": " + lzma_problem(r));
    std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&s, lzma_end);
    s.next_in = data.data();
    s.avail_in = data.size();
    std::vector<std::uint8_t> out;
    std::vector<std::uint8_t> buf(1 << 16);
    for (;;) {
        s.next_out = buf.data();
        s.avail_out = buf.size();
        const lzma_ret r = lzma_code(&s, LZMA_FINISH);
        const std::size_t n = buf.size() - s.avail_out;
        if (out.size() + n > max_size) too_large(name, max_size);
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        if (r == LZMA_STREAM_END) break;
        if (r != LZMA_OK) fail(name + ": " + lzma_problem(r));
    }
    if (s.avail_in != 0) fail(name + ": " + std::to_string(s.avail_in) + " bytes after the end of the xz stream");
    return out;
}

// gzip and zstd through libarchive's raw format, which hands back the
// filtered stream; a stream the filter does not recognise would come back
// unchanged, hence the filter check.
std::vector<std::uint8_t> archive_decode(Bytes data, const std::string& name, std::uint64_t max_size, int filter) {
    const std::string what = filter == ARCHIVE_FILTER_GZIP ? "gzip" : "zstd";
    std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), archive_read_free);
    // ARCHIVE_WARN means libarchive would run an external program: refuse.
    const int support = filter == ARCHIVE_FILTER_GZIP ? archive_read_support_filter_gzip(a.get()) : archive_read_support_filter_zstd(a.get());
    if (support != ARCHIVE_OK) fail(name + ": this libarchive cannot decode " + what + " in-process");
    archive_read_support_format_raw(a.get());
    // Data no filter recognises opens fine (as raw bytes); opening fails only
    // when the filter took the data and could not decode its start.
    const auto corrupt = [&] {
        const char* why = archive_error_string(a.get());
        fail(name + ": corrupt " + what + " data: " + (why ? why : "it ends early"));
    };
    struct archive_entry* e = nullptr;
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) corrupt();
    if (archive_filter_code(a.get(), 0) != filter) fail(name + ": not " + what + " data");
    if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK) corrupt();
    std::vector<std::uint8_t> out;
    std::vector<std::uint8_t> buf(1 << 16);
    for (;;) {
        const la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
        if (n < 0) fail(name + ": corrupt " + what + " data: " + archive_message(a.get()));
        if (n == 0) break;
        if (out.size() + static_cast<std::uint64_t>(n) > max_size) too_large(name, max_size);
        out.insert(out.end(), buf.begin(), buf.begin() + n);
    }
    // libarchive does not check gzip's CRC-32; the member trailer holds it and
    // the size mod 2^32 (RFC 1952). Kernel modules are single gzip members.
    if (filter == ARCHIVE_FILTER_GZIP) {
        const std::uint32_t crc = load_le32(data, data.size() - 8, "gzip trailer");
        const std::uint32_t size = load_le32(data, data.size() - 4, "gzip trailer");
        if (crc != lzma_crc32(out.data(), out.size(), 0) || size != static_cast<std::uint32_t>(out.size()))
            fail(name + ": corrupt gzip data: the CRC-32 or size in the trailer does not match the data");
    }
    return out;
}

// Up to three known names close to `want`: within two edits, or one name
// containing the other ("tsm_report" -> "tsm").
std::string suggestions(const std::string& want, const std::set<std::string>& known) {
    std::vector<std::pair<std::size_t, std::string>> near;
    for (const std::string& k : known) {
        const std::size_t d = edit_distance(want, k);
        const bool contains = (want.size() >= 3 && k.find(want) != std::string::npos) || (k.size() >= 3 && want.find(k) != std::string::npos);
        if (d <= 2 || contains) near.emplace_back(d, k);
    }
    std::sort(near.begin(), near.end());
    if (near.empty()) return "";
    std::string out = "; did you mean ";
    for (std::size_t i = 0; i < near.size() && i < 3; ++i) out += (i ? ", " : "") + near[i].second;
    return out + "?";
}

struct Node {
    std::string name;
    std::string shipped_path;  // as in the package, with its compression suffix
    std::vector<std::uint8_t> content;
    std::vector<std::string> depends;   // modinfo depends=
    std::vector<std::string> soft_pre;  // found softdep pre: modules
    std::vector<std::string> hard;      // what must load first: modules.dep line or depends=, minus built-ins
};

class Resolver {
public:
    Resolver(const ModuleDirectory& dir, const std::string& release) : dir_(dir), release_(release) { index_files(); }

    ModuleSelection run(const std::vector<std::string>& requested);

private:
    const std::vector<std::uint8_t>* file(const std::string& rel) const {
        auto it = dir_.files.find(rel);
        return it == dir_.files.end() ? nullptr : &it->second;
    }
    void index_files();
    void parse_shipped_dep(const std::string& text);
    void visit(const std::string& name, const std::string& needed_by);
    std::vector<std::string> load_order(const std::vector<std::string>& roots) const;
    [[noreturn]] void fail_cycle(const std::set<std::string>& stuck, const std::set<std::string>& emitted) const;
    std::vector<std::string> symbol_order(const Node& n) const;
    std::string emulate_depmod(const std::vector<std::string>& chosen) const;
    std::string copy_shipped_dep(const std::set<std::string>& chosen) const;
    std::vector<std::string> successors(const Node& n) const {
        std::vector<std::string> s = n.hard;
        s.insert(s.end(), n.soft_pre.begin(), n.soft_pre.end());
        return s;
    }

    const ModuleDirectory& dir_;
    std::string release_;
    std::map<std::string, std::string> path_by_name_;  // canonical name -> shipped path
    std::set<std::string> builtin_;
    std::map<std::string, std::size_t> order_;  // uncompressed path -> modules.order line (last wins, as in depmod)
    bool has_shipped_dep_ = false;
    std::map<std::string, std::vector<std::string>> shipped_dep_;                  // name -> dependency names, transitive
    std::vector<std::pair<std::string, std::vector<std::string>>> shipped_lines_;  // shipped path -> dep paths, file order
    std::map<std::string, Node> nodes_;
};

void Resolver::index_files() {
    for (const auto& [rel, bytes] : dir_.files) {
        if (!compression_suffix(rel)) continue;
        const std::string name = name_of_path(rel);
        auto [it, fresh] = path_by_name_.emplace(name, rel);
        if (!fresh) fail("kernel " + release_ + ": two files provide module " + name + ": " + it->second + " and " + rel);
    }
    if (const auto* b = file("modules.builtin")) {
        for (const std::string& line : lines_of(text_of(*b)))
            if (!line.empty()) builtin_.insert(name_of_path(line));
    }
    if (const auto* o = file("modules.order")) {
        const auto lines = lines_of(text_of(*o));
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (!lines[i].empty()) order_[lines[i]] = i;
    }
    if (const auto* d = file("modules.dep")) parse_shipped_dep(text_of(*d));
}

// depmod's text format: "path: dep dep ...", paths relative to the module
// directory (module-init-tools wrote absolute ones: the prefix is dropped).
void Resolver::parse_shipped_dep(const std::string& text) {
    has_shipped_dep_ = true;
    const auto relative = [&](std::string p) {
        for (const std::string& prefix : {"/lib/modules/" + dir_.version + "/", "/usr/lib/modules/" + dir_.version + "/"})
            if (p.rfind(prefix, 0) == 0) return p.substr(prefix.size());
        return p;
    };
    const auto lines = lines_of(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].empty() || lines[i][0] == '#') continue;
        const std::size_t colon = lines[i].find(':');
        if (colon == std::string::npos || colon == 0)
            fail("kernel " + release_ + ": modules.dep:" + std::to_string(i + 1) + ": expected \"module.ko: dependencies\"");
        std::vector<std::string> deps;
        std::vector<std::string> names;
        for (const std::string& w : words_of(std::string_view(lines[i]).substr(colon + 1), " \t")) {
            deps.push_back(relative(w));
            names.push_back(name_of_path(w));
        }
        const std::string path = relative(lines[i].substr(0, colon));
        shipped_dep_.emplace(name_of_path(path), names);  // the first line counts, as below
        shipped_lines_.emplace_back(path, deps);
    }
}

void Resolver::visit(const std::string& first, const std::string& first_needed_by) {
    std::vector<std::pair<std::string, std::string>> work{{first, first_needed_by}};
    while (!work.empty()) {
        auto [name, needed_by] = work.back();
        work.pop_back();
        if (nodes_.count(name) || (builtin_.count(name) && !path_by_name_.count(name))) continue;
        auto path = path_by_name_.find(name);
        if (path == path_by_name_.end())
            fail("kernel " + release_ + ": module " + needed_by + " needs " + name + ", which the kernel package does not have");
        Node n;
        n.name = name;
        n.shipped_path = path->second;
        n.content = decompress_module(*file(n.shipped_path), n.shipped_path);
        const std::vector<std::string> info = read_modinfo(n.content, n.shipped_path);
        const auto vermagic = modinfo_values(info, "vermagic");
        if (vermagic.empty()) fail(n.shipped_path + ": no vermagic in .modinfo, so the kernel it was built for is unknown");
        const auto words = words_of(vermagic.front(), " ");
        const std::string built_for = words.empty() ? "" : words.front();
        if (built_for != release_)
            fail(n.shipped_path + ": built for kernel " + built_for + " (vermagic), not for " + release_ + "; the kernel would refuse it");
        for (const std::string& v : modinfo_values(info, "depends"))
            for (const std::string& d : words_of(v, ",")) n.depends.push_back(canonical_module_name(d));
        for (const std::string& v : modinfo_values(info, "softdep")) {
            bool pre = false;
            for (const std::string& w : words_of(v, " \t")) {
                if (w == "pre:" || w == "post:") pre = w == "pre:";
                else if (pre && path_by_name_.count(canonical_module_name(w)) && !builtin_.count(canonical_module_name(w)))
                    n.soft_pre.push_back(canonical_module_name(w));
            }
        }
        if (has_shipped_dep_) {
            auto line = shipped_dep_.find(name);
            if (line == shipped_dep_.end())
                fail("kernel " + release_ + ": the package's modules.dep has no line for " + n.shipped_path + " (stale modules.dep?)");
            n.hard = line->second;
        } else {
            n.hard = n.depends;
        }
        std::erase_if(n.hard, [&](const std::string& d) { return builtin_.count(d) && !path_by_name_.count(d); });
        for (const std::string& s : successors(n)) work.emplace_back(s, name);
        nodes_.emplace(name, std::move(n));
    }
}

// Per request, in request order: that request's modules not yet listed,
// each once everything it needs is listed, smallest name first among the
// ready ones. Readiness does not change when an edge is implied by others, so
// direct depends= and modules.dep's transitive lists give the same order.
std::vector<std::string> Resolver::load_order(const std::vector<std::string>& roots) const {
    std::vector<std::string> order;
    std::set<std::string> emitted;
    for (const std::string& root : roots) {
        std::set<std::string> pending;
        std::vector<std::string> stack{root};
        while (!stack.empty()) {
            const std::string n = stack.back();
            stack.pop_back();
            if (emitted.count(n) || !pending.insert(n).second) continue;
            for (const std::string& s : successors(nodes_.at(n))) stack.push_back(s);
        }
        while (!pending.empty()) {
            const std::string* ready = nullptr;
            for (const std::string& n : pending) {
                const auto succ = successors(nodes_.at(n));
                if (std::all_of(succ.begin(), succ.end(), [&](const std::string& s) { return emitted.count(s) > 0; })) {
                    ready = &n;
                    break;
                }
            }
            if (!ready) fail_cycle(pending, emitted);
            order.push_back(*ready);
            emitted.insert(*ready);
            pending.erase(*ready);
        }
    }
    return order;
}

void Resolver::fail_cycle(const std::set<std::string>& stuck, const std::set<std::string>& emitted) const {
    // Every stuck module waits for another stuck one, so following the
    // smallest such successor from the smallest module must come back round.
    std::vector<std::string> path{*stuck.begin()};
    for (;;) {
        auto succ = successors(nodes_.at(path.back()));
        std::sort(succ.begin(), succ.end());
        const auto next = std::find_if(succ.begin(), succ.end(), [&](const std::string& s) { return !emitted.count(s); });
        const auto seen = std::find(path.begin(), path.end(), *next);
        if (seen != path.end()) {
            std::string cycle;
            for (auto it = seen; it != path.end(); ++it) cycle += *it + " -> ";
            fail("kernel " + release_ + ": the modules depend on each other in a cycle: " + cycle + *next);
        }
        path.push_back(*next);
    }
}

// A module's direct dependencies in the order depmod finds them: by the
// first undefined symbol (in .symtab order) each one exports. modpost writes
// depends= in another order, and depmod's tie-breaking follows this one.
std::vector<std::string> Resolver::symbol_order(const Node& n) const {
    if (n.hard.size() < 2) return n.hard;
    std::map<std::string, std::string> provider;
    for (const std::string& d : n.hard)
        for (const std::string& e : read_module_symbols(nodes_.at(d).content, nodes_.at(d).shipped_path).exported) provider.emplace(e, d);
    std::vector<std::string> out;
    for (const std::string& u : read_module_symbols(n.content, n.shipped_path).undefined) {
        auto p = provider.find(u);
        if (p != provider.end() && std::find(out.begin(), out.end(), p->second) == out.end()) out.push_back(p->second);
    }
    for (const std::string& d : n.hard)
        if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
    return out;
}

// What kmod's depmod writes for a directory holding exactly `chosen`: lines
// in modules.order order (then by path, where depmod would use directory
// order); each module's dependencies, direct and indirect, sorted by their
// place in depmod's topological sort. That sort starts from the modules
// nobody uses, taken last-first in line order, and each time a module is
// taken, those of its dependencies it was the last user of are pushed in
// symbol order (tools/depmod.c, depmod_calculate_dependencies).
std::string Resolver::emulate_depmod(const std::vector<std::string>& chosen) const {
    std::vector<const Node*> line;
    for (const std::string& n : chosen) line.push_back(&nodes_.at(n));
    const auto key = [&](const Node* n) {
        auto o = order_.find(uncompressed_path(n->shipped_path));
        return std::make_tuple(o == order_.end(), o == order_.end() ? 0 : o->second, n->shipped_path);
    };
    std::sort(line.begin(), line.end(), [&](const Node* a, const Node* b) { return key(a) < key(b); });
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < line.size(); ++i) index[line[i]->name] = i;
    std::vector<std::vector<std::size_t>> deps(line.size());
    std::vector<std::size_t> users(line.size(), 0);
    for (std::size_t i = 0; i < line.size(); ++i) {
        for (const std::string& d : symbol_order(*line[i])) {
            const std::size_t j = index.at(d);
            if (std::find(deps[i].begin(), deps[i].end(), j) != deps[i].end()) continue;
            deps[i].push_back(j);
            ++users[j];
        }
    }
    std::vector<std::size_t> roots, rank(line.size(), 0);
    for (std::size_t i = 0; i < line.size(); ++i)
        if (users[i] == 0) roots.push_back(i);
    std::size_t next_rank = 0;
    while (!roots.empty()) {
        const std::size_t src = roots.back();
        roots.pop_back();
        rank[src] = next_rank++;
        for (std::size_t d : deps[src])
            if (--users[d] == 0) roots.push_back(d);
    }
    if (next_rank != line.size()) fail("kernel " + release_ + ": the module dependencies form a cycle");  // load_order reports it first
    std::string out;
    for (std::size_t i = 0; i < line.size(); ++i) {
        std::set<std::size_t> all;
        std::vector<std::size_t> stack(deps[i]);
        while (!stack.empty()) {
            const std::size_t d = stack.back();
            stack.pop_back();
            if (all.insert(d).second) stack.insert(stack.end(), deps[d].begin(), deps[d].end());
        }
        std::vector<std::size_t> sorted(all.begin(), all.end());
        std::sort(sorted.begin(), sorted.end(), [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
        out += uncompressed_path(line[i]->shipped_path) + ":";
        for (std::size_t d : sorted) out += " " + uncompressed_path(line[d]->shipped_path);
        out += "\n";
    }
    return out;
}

// The shipped lines of the chosen modules. Every path in them must be the
// file the guest gets, or modprobe would look for modules elsewhere.
std::string Resolver::copy_shipped_dep(const std::set<std::string>& chosen) const {
    const auto checked = [&](const std::string& path) {
        const std::string& actual = nodes_.at(name_of_path(path)).shipped_path;
        if (path != actual)
            fail("kernel " + release_ + ": the package's modules.dep names " + path + ", but the package has that module at " + actual);
        return uncompressed_path(path);
    };
    std::string out;
    std::set<std::string> done;
    for (const auto& [path, deps] : shipped_lines_) {
        if (!chosen.count(name_of_path(path)) || !done.insert(name_of_path(path)).second) continue;
        out += checked(path) + ":";
        for (const std::string& d : deps) out += " " + checked(d);
        out += "\n";
    }
    return out;
}

ModuleSelection Resolver::run(const std::vector<std::string>& requested) {
    ModuleSelection sel;
    sel.version = dir_.version;
    if (requested.empty()) return sel;
    if (dir_.version.empty() || dir_.files.empty())
        fail("kernel " + release_ + ": the kernel package has no module directory (lib/modules/" + release_ + "), but modules were requested");
    if (dir_.version != release_)
        fail("the kernel package's modules are for kernel " + dir_.version + " (lib/modules/" + dir_.version + "), but the kernel image is " +
             release_);
    std::vector<std::string> roots;
    for (const std::string& r : requested) {
        const std::string name = canonical_module_name(r);
        if (name.empty() || name.find('/') != std::string::npos) fail("module name '" + r + "' is not a module name");
        if (std::find(roots.begin(), roots.end(), name) != roots.end() ||
            std::find(sel.builtin.begin(), sel.builtin.end(), name) != sel.builtin.end())
            continue;
        if (builtin_.count(name)) {
            sel.builtin.push_back(name);
            continue;
        }
        if (!path_by_name_.count(name)) {
            std::set<std::string> known = builtin_;
            for (const auto& [n, p] : path_by_name_) known.insert(n);
            fail("kernel " + release_ + " has no module " + r + " (neither a module file nor built in)" + suggestions(name, known));
        }
        roots.push_back(name);
    }
    for (const std::string& r : roots) visit(r, r);
    const std::vector<std::string> order = load_order(roots);
    const std::set<std::string> chosen(order.begin(), order.end());
    sel.modules_dep = has_shipped_dep_ ? copy_shipped_dep(chosen) : emulate_depmod(order);

    const std::string base = "lib/modules/" + dir_.version + "/";
    for (const std::string& name : order) {
        Node& n = nodes_.at(name);
        SelectedModule m;
        m.name = name;
        m.relative_path = uncompressed_path(n.shipped_path);
        m.guest_path = base + m.relative_path;
        m.content = std::move(n.content);
        m.depends = n.depends;
        m.soft_pre = n.soft_pre;
        m.requested = std::find(roots.begin(), roots.end(), name) != roots.end();
        sel.modules.push_back(std::move(m));
    }
    sel.files.push_back({base + "modules.dep", std::vector<std::uint8_t>(sel.modules_dep.begin(), sel.modules_dep.end())});
    for (const char* copy : {"modules.builtin", "modules.builtin.modinfo", "modules.order"})
        if (const auto* f = file(copy)) sel.files.push_back({base + copy, *f});
    std::sort(sel.files.begin(), sel.files.end(), [](const GuestFile& a, const GuestFile& b) { return a.guest_path < b.guest_path; });
    return sel;
}

}  // namespace

std::optional<ModulePath> split_module_path(std::string_view path) {
    if (path.rfind("./", 0) == 0) path.remove_prefix(2);
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    for (std::string_view prefix : {"usr/lib/modules/", "lib/modules/"}) {
        if (path.rfind(prefix, 0) != 0) continue;
        const std::string_view rest = path.substr(prefix.size());
        const std::size_t slash = rest.find('/');
        if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size()) return std::nullopt;
        return ModulePath{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
    }
    return std::nullopt;
}

std::string kernel_release(Bytes kernel, const std::string& name) {
    const std::string version = kernel_version_string(kernel);
    const std::string release = version.substr(0, version.find(' '));
    if (release.empty()) fail(name + ": no kernel version string in the setup header, so its module directory is unknown");
    return release;
}

std::string canonical_module_name(std::string_view name) {
    std::string out(name);
    std::replace(out.begin(), out.end(), '-', '_');
    return out;
}

std::vector<std::uint8_t> decompress_module(Bytes data, const std::string& name) {
    const std::uint64_t max_size = limit(Limit::ModuleSize);
    const auto suffix = compression_suffix(name);
    if (!suffix) fail(name + ": not a kernel module file name (.ko, .ko.xz, .ko.zst or .ko.gz)");
    if (*suffix == ".xz") return xz_decode(data, name, max_size);
    if (*suffix == ".zst") return archive_decode(data, name, max_size, ARCHIVE_FILTER_ZSTD);
    if (*suffix == ".gz") return archive_decode(data, name, max_size, ARCHIVE_FILTER_GZIP);
    if (data.size() > max_size) too_large(name, max_size);
    return std::vector<std::uint8_t>(data.begin(), data.end());
}

ModuleSelection select_modules(const ModuleDirectory& dir, const std::string& release, const std::vector<std::string>& requested) {
    Resolver resolver(dir, release);
    return resolver.run(requested);
}

}  // namespace tdx::builder
