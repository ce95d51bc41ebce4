// Picks the kernel modules a recipe names out of a kernel package, with
// everything they need, decompressed, in the order the guest must load them.
//
// Input: the files of the package's module directory (lib/modules/<ver>/ or
// usr/lib/modules/<ver>/), by path relative to it, as shipped: modules as
// .ko, .ko.xz (Debian 13), .ko.zst (Ubuntu >= 23.10) or .ko.gz (Alpine), and
// the text files modules.order, modules.builtin, modules.builtin.modinfo and,
// on Ubuntu/Alpine, modules.dep. Debian ships no modules.dep (its postinst
// runs depmod), so dependencies then come from each module's .modinfo
// `depends=`; only the modules actually reached are decompressed.
//
// Names are matched as kmod and busybox match them: the file name without
// .ko*, with '-' and '_' equivalent ("tdx-guest.ko.xz" is tdx_guest).
//
// Soft dependencies (`softdep=pre: a b post: c`): kmod's modprobe loads the
// pre: modules before the module and the post: ones after it, and a missing
// one is not an error; busybox modprobe ignores softdeps entirely. Since the
// guest loads what we list in our order, `pre:` modules that the package has
// (by module name; aliases such as "crypto-md5" are not resolved) join the
// closure and load before their user; missing or built-in ones are skipped.
// `post:` softdeps are not followed: nothing the module needs at load time.
//
// The modules.dep written for the guest is what depmod would write for a
// module directory holding exactly the chosen modules: one line per module in
// modules.order order (others after, by path), each listing every module it
// needs, directly or not, sorted as depmod sorts them (kmod tools/depmod.c:
// a topological order over the dependency graph, users before what they use,
// ties broken by the order of each module's imports in its symbol table),
// so modprobe, which loads the list from its end, loads dependencies first.
// Checked against depmod itself on Debian 13's kernel. Only for modules
// missing from modules.order does the line order differ: depmod uses the
// directory's order there, which depends on the file system.
// Paths are relative to the module directory and name the decompressed .ko.
// When the package ships a modules.dep, its lines for the chosen modules are
// kept (suffixes rewritten to .ko): that is depmod's own answer. busybox
// modprobe reads this text file; kmod's modprobe reads only modules.dep.bin,
// which this does not produce (the guest loads modules in `modules` order
// with insmod or busybox modprobe, or runs depmod itself).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"

namespace tdx::builder {

// One kernel's module directory as a package ships it.
struct ModuleDirectory {
    std::string version;  // the directory's name, e.g. "6.12.117+deb13-cloud-amd64"
    // Path relative to the directory ("kernel/fs/configfs/configfs.ko.xz",
    // "modules.builtin") -> bytes as shipped.
    std::map<std::string, std::vector<std::uint8_t>> files;
};

// "/usr/lib/modules/<ver>/kernel/x.ko.xz" or "./lib/modules/<ver>/modules.order"
// -> {version, relative path}; nullopt for any other path (the directory
// itself included), so callers can sort package members with it.
struct ModulePath {
    std::string version;
    std::string relative;
};
std::optional<ModulePath> split_module_path(std::string_view package_path);

// The kernel release ("6.12.117+deb13-cloud-amd64"): the first word of the
// version string the bzImage setup header points to. Throws naming `name`
// when the image carries none.
std::string kernel_release(Bytes kernel, const std::string& name);

// '-' -> '_' ("tdx-guest" -> "tdx_guest").
std::string canonical_module_name(std::string_view name);

// The module's bytes, decompressed by suffix (.ko as is, .ko.xz with liblzma,
// .ko.zst and .ko.gz with libarchive), in-process. Throws naming `name` when
// the data is corrupt, has another suffix, or grows past the module-size
// limit (base/limits.h).
std::vector<std::uint8_t> decompress_module(Bytes data, const std::string& name);

struct SelectedModule {
    std::string name;                   // canonical: "tdx_guest"
    std::string relative_path;          // "kernel/drivers/virt/coco/tdx-guest/tdx-guest.ko"
    std::string guest_path;             // "lib/modules/<ver>/" + relative_path
    std::vector<std::uint8_t> content;  // decompressed; a signature trailer is kept
    std::vector<std::string> depends;   // modinfo depends=, canonical, as written
    std::vector<std::string> soft_pre;  // softdep pre: modules that were found and added
    bool requested = false;             // named by the recipe (not only needed)
};

struct GuestFile {
    std::string guest_path;  // "lib/modules/<ver>/modules.dep"
    std::vector<std::uint8_t> content;
};

struct ModuleSelection {
    std::string version;
    // Load order: everything a module needs comes before it. Requests are
    // taken in the order given; within one request's new modules, the ready
    // module with the smallest name goes first.
    std::vector<SelectedModule> modules;
    // Requested names the kernel has built in (modules.builtin): nothing to
    // load; canonical, in request order.
    std::vector<std::string> builtin;
    std::string modules_dep;
    // modules.dep, and copies of modules.builtin, modules.builtin.modinfo and
    // modules.order when the package has them (busybox and kmod read
    // modules.builtin to tell "built in" from "missing"); sorted by path.
    std::vector<GuestFile> files;
};

// Resolves `requested` (recipe names, '-' or '_') against `dir` for the
// kernel whose release is `release`. Throws tdx::Error (BadInput) when the
// directory's version is not `release`, a name is neither a module nor built
// in (naming the kernel and near names), a module needs one the package lacks,
// the dependencies form a cycle (naming it), a module's vermagic names another
// kernel, or a module is corrupt or too large. The result depends only on
// the inputs' content, not on the order anything was added in.
ModuleSelection select_modules(const ModuleDirectory& dir, const std::string& release, const std::vector<std::string>& requested);

}  // namespace tdx::builder
