#include "builder/apt/apt_resolver.h"

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "base/error.h"

namespace tdx::builder {

PackageRequest parse_package_request(std::string_view text) {
    std::string what = "package request \"" + std::string(text) + "\"";
    PackageRequest r;
    std::size_t eq = text.find('=');
    std::size_t paren = text.find('(');
    if (eq != std::string_view::npos && (paren == std::string_view::npos || eq < paren)) {
        r.name = std::string(text.substr(0, eq));
        r.op = RelOp::Equal;
        r.version = std::string(text.substr(eq + 1));
        check_version(r.version, what);
    } else {
        std::vector<DepGroup> groups = parse_relations(text, "", what);
        if (groups.size() != 1 || groups[0].size() != 1)
            fail(what + ": expected one package name with an optional (op version)", ErrorKind::Usage);
        const DepAtom& a = groups[0][0];
        if (!a.arch_qualifier.empty()) fail(what + ": architecture qualifiers are not supported in requests", ErrorKind::Usage);
        r.name = a.name;
        r.op = a.op;
        r.version = a.version;
    }
    if (r.name.empty() || r.name.find_first_of(" \t()") != std::string::npos) fail(what + ": invalid package name", ErrorKind::Usage);
    return r;
}

namespace {

struct Pkg;

// One version of a package; identical files offered by several indexes are
// merged into one version with all their URLs, as apt does.
struct Ver {
    const AptPackage* pkg = nullptr;
    const AptIndex* index = nullptr;
    Pkg* owner = nullptr;
    int pin = 0;
    std::vector<std::string> urls;
    std::vector<std::string> suites;
};

struct Pkg {
    std::string name;
    std::size_t id = 0;          // creation order, standing in for apt's cache ID
    std::vector<Ver*> versions;  // highest version first
    Ver* candidate = nullptr;
    Ver* install = nullptr;  // marked for installation
    bool protect = false;    // apt's "Protected": user requests and what they force
    std::string why;         // why marking it failed, as a dependency chain
};

struct Provider {
    Ver* ver;
    const DepAtom* provides;
};

std::string label(const Ver* v) { return v->owner->name + " " + v->pkg->version; }

class Solver {
public:
    Solver(const std::vector<AptIndex>& indexes, std::string arch) : arch_(std::move(arch)) {
        for (const AptIndex& index : indexes)
            for (const AptPackage& p : index.packages) add(index, p);
        for (auto& [name, pkg] : pkgs_) {
            std::sort(pkg.versions.begin(), pkg.versions.end(),
                      [](const Ver* a, const Ver* b) { return compare_versions(a->pkg->version, b->pkg->version) > 0; });
            // apt's policy: the highest pin wins, then the highest version.
            for (Ver* v : pkg.versions)
                if (v->pin >= 0 && (!pkg.candidate || v->pin > pkg.candidate->pin)) pkg.candidate = v;
        }
    }

    Pkg* find(const std::string& name) {
        auto it = pkgs_.find(name);
        return it == pkgs_.end() ? nullptr : &it->second;
    }

    const std::vector<Provider>& providers(const std::string& name) const {
        static const std::vector<Provider> none;
        auto it = providers_.find(name);
        return it == providers_.end() ? none : it->second;
    }

    std::vector<Pkg*> all_by_id() {
        std::vector<Pkg*> v;
        for (auto& [n, p] : pkgs_) v.push_back(&p);
        std::sort(v.begin(), v.end(), [](const Pkg* a, const Pkg* b) { return a->id < b->id; });
        return v;
    }

    // pkgDepCache::MarkInstall for a system with nothing installed.
    bool mark_install(Pkg& p, bool auto_inst, bool from_user, int depth);

    static std::vector<const DepGroup*> critical_groups(const Ver* v) {
        std::vector<const DepGroup*> out;
        for (const DepGroup& g : v->pkg->pre_depends) out.push_back(&g);
        for (const DepGroup& g : v->pkg->depends) out.push_back(&g);
        return out;
    }
    bool satisfied(const DepGroup& g, bool by_install) const;
    bool atom_satisfied(const DepAtom& a, bool by_install, const Ver** by = nullptr) const;
    std::string explain(const DepGroup& g) const;

private:
    Pkg& get(const std::string& name) {
        auto [it, inserted] = pkgs_.try_emplace(name);
        if (inserted) {
            it->second.name = name;
            it->second.id = next_id_++;
        }
        return it->second;
    }

    void add(const AptIndex& index, const AptPackage& p) {
        Pkg& pkg = get(p.name);
        // Register every mentioned name in apt's parse order so creation
        // order (the last tie-breaker between providers) follows apt's cache.
        for (const auto* list : {&p.pre_depends, &p.depends, &p.conflicts, &p.breaks})
            for (const DepGroup& g : *list)
                for (const DepAtom& a : g) get(a.name);
        for (const std::string& n : p.other_relation_names) get(n);
        for (const DepAtom& a : p.provides) get(a.name);

        std::vector<std::string> urls;
        for (const std::string& m : index.source.mirrors) urls.push_back(join_url(m, p.filename));
        std::string suite = index.release.suite.empty() ? index.source.suite : index.release.suite;
        for (Ver* v : pkg.versions) {
            if (compare_versions(v->pkg->version, p.version) != 0 || v->pkg->version != p.version) continue;
            // Same version twice: one file in several suites (merge) or, when
            // the bytes differ, a broken archive; the first index wins then.
            if (v->pkg->sha256 == p.sha256) {
                for (const std::string& u : urls)
                    if (std::find(v->urls.begin(), v->urls.end(), u) == v->urls.end()) v->urls.push_back(u);
                v->pin = std::max(v->pin, index.pin_priority);
                v->suites.push_back(suite);
            }
            return;
        }
        Ver& v = vers_.emplace_back();
        v.pkg = &p;
        v.index = &index;
        v.owner = &pkg;
        v.pin = index.pin_priority;
        v.urls = std::move(urls);
        v.suites.push_back(suite);
        pkg.versions.push_back(&v);
        for (const DepAtom& a : p.provides) providers_[a.name].push_back(Provider{&v, &a});
    }

    bool arch_ok(const DepAtom& a, const Ver* v) const {
        if (a.arch_qualifier.empty() || a.arch_qualifier == "native" || a.arch_qualifier == arch_) return true;
        // "pkg:any" is satisfied only by Multi-Arch: allowed packages.
        if (a.arch_qualifier == "any") return v->pkg->multi_arch == "allowed";
        return false;
    }

    bool provide_ok(const DepAtom& a, const Provider& pr) const {
        if (!a.arch_qualifier.empty() && a.arch_qualifier != "native" && a.arch_qualifier != arch_) {
            if (a.arch_qualifier != "any") return false;
            const std::string& ma = pr.ver->pkg->multi_arch;
            if (ma != "allowed" && ma != "foreign") return false;
        }
        if (a.op == RelOp::Any) return true;
        // An unversioned Provides never satisfies a versioned dependency.
        return pr.provides->op == RelOp::Equal && version_satisfies(pr.provides->version, a.op, a.version);
    }

    // APT::VersionVector::FromDependency(CANDIDATE) for one alternative.
    std::vector<Ver*> candidates_for(const DepAtom& a) const {
        std::vector<Ver*> out;
        auto it = pkgs_.find(a.name);
        if (it != pkgs_.end()) {
            Ver* c = it->second.candidate;
            if (c && arch_ok(a, c) && version_satisfies(c->pkg->version, a.op, a.version)) out.push_back(c);
        }
        for (const Provider& pr : providers(a.name))
            if (pr.ver->owner->candidate == pr.ver && provide_ok(a, pr) && std::find(out.begin(), out.end(), pr.ver) == out.end())
                out.push_back(pr.ver);
        return out;
    }

    // apt's CompareProviders, reduced to what differs with nothing installed
    // and one architecture.
    static bool provider_before(const Ver* a, const Ver* b, const std::string& target) {
        const Pkg* pa = a->owner;
        const Pkg* pb = b->owner;
        if (pa->protect != pb->protect) return pa->protect;
        if ((pa->name == target) != (pb->name == target)) return pa->name == target;
        if (a->pkg->essential != b->pkg->essential) return a->pkg->essential;
        if (a->pkg->important != b->pkg->important) return a->pkg->important;
        if (a->pkg->priority != b->pkg->priority) return a->pkg->priority < b->pkg->priority;
        return pa->id > pb->id;
    }

    std::vector<Ver*> possible_solutions(const DepGroup& g, bool sorted) const {
        std::vector<Ver*> out;
        for (const DepAtom& a : g) {
            std::vector<Ver*> list = candidates_for(a);
            if (sorted) std::stable_sort(list.begin(), list.end(), [&](const Ver* x, const Ver* y) { return provider_before(x, y, a.name); });
            for (Ver* v : list)
                if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
        }
        // A protected package that is not being installed was ruled out by the user.
        out.erase(std::remove_if(out.begin(), out.end(), [](const Ver* v) { return v->owner->protect && !v->owner->install; }), out.end());
        return out;
    }

    bool deps_satisfiable_by_candidates(Pkg& p);
    bool install_dependencies(Pkg& p, const std::vector<const DepGroup*>& groups, bool propagate, bool from_user, int depth);

    std::string arch_;
    std::deque<Ver> vers_;
    std::unordered_map<std::string, Pkg> pkgs_;
    std::unordered_map<std::string, std::vector<Provider>> providers_;
    std::size_t next_id_ = 0;
};

bool Solver::atom_satisfied(const DepAtom& a, bool by_install, const Ver** by) const {
    auto pick = [&](const Pkg* p) { return by_install ? p->install : p->candidate; };
    auto it = pkgs_.find(a.name);
    if (it != pkgs_.end()) {
        const Ver* v = pick(&it->second);
        if (v && arch_ok(a, v) && version_satisfies(v->pkg->version, a.op, a.version)) {
            if (by) *by = v;
            return true;
        }
    }
    for (const Provider& pr : providers(a.name))
        if (pick(pr.ver->owner) == pr.ver && provide_ok(a, pr)) {
            if (by) *by = pr.ver;
            return true;
        }
    return false;
}

bool Solver::satisfied(const DepGroup& g, bool by_install) const {
    for (const DepAtom& a : g)
        if (atom_satisfied(a, by_install)) return true;
    return false;
}

std::string Solver::explain(const DepGroup& g) const {
    std::string out;
    for (const DepAtom& a : g) {
        std::string s;
        auto it = pkgs_.find(a.name);
        const Pkg* p = it == pkgs_.end() ? nullptr : &it->second;
        if (p && !p->versions.empty()) {
            s = a.name + " has";
            for (const Ver* v : p->versions) {
                s += " " + v->pkg->version + " (";
                for (std::size_t i = 0; i < v->suites.size(); ++i) s += (i ? ", " : "") + v->suites[i];
                s += ")";
            }
            if (!p->candidate) s += " but no installable candidate" + (p->why.empty() ? std::string() : " [" + p->why + "]");
            else if (!arch_ok(a, p->candidate))
                s += ", not Multi-Arch: allowed as :" + a.arch_qualifier + " requires";
        }
        const auto& prov = providers(a.name);
        if (!prov.empty()) {
            s += std::string(s.empty() ? a.name + " is" : ";") + " provided by";
            for (const Provider& pr : prov)
                s += " " + label(pr.ver) + (pr.provides->op == RelOp::Any ? " (unversioned)" : " (= " + pr.provides->version + ")") +
                     (pr.ver->owner->candidate == pr.ver ? "" : " [not a candidate]");
        }
        if (s.empty()) s = a.name + " is not in any index (no package or provider of that name)";
        out += (out.empty() ? "" : "; ") + s;
    }
    return out;
}

bool Solver::deps_satisfiable_by_candidates(Pkg& p) {
    for (const DepGroup* g : critical_groups(p.candidate)) {
        if (satisfied(*g, true) || satisfied(*g, false)) continue;
        p.why = label(p.candidate) + " → " + to_string(*g) + " → not satisfiable: " + explain(*g);
        // The candidate can never be installed; apt forgets it (#735967).
        if (!p.protect) p.candidate = nullptr;
        return false;
    }
    return true;
}

bool Solver::install_dependencies(Pkg& p, const std::vector<const DepGroup*>& groups, bool propagate, bool from_user, int depth) {
    bool failed = false;
    for (const DepGroup* g : groups) {
        bool found = satisfied(*g, true);
        if (found && !propagate) continue;
        if (found) {
            // A protected package passes protection to a dependency only one
            // package can satisfy.
            std::vector<Ver*> only = possible_solutions(*g, false);
            if (only.size() != 1 || only[0]->owner->protect) continue;
            only[0]->owner->protect = true;
            if (!mark_install(*only[0]->owner, true, false, depth + 1)) failed = true;
            continue;
        }
        std::vector<Ver*> solutions = possible_solutions(*g, true);
        std::string reasons;
        for (Ver* v : solutions) {
            Pkg& q = *v->owner;
            if (q.candidate != v) continue;
            if (propagate && solutions.size() == 1) {
                if (!mark_install(q, false, false, depth + 1)) continue;
                q.protect = true;
            }
            if (!mark_install(q, true, false, depth + 1)) {
                reasons += (reasons.empty() ? "" : " | ") + q.why;
                continue;
            }
            found = true;
            break;
        }
        if (!found) {
            std::string chain = to_string(*g) + " → " + (reasons.empty() ? "not satisfiable: " + explain(*g) : reasons);
            p.why += (p.why.empty() ? "" : "; ") + label(p.install ? p.install : p.candidate) + " → " + chain;
            failed = true;
            if (!propagate && !from_user) break;
        }
    }
    return !failed;
}

bool Solver::mark_install(Pkg& p, bool auto_inst, bool from_user, int depth) {
    if (depth > 5000) fail("dependency chain deeper than 5000 packages at " + p.name);
    if (!p.candidate) {
        if (p.why.empty()) p.why = p.name + " → not available: " + explain({DepAtom{p.name, "", RelOp::Any, ""}});
        return false;
    }
    if (!p.protect && p.install) {
        bool broken = false;
        for (const DepGroup* g : critical_groups(p.install))
            if (!satisfied(*g, true)) broken = true;
        if (!broken) return true;
    }
    if (auto_inst && !deps_satisfiable_by_candidates(p)) return false;
    if (from_user) p.install = p.candidate;
    if (!auto_inst) {
        p.install = p.candidate;
        return true;
    }
    bool fail_early = !p.protect && !from_user;
    std::vector<const DepGroup*> to_install;
    for (const DepGroup* g : critical_groups(p.candidate))
        if (p.protect || !satisfied(*g, true)) to_install.push_back(g);
    p.install = p.candidate;
    // Protected while its dependencies are chosen, so it wins as a provider.
    bool was_protected = p.protect;
    p.protect = true;
    bool ok = install_dependencies(p, to_install, was_protected, from_user, depth);
    if (!was_protected) p.protect = false;
    if (!ok && fail_early) {
        // Give up on this package for good; what its dependencies already
        // marked stays marked, exactly as in apt.
        p.install = nullptr;
        p.candidate = nullptr;
        return false;
    }
    return ok;
}

}  // namespace

std::vector<PackageRef> resolve_apt_packages(const std::vector<AptIndex>& indexes, const std::vector<PackageRequest>& requests,
                                             const ResolveOptions& options) {
    Solver s(indexes, options.architecture);
    std::vector<Pkg*> user;
    for (const PackageRequest& r : requests) {
        std::string what = "cannot install " + r.name;
        Pkg* p = s.find(r.name);
        if (!p || p->versions.empty()) {
            // apt-get picks the provider of a virtual package only when there is exactly one.
            std::vector<Pkg*> owners;
            for (const Provider& pr : s.providers(r.name))
                if (pr.ver->owner->candidate == pr.ver && std::find(owners.begin(), owners.end(), pr.ver->owner) == owners.end())
                    owners.push_back(pr.ver->owner);
            if (owners.empty()) fail(what + ": no package or provider of that name in the indexes");
            if (owners.size() > 1) {
                std::string names;
                for (const Pkg* o : owners) names += (names.empty() ? "" : ", ") + o->name;
                fail(what + ": it is a virtual package provided by " + names + "; request one of them");
            }
            if (r.op != RelOp::Any) fail(what + ": a version constraint on the virtual package is not supported");
            p = owners.front();
        }
        if (r.op != RelOp::Any) {
            Ver* best = nullptr;
            for (Ver* v : p->versions)
                if (v->pin >= 0 && version_satisfies(v->pkg->version, r.op, r.version) && (!best || v->pin > best->pin)) best = v;
            if (!best) fail(what + " (" + to_string(r.op) + " " + r.version + "): " + s.explain({DepAtom{r.name, "", RelOp::Any, ""}}));
            p->candidate = best;
        }
        if (!p->candidate) fail(what + ": no installable candidate");
        if (std::find(user.begin(), user.end(), p) == user.end()) user.push_back(p);
    }
    if (options.add_essential)
        for (Pkg* p : s.all_by_id())
            if (p->candidate && p->candidate->pkg->essential && std::find(user.begin(), user.end(), p) == user.end()) user.push_back(p);

    // apt-get install: first mark every request without its dependencies,
    // then resolve dependencies request by request in cache order.
    for (Pkg* p : user) {
        p->protect = true;
        s.mark_install(*p, false, true, 0);
    }
    std::vector<Pkg*> ordered = user;
    std::sort(ordered.begin(), ordered.end(), [](const Pkg* a, const Pkg* b) { return a->id < b->id; });
    std::string errors;
    for (Pkg* p : ordered)
        if (!s.mark_install(*p, true, true, 0) || !p->install)
            errors += (errors.empty() ? "" : "\n") + ("cannot install " + p->name + ": " + (p->why.empty() ? "unknown reason" : p->why));
    if (!errors.empty()) fail(errors);

    std::vector<Pkg*> installed;
    for (Pkg* p : s.all_by_id())
        if (p->install) installed.push_back(p);
    // What apt would hand to its problem resolver: never expected after a
    // successful marking, reported rather than silently repaired.
    for (Pkg* p : installed)
        for (const DepGroup* g : Solver::critical_groups(p->install))
            if (!s.satisfied(*g, true))
                fail("resolution left " + label(p->install) + " with the unmet dependency " + to_string(*g) + ": " + s.explain(*g));
    for (Pkg* p : installed) {
        for (const auto* list : {&p->install->pkg->conflicts, &p->install->pkg->breaks})
            for (const DepGroup& g : *list)
                for (const DepAtom& a : g) {
                    const Ver* by = nullptr;
                    if (!s.atom_satisfied(a, true, &by) || by->owner == p) continue;
                    fail("the install set is inconsistent: " + label(p->install) +
                         (list == &p->install->pkg->conflicts ? " conflicts with " : " breaks ") + label(by) + " (" + to_string(a) +
                         "); conflict resolution is not implemented, request an alternative explicitly");
                }
    }

    std::sort(installed.begin(), installed.end(), [](const Pkg* a, const Pkg* b) { return a->name < b->name; });
    std::vector<PackageRef> out;
    for (const Pkg* p : installed) {
        const Ver* v = p->install;
        PackageRef ref;
        ref.name = p->name;
        ref.version = v->pkg->version;
        ref.architecture = v->pkg->architecture;
        ref.filename = v->pkg->filename;
        ref.urls = v->urls;
        ref.size = v->pkg->size;
        ref.sha256 = v->pkg->sha256;
        ref.source = v->pkg->index_url;
        out.push_back(std::move(ref));
    }
    return out;
}

}  // namespace tdx::builder
