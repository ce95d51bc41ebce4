// One Alpine .apk (v2): checked against the identity its index promised,
// optionally signature-verified, its data tar read into memory as an entry
// list. Nothing is written to disk: builder/rootfs/rootfs_stage puts the entries
// into the in-memory image tree, with ownership, modes and mtimes as
// recorded, so the build needs no root and the host's umask cannot leak in.
//
// Path rules (checked while reading, before anything is written):
//  - entry paths are relative, with no empty, "." or ".." component
//    (a leading "./" is accepted and dropped);
//  - symlink targets are relative and, resolved textually from the link's
//    directory, never climb above the package root; absolute targets are
//    rejected even though they would resolve inside the guest, because a
//    staging tool that followed one would land on the host;
//  - hard links must name an earlier regular file of the same package;
//  - device nodes, FIFOs and sockets are rejected (an initramfs gets its
//    /dev from devtmpfs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "builder/apk/apk_signed_stream.h"

namespace tdx::builder {

struct ApkEntry {
    enum class Type { File, Directory, Symlink, Hardlink };
    std::string path;  // "usr/bin/foo": relative, no trailing slash
    Type type = Type::File;
    unsigned mode = 0;  // permission bits including setuid/setgid/sticky (07777)
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::int64_t mtime = 0;
    std::uint64_t size = 0;
    std::string link_target;         // symlink target, or hard link's target path
    std::vector<std::uint8_t> data;  // regular files only
};

struct ApkPackage {
    std::string name, version, arch, datahash;        // from .PKGINFO
    std::multimap<std::string, std::string> pkginfo;  // every "key = value" line
    std::vector<std::string> scripts;                 // .pre-install, .post-install, .trigger, ... (not run)
    std::string identity;                             // computed "Q1..." (the index's C: form)
    std::string signer;                               // key that verified, empty when not checked
    std::vector<ApkEntry> entries;                    // data tar order
};

struct ApkReadOptions {
    // The index's C: value; when set, a different identity is an error.
    std::string expected_identity;
    // When set, the package's own signature must verify with one of these keys.
    const ApkKeyring* keys = nullptr;
};

// Reads and checks a .apk held in memory; `what` names it in errors.
// Identity: SHA-1 of the compressed control member when .PKGINFO carries
// datahash (then the data members' SHA-256 must equal datahash), else of the
// control and data members together (old packages), as apk computes it.
ApkPackage read_apk(Bytes file, const std::string& what, const ApkReadOptions& options = {});

}  // namespace tdx::builder
