// The initramfs as a canonical "newc" cpio archive, and a strict reader.
//
// The archive's bytes are measured into RTMR2, so the writer is a pure
// function of the tree: no field comes from the host. The canonical form
// (docs/reproducibility.md has every rule with its reason):
//  - entries in FsTree::entries() order (byte-wise by path, so parents come
//    first); the root is written first as "."; other names carry no leading
//    "/" or "./";
//  - header "070701" and 13 fields of 8 upper-case hex digits (GNU cpio's and
//    the kernel's gen_init_cpio's spelling); the check field is 0;
//  - inodes 1, 2, 3... in entry order, one per hard-link group; devmajor and
//    devminor 0; nlink 2 + subdirectories for a directory, the number of
//    names for a hard-linked file, else 1;
//  - the data of a hard-linked file is carried by the last of its names in
//    entry order (the earlier ones have size 0, as GNU cpio and gen_init_cpio
//    write them); every name of the group carries the first name's mode,
//    owner and mtime;
//  - mode = type bits | the node's 07777 bits, except symlinks, always 0777
//    (Linux has no symlink permissions); symlink data is the target, no NUL;
//  - name + NUL padded so header+name is a multiple of 4, data padded to 4;
//  - "TRAILER!!!" (nlink 1, every other field 0), then zeros up to a multiple
//    of 512 bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "builder/rootfs/fs_tree.h"

namespace tdx::builder {

struct NewcOptions {
    // SOURCE_DATE_EPOCH: an mtime later than this is written as this. Without
    // it every node's mtime is written as it is.
    std::optional<std::int64_t> clamp_mtime;
};

// The whole archive, built in one pass into one exactly reserved buffer.
// Throws tdx::Error (BadInput) naming the path when a value does not fit its
// 8 hex digits: a file of 4 GiB or more, an mtime outside 0..0xffffffff;
// nothing is written then.
std::vector<std::uint8_t> write_newc(const FsTree& tree, const NewcOptions& options = {});

// The same bytes handed to `sink` in order, in pieces of up to 64 KiB or a
// file's whole content, which is passed as a view into the tree and never
// copied (pieces are valid only during the call). With a streaming
// Compressor as the sink the archive never exists in memory. Returns the
// archive's size; all checks happen before the first call.
using NewcSink = std::function<void(Bytes)>;
std::uint64_t write_newc(const FsTree& tree, const NewcOptions& options, const NewcSink& sink);

struct NewcEntry {
    std::uint64_t offset = 0;  // of the header in the archive
    std::string name;          // as stored: "." for the root, "usr/bin/sh"
    std::uint32_t ino = 0, mode = 0, uid = 0, gid = 0, nlink = 0, mtime = 0;
    std::uint32_t devmajor = 0, devminor = 0, rdevmajor = 0, rdevminor = 0, check = 0;
    Bytes data;  // file content or symlink target: a view into the archive
};

// Every entry before "TRAILER!!!" ("070701", or "070702" whose data sums are
// checked). Strict: a bad magic, a field that is not 8 hex digits, a name
// without its NUL, an absolute name or one with a ".." component, data past
// the end, a directory/device/fifo with data, a missing trailer or non-zero
// bytes after it are errors naming `what` and the entry's offset.
std::vector<NewcEntry> read_newc(Bytes data, const std::string& what);

}  // namespace tdx::builder
