#include "builder/image_build.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "builder/apk/apk_package.h"
#include "builder/apt/deb_reader.h"
#include "builder/fetch/file_hash.h"
#include "builder/kernel/kernel_config.h"
#include "builder/kernel/kernel_modules.h"
#include "builder/lock/lock_recipe.h"
#include "builder/lock/lock_timestamp.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "builder/rootfs/fs_tree.h"
#include "builder/rootfs/init_script.h"
#include "builder/rootfs/rootfs_policy.h"
#include "builder/rootfs/rootfs_stage.h"
#include "measure/kernel_setup.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

Expected pinned(std::uint64_t size, const std::string& sha) {
    Expected e;
    e.size = size;
    e.sha256 = sha;
    return e;
}

std::string origin_of(const PackageRef& p) { return p.name + " " + p.version; }

struct Inputs {
    std::vector<const PackageRef*> userland, kernel;
    const PackageRef* ovmf = nullptr;
};

// Which locked package plays which part. The lock lists packages without
// roles; the recipe's kernel spec (its package and `follow` globs) and the
// firmware's package name decide, as they did when the lock was made.
Inputs classify(const Recipe& recipe, const Lockfile& lock) {
    Inputs in;
    for (const PackageRef& p : lock.packages) {
        if (recipe.ovmf.kind == ArtifactSpec::Kind::Package && p.name == recipe.ovmf.package) {
            in.ovmf = &p;
            continue;
        }
        bool kernel = false;
        if (recipe.kernel.kind == ArtifactSpec::Kind::Package) {
            kernel = p.name == recipe.kernel.package || matches_any(p.name, recipe.kernel.follow);
        }
        (kernel ? in.kernel : in.userland).push_back(&p);
    }
    if (recipe.ovmf.kind == ArtifactSpec::Kind::Package && !in.ovmf)
        fail("the lock has no package '" + recipe.ovmf.package + "' for the firmware; run `tdximage lock --update " + recipe.file.string() +
             "`");
    if (recipe.kernel.kind == ArtifactSpec::Kind::Package && in.kernel.empty())
        fail("the lock has no package '" + recipe.kernel.package + "' for the kernel; run `tdximage lock --update " + recipe.file.string() +
             "`");
    return in;
}

const LockedFile* locked_file(const Lockfile& lock, const std::string& role, const std::string& url = "") {
    for (const LockedFile& f : lock.files)
        if (f.role == role && (url.empty() || (!f.urls.empty() && f.urls.front() == url))) return &f;
    return nullptr;
}

// A local file named by the recipe, checked against the hash its lock pins.
std::vector<std::uint8_t> read_pinned_local(const LocalPath& p, const LockedFile* pin, const std::string& what) {
    if (!pin) fail(p.resolved.string() + ": " + what + " is not in the lock; run `tdximage lock --update`", ErrorKind::Usage);
    std::vector<std::uint8_t> bytes = read_file(p.resolved);
    const std::string sha = to_hex(sha256(Bytes(bytes)));
    if (sha != pin->sha256 || bytes.size() != pin->size)
        fail(p.resolved.string() + ": " + what + " changed since it was locked (sha256 " + sha.substr(0, 16) + "…, the lock pins " +
                 pin->sha256.substr(0, 16) + "…); run `tdximage lock --update` if the change is intended",
             ErrorKind::BadInput);
    return bytes;
}

std::vector<std::uint8_t> artifact_file(const ArtifactSpec& a, const std::string& role, const Lockfile& lock, CachingDownloader& dl) {
    const LockedFile* pin = locked_file(lock, role);
    if (!pin) fail("the lock pins no " + role + " file; run `tdximage lock --update`", ErrorKind::Usage);
    if (a.kind == ArtifactSpec::Kind::File) return read_pinned_local(a.file, pin, role);
    return dl.get(pin->urls, pinned(pin->size, pin->sha256));
}

// The one file of `packages` whose path matches `pattern` (a glob).
std::pair<const PackageRef*, std::string> find_in_packages(const std::vector<std::pair<const PackageRef*, fs::path>>& packages,
                                                           const std::string& pattern, const std::string& what) {
    std::vector<std::pair<const PackageRef*, std::string>> hits;
    for (const auto& [ref, path] : packages)
        for (const std::string& f : deb_list_files(path))
            if (matches_any(f, {pattern})) hits.emplace_back(ref, f);
    if (hits.empty()) fail(what + ": no file matching '" + pattern + "' in " + std::to_string(packages.size()) + " kernel package(s)");
    if (hits.size() > 1) {
        std::string names;
        for (const auto& h : hits) names += (names.empty() ? "" : ", ") + h.second;
        fail(what + ": '" + pattern + "' matches several files (" + names + "); make the recipe's path more specific");
    }
    return hits.front();
}

}  // namespace

std::string initramfs_file_name(Compression c) {
    switch (c) {
        case Compression::None: return "initramfs.cpio";
        case Compression::Gzip: return "initramfs.cpio.gz";
        case Compression::Zstd: return "initramfs.cpio.zst";
        case Compression::Xz: return "initramfs.cpio.xz";
    }
    return "initramfs.cpio";
}

BuiltImage build_image(const Recipe& recipe, const Lockfile& lock, const std::string& lock_text, CachingDownloader& dl,
                       const BuildOptions& options) {
    auto stage = [&](const std::string& s) {
        if (options.on_stage) options.on_stage(s);
    };
    BuiltImage img;
    BuildManifest& man = img.manifest;
    const fs::path recipe_dir = fs::absolute(recipe.file).parent_path();
    man.image_name = recipe.name;
    man.recipe_file = recipe.file.filename().string();
    man.recipe_sha256 = recipe_sha256(recipe);
    man.lock_sha256 = to_hex(sha256(Bytes(reinterpret_cast<const std::uint8_t*>(lock_text.data()), lock_text.size())));
    man.tool_version = options.tool_version;
    man.codec_versions = codec_versions();
    man.compression = to_string(recipe.initramfs.compression);
    man.compression_level = recipe.initramfs.level;

    stage("fetching inputs");
    const Inputs in = classify(recipe, lock);
    auto cached = [&](const PackageRef* p) {
        ManifestInput mi{"package", p->name, p->version, p->architecture, p->urls, p->size, p->sha256};
        if (in.ovmf == p) mi.role = "ovmf";
        else if (std::find(in.kernel.begin(), in.kernel.end(), p) != in.kernel.end())
            mi.role = "kernel";
        man.inputs.push_back(mi);
        return dl.get_path(p->urls, pinned(p->size, p->sha256));
    };
    std::vector<std::pair<const PackageRef*, fs::path>> userland, kernel_pkgs;
    for (const PackageRef* p : in.userland) userland.emplace_back(p, cached(p));
    for (const PackageRef* p : in.kernel) kernel_pkgs.emplace_back(p, cached(p));
    for (const LockedFile& f : lock.files) {
        const std::string name = f.urls.empty() ? f.role : f.urls.front().substr(f.urls.front().rfind('/') + 1);
        man.inputs.push_back(ManifestInput{f.role, name, "", "", f.urls, f.size, f.sha256});
    }

    // Source date: the environment's, else the recipe's, else the lock's.
    if (options.env_source_date_epoch) {
        man.source_date_epoch = *options.env_source_date_epoch;
        man.source_date_epoch_from = "environment";
    } else if (recipe.source_date_epoch) {
        man.source_date_epoch = *recipe.source_date_epoch;
        man.source_date_epoch_from = "recipe";
    } else if (const auto t = lock_timestamp(lock, dl)) {
        man.source_date_epoch = *t;
        man.source_date_epoch_from = "lock";
    } else {
        man.source_date_epoch = 0;
        man.source_date_epoch_from = "default";
    }

    // Firmware.
    stage("reading the firmware");
    if (recipe.ovmf.kind == ArtifactSpec::Kind::Package) {
        img.ovmf = deb_extract_file(dl.get_path(in.ovmf->urls, pinned(in.ovmf->size, in.ovmf->sha256)), recipe.ovmf.path);
    } else {
        img.ovmf = artifact_file(recipe.ovmf, "ovmf", lock, dl);
    }

    // Kernel, its config and its modules.
    stage("reading the kernel");
    std::optional<std::string> config_text;
    if (recipe.kernel.kind == ArtifactSpec::Kind::Package) {
        const auto [ref, path] = find_in_packages(kernel_pkgs, recipe.kernel.path, "kernel");
        const fs::path deb = dl.get_path(ref->urls, pinned(ref->size, ref->sha256));
        img.kernel = deb_extract_file(deb, path);
    } else {
        img.kernel = artifact_file(recipe.kernel, "kernel", lock, dl);
    }
    img.kernel_version = kernel_version_string(Bytes(img.kernel));
    // "6.12.48+deb13-cloud-amd64 (debian-kernel@...) #1 SMP ..." -> the release.
    if (const std::size_t sp = img.kernel_version.find(' '); sp != std::string::npos) img.kernel_version.resize(sp);
    man.kernel_version = img.kernel_version;

    FsTree tree;
    stage("kernel modules");
    std::vector<std::string> module_paths;
    if (recipe.kernel.kind == ArtifactSpec::Kind::Package) {
        ModuleDirectory dir;
        dir.version = img.kernel_version;
        std::set<std::string> other_versions;
        std::optional<std::string> config;
        const std::string config_path = "/boot/config-" + img.kernel_version;
        for (const auto& [ref, path] : kernel_pkgs) {
            if (!ref->apk_checksum.empty())
                fail(origin_of(*ref) + ": kernel packages are read from .deb archives only; take the kernel from an apt source");
            deb_for_each_data_entry(path, [&](const DebEntry& e, const DebEntryReader& read) {
                if (e.type != DebEntry::Type::File) return true;
                if (const auto mp = split_module_path(e.path)) {
                    if (mp->version == img.kernel_version) dir.files[mp->relative] = read();
                    else
                        other_versions.insert(mp->version);
                } else if (e.path == config_path) {
                    const std::vector<std::uint8_t> c = read();
                    config = std::string(c.begin(), c.end());
                }
                return true;
            });
        }
        if (dir.files.empty() && !recipe.modules.empty()) {
            std::string others;
            for (const std::string& v : other_versions) others += (others.empty() ? "" : ", ") + v;
            fail("the kernel packages have no modules for the kernel's version " + img.kernel_version +
                 (others.empty() ? std::string() : " (only for " + others + ")") + "; modules must come from the same kernel build");
        }
        if (config) {
            for (const std::string& w :
                 check_tdx_kernel_config(parse_kernel_config(*config, config_path), recipe.initramfs.compression, recipe.modules))
                img.warnings.push_back("kernel " + img.kernel_version + ": " + w);
        } else {
            img.warnings.push_back("kernel " + img.kernel_version + ": no " + config_path +
                                   " in its packages; TDX guest support was not checked");
        }
        if (!recipe.modules.empty()) {
            const ModuleSelection sel = select_modules(dir, img.kernel_version, recipe.modules);
            for (const SelectedModule& m : sel.modules) {
                tree.add_file("/" + m.guest_path, m.content, FsAttrs{0644, 0, 0, 0, "kernel " + img.kernel_version});
                module_paths.push_back("/" + m.guest_path);
            }
            for (const GuestFile& f : sel.files)
                tree.add_file("/" + f.guest_path, f.content, FsAttrs{0644, 0, 0, 0, "kernel " + img.kernel_version});
            man.modules = module_paths;
            man.builtin_modules = sel.builtin;
        }
    } else if (!recipe.modules.empty()) {
        fail(recipe.file.string() +
             ": modules need the kernel from a package (the module files come from it); this recipe's kernel is a single file");
    }

    // Userland, in the lock's order (sorted by source and name).
    stage("staging packages");
    for (const auto& [ref, path] : userland) {
        if (ref->apk_checksum.empty()) {
            stage_deb(tree, path, origin_of(*ref));
        } else {
            const std::vector<std::uint8_t> bytes = read_file(path);
            ApkReadOptions o;
            o.expected_identity = ref->apk_checksum;
            stage_apk(tree, read_apk(Bytes(bytes), path.filename().string(), o), origin_of(*ref));
        }
    }
    man.removed = remove_leftovers(tree);
    add_runtime_skeleton(tree);

    // The recipe's files, then the agent: they override packages.
    stage("adding files");
    for (const FileSpec& f : recipe.files) {
        std::vector<std::uint8_t> bytes = read_pinned_local(f.src, locked_file(lock, "file", local_file_url(f.src.resolved, recipe_dir)),
                                                            "files: " + f.dst);
        tree.add_file(f.dst, std::move(bytes), FsAttrs{f.mode, f.uid, f.gid, 0, "recipe"});
    }
    InitSpec init = recipe.init;
    if (options.agent) {
        std::vector<std::uint8_t> bytes = read_file(*options.agent);
        const std::string name = options.agent->filename().string();
        if (name.empty() || name == "." || name == "..") fail(options.agent->string() + ": not a file name an agent can have", ErrorKind::Usage);
        man.inputs.push_back(ManifestInput{"agent", name, "", "", {}, bytes.size(), to_hex(sha256(Bytes(bytes)))});
        init.program = "/usr/bin/" + name;
        init.args = options.agent_args.value_or(std::vector<std::string>{});
        man.agent = ManifestAgent{name, bytes.size(), man.inputs.back().sha256, init.args};
        tree.add_file(init.program, std::move(bytes), FsAttrs{0755, 0, 0, 0, "agent"});
    } else {
        std::string run = init.program;
        for (const std::string& a : init.args) run += " " + a;
        img.warnings.push_back("no --agent given: /init runs the recipe's init.program (" + run +
                               "); the image holds no agent of yours, and its RTMR2 is that of this image");
    }
    man.init_program = init.program;
    man.init_args = init.args;
    if (tree.resolve(init.program).empty())
        fail(recipe.file.string() + ": init.program " + init.program + " is not in the image (no package or file provides it)");

    stage("writing the initramfs");
    InitPlan plan;
    plan.busybox = find_busybox(tree);
    if (plan.busybox.empty())
        fail(recipe.file.string() +
             ": the image has no busybox (/usr/bin/busybox or /bin/busybox), which the generated /init runs on; "
             "add busybox-static (Debian, Ubuntu) or busybox (Alpine) to packages");
    plan.program = init.program;
    plan.args = init.args;
    plan.env = init.env;
    plan.modules = module_paths;
    plan.network = recipe.network;
    for (const GeneratedFile& g : init_files(plan))
        tree.add_file(g.path, std::vector<std::uint8_t>(g.content.begin(), g.content.end()), FsAttrs{g.mode, 0, 0, 0, "tdximage"});
    tree.set_all_mtimes(man.source_date_epoch);
    man.initramfs_entries = tree.entries().size();
    img.tree_bytes = tree.total_file_bytes();
    Compressor compressor(recipe.initramfs.compression, recipe.initramfs.level, img.tree_bytes);
    write_newc(tree, NewcOptions{}, [&](Bytes b) { compressor.write(b); });
    img.initramfs = compressor.finish();
    img.initramfs_name = initramfs_file_name(recipe.initramfs.compression);
    return img;
}

}  // namespace tdx::builder
