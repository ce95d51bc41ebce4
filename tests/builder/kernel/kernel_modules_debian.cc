// Kernel modules and config checks on Debian 13's real cloud kernel package
// (the fifth line of debs.txt), against kmod's own tools: depmod writes the
// modules.dep a module directory needs, modprobe --show-depends prints the
// load order, xz -dc decompresses.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "builder/apt/deb_reader.h"
#include "builder/kernel/kernel_config.h"
#include "builder/kernel/kernel_modules.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using namespace tdx::test;
namespace fs = std::filesystem;

namespace {

struct Kernel {
    std::string release;
    ModuleDirectory modules;
    std::string config;
};

std::string debs_line(std::size_t n) {
    std::ifstream list(debian_inputs_dir() / "debs.txt");
    std::string line;
    for (std::size_t i = 0; i < n; ++i)
        if (!std::getline(list, line)) FAIL("debs.txt has no line " << n << "; re-run tests/fixtures/fetch-debian-inputs.sh");
    return line;
}

const Kernel& trixie_kernel() {
    static const Kernel k = [] {
        Kernel out;
        std::vector<std::uint8_t> vmlinuz;
        deb_for_each_data_entry(debs_line(5), [&](const DebEntry& e, const DebEntryReader& read) {
            if (e.type != DebEntry::Type::File) return true;
            if (auto p = split_module_path(e.path)) {
                if (out.modules.version.empty()) out.modules.version = p->version;
                REQUIRE(out.modules.version == p->version);
                out.modules.files[p->relative] = read();
            } else if (e.path.rfind("/boot/vmlinuz-", 0) == 0) {
                vmlinuz = read();
            } else if (e.path.rfind("/boot/config-", 0) == 0) {
                const auto c = read();
                out.config.assign(c.begin(), c.end());
            }
            return true;
        });
        REQUIRE(!vmlinuz.empty());
        out.release = kernel_release(vmlinuz, "vmlinuz");
        return out;
    }();
    return k;
}

fs::path kmod_tool(const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"})
        if (fs::exists(std::string(dir) + name)) return std::string(dir) + name;
    FAIL("kmod's " << name << " is not installed (Debian package kmod, listed in .ci/packages); it is this test's oracle");
    return {};
}

void write_file(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
    fs::create_directories(p.parent_path());
    write_bytes(p, bytes);
}

// Runs depmod on `root`/lib/modules/`release` and returns its modules.dep.
std::string depmod(const fs::path& root, const std::string& release) {
    const RunResult r = run({kmod_tool("depmod").string(), "-b", root.string(), release});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return read_text(root / "lib/modules" / release / "modules.dep");
}

// The module directory as Debian's postinst leaves it (depmod run on it).
const fs::path& full_tree() {
    static TempDir dir;
    static const bool done = [] {
        const Kernel& k = trixie_kernel();
        for (const auto& [rel, bytes] : k.modules.files) write_file(dir / "lib/modules" / k.release / rel, bytes);
        depmod(dir.path(), k.release);
        return true;
    }();
    (void)done;
    return dir.path();
}

// modprobe's load order for `module` in the full tree, as module names.
std::vector<std::string> modprobe_order(const std::string& module) {
    const RunResult r = run({kmod_tool("modprobe").string(), "-C", "/dev/null", "-d", full_tree().string(), "-S", trixie_kernel().release,
                             "--show-depends", module});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> names;
    std::istringstream in(r.out);
    for (std::string word, path; in >> word;) {
        if (word != "insmod") continue;
        in >> path;
        std::string base = path.substr(path.rfind('/') + 1);
        names.push_back(canonical_module_name(base.substr(0, base.find(".ko"))));
    }
    return names;
}

// modules.dep as module -> the set of modules its line lists.
std::map<std::string, std::set<std::string>> dep_sets(const std::string& text) {
    std::map<std::string, std::set<std::string>> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string module, dep;
        words >> module;
        auto& deps = out[module];
        while (words >> dep) deps.insert(dep);
    }
    return out;
}

std::vector<std::string> names_of(const ModuleSelection& s) {
    std::vector<std::string> out;
    for (const auto& m : s.modules) out.push_back(m.name);
    return out;
}

// Writes exactly what the guest gets and lets depmod compute modules.dep.
std::string depmod_of_selection(const ModuleSelection& s) {
    TempDir dir;
    for (const auto& m : s.modules) write_file(dir / m.guest_path, m.content);
    for (const auto& f : s.files)
        if (f.guest_path.find("/modules.dep") == std::string::npos) write_file(dir / f.guest_path, f.content);
    return depmod(dir.path(), s.version);
}

// The full tree's modules.dep lines for the chosen modules, suffixes dropped.
std::string full_tree_lines(const ModuleSelection& s) {
    std::set<std::string> chosen;
    for (const auto& m : s.modules) chosen.insert(m.relative_path);
    std::istringstream in(read_text(full_tree() / "lib/modules" / s.version / "modules.dep"));
    std::string out;
    for (std::string line; std::getline(in, line);) {
        std::string plain;
        std::istringstream words(line);
        for (std::string w; words >> w;) {
            const std::size_t ko = w.find(".ko");
            plain += (plain.empty() ? "" : " ") + w.substr(0, ko + 3) + (w.back() == ':' ? ":" : "");
        }
        if (chosen.count(plain.substr(0, plain.find(':')))) out += plain + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("Debian 13: tdx_guest and vsock modules, checked against depmod and modprobe", "[debian][kmod]") {
    const Kernel& k = trixie_kernel();
    CHECK(k.modules.version == k.release);
    CHECK(k.modules.files.count("modules.dep") == 0);  // Debian leaves it to depmod at install time

    const auto s = select_modules(k.modules, k.release, {"tdx_guest", "vmw_vsock_virtio_transport"});
    CHECK(names_of(s) ==
          std::vector<std::string>{"configfs", "tsm", "tdx_guest", "vsock", "vmw_vsock_virtio_transport_common", "vmw_vsock_virtio_transport"});
    // Debian 13 (6.12) calls the TSM report module tsm.
    CHECK(s.modules[1].relative_path == "kernel/drivers/virt/coco/tsm.ko");
    CHECK(s.modules[2].relative_path == "kernel/drivers/virt/coco/tdx-guest/tdx-guest.ko");

    // modprobe's order for each request, in request order, is ours.
    std::vector<std::string> expected = modprobe_order("tdx_guest");
    for (const std::string& n : modprobe_order("vmw_vsock_virtio_transport")) expected.push_back(n);
    CHECK(names_of(s) == expected);

    // depmod run on exactly the guest's module directory writes our modules.dep,
    // and depmod on the whole package writes the same lines for these modules
    // (no two of their dependencies are unrelated, so the order is fixed).
    CHECK(depmod_of_selection(s) == s.modules_dep);
    CHECK(full_tree_lines(s) == s.modules_dep);

    // Our decompression is xz's.
    TempDir tmp;
    const std::string shipped = "kernel/drivers/virt/coco/tdx-guest/tdx-guest.ko.xz";
    write_bytes(tmp / "m.ko.xz", k.modules.files.at(shipped));
    const RunResult xz = run({"/usr/bin/xz", "-dc", (tmp / "m.ko.xz").string()});
    REQUIRE(xz.exit_code == 0);
    CHECK(std::vector<std::uint8_t>(xz.out.begin(), xz.out.end()) == s.modules[2].content);

    std::vector<std::string> paths;
    for (const auto& f : s.files) paths.push_back(f.guest_path);
    const std::string base = "lib/modules/" + k.release + "/";
    CHECK(paths ==
          std::vector<std::string>{base + "modules.builtin", base + "modules.builtin.modinfo", base + "modules.dep", base + "modules.order"});
}

TEST_CASE("Debian 13: wide dependency graphs match depmod too", "[debian][kmod]") {
    const Kernel& k = trixie_kernel();
    // The modules with the most dependencies in the package, and two file systems.
    const auto s = select_modules(k.modules, k.release, {"vport-vxlan", "dm_raid", "nfsv4", "btrfs"});
    INFO(s.modules_dep);
    CHECK(s.modules.size() > 20);
    CHECK(depmod_of_selection(s) == s.modules_dep);
    // On the whole package, depmod's lines for these modules list the same
    // modules; the order of unrelated ones may differ, since other users in
    // the full tree change when each becomes free in depmod's sort. (Softdeps
    // here name aliases such as crypto-crc32c, which we do not resolve.)
    CHECK(dep_sets(full_tree_lines(s)) == dep_sets(s.modules_dep));

    // Every module loads after all it needs (depends= and softdep pre:).
    std::map<std::string, std::size_t> at;
    for (std::size_t i = 0; i < s.modules.size(); ++i) at[s.modules[i].name] = i;
    for (const auto& m : s.modules) {
        for (const auto& d : m.depends) CHECK(at.at(d) < at.at(m.name));
        for (const auto& d : m.soft_pre) CHECK(at.at(d) < at.at(m.name));
    }
}

TEST_CASE("Debian 13's kernel config passes the TDX checks, Debian 12's does not", "[debian][kconfig]") {
    const Kernel& k = trixie_kernel();
    const auto trixie = parse_kernel_config(k.config, "config-" + k.release);
    CHECK(trixie.get("CONFIG_TSM_REPORTS") == "m");
    CHECK(check_tdx_kernel_config(trixie, Compression::Gzip, {"tdx_guest", "vmw_vsock_virtio_transport"}).empty());
    CHECK(check_tdx_kernel_config(trixie, Compression::Zstd, {"tdx_guest"}).empty());

    const fs::path old = debian_inputs_dir() / "kernel.config";
    const auto bookworm = parse_kernel_config(read_text(old), old.string());
    const auto w = check_tdx_kernel_config(bookworm, Compression::Gzip, {"tdx_guest"});
    REQUIRE(!w.empty());
    CHECK(w.front() == "CONFIG_INTEL_TDX_GUEST is not set (needs y): the kernel has no TDX guest support and cannot run as a TD.");
}
