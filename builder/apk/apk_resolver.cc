#include "builder/apk/apk_resolver.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "base/error.h"

namespace tdx::builder {
namespace {

struct Candidate {
    const ApkIndexPackage* pkg = nullptr;
    std::size_t repo = 0;
    const ApkDependency* provide = nullptr;  // nullptr: the package's own name
};

struct Selected {
    const ApkIndexPackage* pkg = nullptr;
    std::size_t repo = 0;
    std::string chain;  // why it was selected
};

struct Pending {
    ApkDependency dep;
    std::string chain;  // "world" or "world → a-1.0-r0 → b-2.0-r1"
};

std::string label(const ApkIndexPackage& p) { return p.name + "-" + p.version; }

// Whether `p` meets the (positive form of the) dependency `d`.
bool meets(const ApkIndexPackage& p, const ApkDependency& d) {
    if (p.name == d.name && apk_version_matches(p.version, d.mask, d.version)) return true;
    for (const ApkDependency& pr : p.provides) {
        if (pr.name != d.name) continue;
        if (!d.constrained()) return true;
        if (pr.constrained() && apk_version_matches(pr.version, d.mask, d.version)) return true;
    }
    return false;
}

class Resolver {
public:
    Resolver(const std::vector<ApkIndex>& indexes) : indexes_(indexes) {
        for (std::size_t r = 0; r < indexes.size(); ++r)
            for (const ApkIndexPackage& p : indexes[r].packages) {
                providers_[p.name].push_back({&p, r, nullptr});
                for (const ApkDependency& pr : p.provides) providers_[pr.name].push_back({&p, r, &pr});
            }
    }

    void request(const std::string& atom) {
        queue_.push_back({parse_apk_dependency(atom, "requested package \"" + atom + "\""), "world[" + atom + "]"});
    }

    void run(bool install_if) {
        drain();
        while (install_if && add_install_if()) drain();
    }

    std::vector<PackageRef> result() const {
        std::vector<PackageRef> out;
        for (const auto& [name, s] : selected_) {
            const ApkIndex& idx = indexes_[s.repo];
            PackageRef ref;
            ref.name = s.pkg->name;
            ref.version = s.pkg->version;
            ref.architecture = s.pkg->arch;
            ref.filename = s.pkg->name + "-" + s.pkg->version + ".apk";
            // Packages sit next to the index: <repository>/<arch>/NAME-VERSION.apk.
            ref.urls = {idx.repository + "/" + idx.arch + "/" + ref.filename};
            ref.size = s.pkg->size;
            ref.apk_checksum = s.pkg->checksum;
            ref.source = idx.url;
            out.push_back(std::move(ref));
        }
        return out;  // std::map keeps them sorted by name
    }

private:
    void drain() {
        while (!queue_.empty()) {
            Pending p = std::move(queue_.front());
            queue_.pop_front();
            if (p.dep.conflict) add_conflict(p);
            else
                satisfy(p);
        }
    }

    void add_conflict(const Pending& p) {
        for (const auto& [name, s] : selected_)
            if (meets(*s.pkg, p.dep))
                fail("conflict: " + p.chain + " excludes " + p.dep.to_string().substr(1) + ", but " + label(*s.pkg) + " is selected (" +
                     s.chain + ")");
        conflicts_.push_back(p);
    }

    const Pending* excluded_by(const ApkIndexPackage& pkg) const {
        for (const Pending& c : conflicts_)
            if (meets(pkg, c.dep)) return &c;
        return nullptr;
    }

    void satisfy(const Pending& p) {
        const ApkDependency& d = p.dep;
        for (const auto& [name, s] : selected_)
            if (meets(*s.pkg, d)) return;
        auto same = selected_.find(d.name);
        if (same != selected_.end())
            fail("unsatisfiable dependency " + d.to_string() + " (" + p.chain + "): " + label(*same->second.pkg) + " is already selected (" +
                 same->second.chain + ")");
        auto it = providers_.find(d.name);
        if (it == providers_.end())
            fail("unsatisfiable dependency " + d.to_string() + " (" + p.chain + "): no package is named or provides " + d.name);
        std::vector<Candidate> ok;
        std::string rejected;
        for (const Candidate& c : it->second) {
            std::string why;
            if (selected_.count(c.pkg->name)) why = label(*selected_.at(c.pkg->name).pkg) + " already selected";
            else if (c.provide && !c.provide->constrained() && d.constrained())
                why = "provides " + d.name + " without a version";
            else if (!meets(*c.pkg, d))
                why = "version does not match";
            else if (const Pending* x = excluded_by(*c.pkg))
                why = "excluded by " + x->dep.to_string() + " (" + x->chain + ")";
            if (why.empty()) ok.push_back(c);
            else
                rejected += "; " + label(*c.pkg) + ": " + why;
        }
        if (ok.empty()) fail("unsatisfiable dependency " + d.to_string() + " (" + p.chain + "): no candidate fits" + rejected);
        std::stable_sort(ok.begin(), ok.end(), [&](const Candidate& a, const Candidate& b) { return better(a, b); });
        check_ambiguity(ok, p);
        const Candidate& best = ok.front();
        selected_[best.pkg->name] = {best.pkg, best.repo, p.chain};
        for (const ApkDependency& dep : best.pkg->depends) queue_.push_back({dep, p.chain + " → " + label(*best.pkg)});
    }

    static std::int64_t priority(const Candidate& c) { return c.pkg->provider_priority.value_or(0); }

    // Strict "a is preferred over b", the order documented in the header.
    static bool better(const Candidate& a, const Candidate& b) {
        bool a_real = a.provide == nullptr, b_real = b.provide == nullptr;
        if (a_real != b_real) return a_real;
        if (priority(a) != priority(b)) return priority(a) > priority(b);
        bool av = a.provide && a.provide->constrained(), bv = b.provide && b.provide->constrained();
        if (av && bv) {
            int c = apk_version_compare(a.provide->version, b.provide->version);
            if (c != 0) return c > 0;
        } else if (av != bv) {
            return av;
        }
        if (a.pkg->name == b.pkg->name) {
            int c = apk_version_compare(a.pkg->version, b.pkg->version);
            if (c != 0) return c > 0;
        }
        if (a.repo != b.repo) return a.repo < b.repo;
        return a.pkg->name < b.pkg->name;
    }

    void check_ambiguity(const std::vector<Candidate>& ok, const Pending& p) const {
        const Candidate& a = ok.front();
        if (!a.provide || a.provide->constrained()) return;
        std::string names;
        for (const Candidate& c : ok)
            if (c.pkg->name != a.pkg->name && c.provide && !c.provide->constrained() && priority(c) == priority(a)) names += ", " + c.pkg->name;
        if (!names.empty())
            fail("ambiguous dependency " + p.dep.to_string() + " (" + p.chain + "): virtual package provided by " + a.pkg->name + names +
                 " with equal provider_priority; name one of them in the recipe");
    }

    // Adds the newest unselected package whose install_if atoms are all met;
    // returns whether one was added.
    bool add_install_if() {
        std::map<std::string, Candidate> newest;  // sorted by name: deterministic order
        for (std::size_t r = 0; r < indexes_.size(); ++r)
            for (const ApkIndexPackage& pkg : indexes_[r].packages) {
                if (selected_.count(pkg.name)) continue;
                auto [it, fresh] = newest.try_emplace(pkg.name, Candidate{&pkg, r, nullptr});
                if (!fresh && apk_version_compare(pkg.version, it->second.pkg->version) > 0) it->second = {&pkg, r, nullptr};
            }
        for (const auto& [name, c] : newest) {
            if (c.pkg->install_if.empty() || excluded_by(*c.pkg)) continue;
            bool all = std::all_of(c.pkg->install_if.begin(), c.pkg->install_if.end(), [&](const ApkDependency& d) {
                bool present = std::any_of(selected_.begin(), selected_.end(), [&](const auto& s) { return meets(*s.second.pkg, d); });
                return d.conflict ? !present : present;
            });
            if (!all) continue;
            std::string why;
            for (const ApkDependency& d : c.pkg->install_if) why += (why.empty() ? "" : " ") + d.to_string();
            std::string chain = "install_if[" + why + "]";
            selected_[c.pkg->name] = {c.pkg, c.repo, chain};
            for (const ApkDependency& dep : c.pkg->depends) queue_.push_back({dep, chain + " → " + label(*c.pkg)});
            return true;
        }
        return false;
    }

    const std::vector<ApkIndex>& indexes_;
    std::map<std::string, std::vector<Candidate>> providers_;
    std::map<std::string, Selected> selected_;
    std::vector<Pending> conflicts_;
    std::deque<Pending> queue_;
};

}  // namespace

std::vector<PackageRef> apk_resolve(const std::vector<ApkIndex>& indexes, const std::vector<std::string>& requests,
                                    const ApkResolveOptions& options) {
    Resolver r(indexes);
    for (const std::string& q : requests) r.request(q);
    r.run(options.install_if);
    return r.result();
}

}  // namespace tdx::builder
