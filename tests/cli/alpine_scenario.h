// The offline Alpine scenario of the CLI tests: a signed file:// mirror built
// on the spot (Alpine's mirrors are not reachable from the test machines) and
// the tool run against it with a cache of the test's own. `LocalMirror` is
// the mirror alone; `AlpineBuild` adds a complete image recipe with Debian's
// real kernel and firmware as pinned local files (debian_inputs fixture).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/builder/apk/apk_fixture.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

namespace tdx::test::alpine {

inline std::string sha256_of_file(const std::filesystem::path& p) {
    const std::vector<std::uint8_t> b = tdx::read_file(p);
    return tdx::to_hex(tdx::sha256(tdx::Bytes(b.data(), b.size())));
}

// musl provides the so: dependency busybox has; with `files` both ship a
// few entries (busybox a setuid file, a symlink and a leftover log).
inline apk::PkgSpec musl_spec(bool files) {
    apk::PkgSpec musl("musl", "1.2.5-r10");
    musl.provides = "so:libc.musl-x86_64.so.1=1";
    if (files) musl.files = {{"lib", "", AE_IFDIR, "", 0755}, {"lib/ld-musl-x86_64.so.1", "musl", AE_IFREG, "", 0755}};
    return musl;
}

inline apk::PkgSpec busybox_spec(bool files) {
    apk::PkgSpec busybox("busybox", "1.37.0-r18");
    busybox.depends = "so:libc.musl-x86_64.so.1";
    if (files)
        busybox.files = {{"bin", "", AE_IFDIR, "", 0755},
                         {"bin/busybox", "#!busybox", AE_IFREG, "", 0755},
                         {"bin/bbsuid", "suid", AE_IFREG, "", 04755},
                         {"bin/sh", "", AE_IFLNK, "busybox", 0777},
                         {"var/log", "", AE_IFDIR, "", 0755},
                         {"var/log/install.log", "noise", AE_IFREG, "", 0644}};
    return busybox;
}

// <d>/mirror/v3.22/main/x86_64 signed by a fresh key, whose public half is
// <d>/keys/<name>; packages are added by the user, then published.
struct LocalMirror {
    TempDir d;
    apk::TestKey key{"test@example.org-61234567.rsa.pub"};
    apk::Repo repo{d / "mirror" / "v3.22" / "main", "", {}};

    LocalMirror() {
        std::filesystem::create_directories(d / "keys");
        key.write_public(d / "keys");
    }
    // The recipe's `sources:` block for this mirror.
    std::string sources_yaml(bool with_repositories) const {
        return "sources:\n"
               "  - name: alpine\n"
               "    distribution: alpine\n"
               "    release: \"3.22\"\n" +
               std::string(with_repositories ? "    repositories: [main]\n" : "") + "    mirrors: [\"file://" + (d / "mirror").string() +
               "\"]\n"
               "    keyring: [keys/" +
               key.name() + "]\n";
    }
    std::filesystem::path cache_dir() const { return d / "cache"; }
    // The tool with `args`, this scenario's cache and --quiet.
    RunResult tool(std::vector<std::string> args) const {
        args.insert(args.begin(), tool_path().string());
        for (const std::string& a : {std::string("--cache-dir"), cache_dir().string(), std::string("--quiet")}) args.push_back(a);
        return run(args);
    }
};

// <d>/alpine.yaml: busybox (and `extra` packages) from the mirror, Debian's
// kernel and OVMF as pinned files, /etc/motd from the recipe, an xz
// initramfs; <d>/agent is a script to pass as --agent.
struct AlpineBuild : LocalMirror {
    explicit AlpineBuild(const std::vector<apk::PkgSpec>& extra = {}) {
        repo.add(musl_spec(true), key);
        repo.add(busybox_spec(true), key);
        std::string packages = "busybox";
        for (const apk::PkgSpec& p : extra) {
            repo.add(p, key);
            packages += ", " + p.name;
        }
        repo.publish(key);
        const std::filesystem::path inputs = debian_inputs_dir();
        // Debian 12's kernel (6.1) with its version string made to read 6.9:
        // the first version whose EFI stub extends RTMR2, so that the agent
        // is covered as on the kernels recipes ship (Debian 13's is 6.12).
        // vmlinuz-6.1 keeps the original for the tests of older kernels.
        std::filesystem::copy_file(inputs / "vmlinuz", d / "vmlinuz-6.1");
        std::vector<std::uint8_t> kernel = tdx::read_file(inputs / "vmlinuz");
        const std::string old_version = "6.1.", new_version = "6.9.";
        const std::size_t at = 0x200 + (kernel.at(0x20E) | (kernel.at(0x20F) << 8));
        REQUIRE(std::equal(old_version.begin(), old_version.end(), kernel.begin() + static_cast<std::ptrdiff_t>(at)));
        std::copy(new_version.begin(), new_version.end(), kernel.begin() + static_cast<std::ptrdiff_t>(at));
        write_bytes(d / "vmlinuz", kernel);
        std::filesystem::copy_file(inputs / "OVMF-trixie.fd", d / "OVMF.fd");
        write_text(d / "agent", "#!/bin/sh\necho agent\n");
        write_text(d / "motd", "hello\n");
        const std::string text = "name: alpine-local\n" + sources_yaml(false) + "packages: [" + packages +
                                 "]\n"
                                 "kernel: {file: vmlinuz, sha256: " +
                                 sha256_of_file(d / "vmlinuz") +
                                 "}\n"
                                 "ovmf: {file: OVMF.fd, sha256: " +
                                 sha256_of_file(d / "OVMF.fd") +
                                 "}\n"
                                 "files: [{src: motd, dst: /etc/motd, mode: '0600', uid: 7, gid: 8}]\n"
                                 "init: {program: /bin/busybox, args: [sh]}\n"
                                 "cmdline: console=ttyS0 quiet\n"
                                 "vm: {memory: 1G, cpus: 1}\n"
                                 "initramfs: {compression: xz}\n";
        write_text(d / "alpine.yaml", text);
    }
    std::string recipe() const { return (d / "alpine.yaml").string(); }
    std::string agent() const { return (d / "agent").string(); }
};

}  // namespace tdx::test::alpine
