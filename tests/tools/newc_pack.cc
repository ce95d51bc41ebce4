// newc_pack DIR COMPRESSION LEVEL: the initramfs writer alone, for
// bench/initramfs-vs-cpio.sh. Reads DIR into an FsTree (directories, regular
// files, symlinks and hard links as they are on disk, owners and mtimes from
// lstat, no symlink followed), writes the canonical newc archive, compresses
// it ("none", "gzip", "zstd" or "xz" at LEVEL) and writes it to stdout. The
// time of both phases (reading; writing and compressing, which are one
// stream) goes to stderr.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "builder/rootfs/fs_tree.h"

namespace fs = std::filesystem;
using namespace tdx::builder;

namespace {

FsTree read_dir(const fs::path& root) {
    FsTree t;
    std::vector<fs::path> all;
    for (const auto& e : fs::recursive_directory_iterator(root)) all.push_back(e.path());
    // Hard links are recognised in a fixed order, whatever readdir returned.
    std::sort(all.begin(), all.end());
    std::map<std::pair<dev_t, ino_t>, std::string> first_name;
    for (const fs::path& p : all) {
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) tdx::fail(p.string() + ": cannot lstat", tdx::ErrorKind::Io);
        const std::string guest = "/" + p.lexically_relative(root).string();
        FsAttrs a;
        a.mode = st.st_mode & 07777;
        a.uid = st.st_uid;
        a.gid = st.st_gid;
        a.mtime = st.st_mtime;
        a.origin = "newc_pack";
        if (S_ISDIR(st.st_mode)) {
            t.add_directory(guest, a);
        } else if (S_ISLNK(st.st_mode)) {
            t.add_symlink(guest, fs::read_symlink(p).string(), a);
        } else if (S_ISREG(st.st_mode)) {
            const auto key = std::make_pair(st.st_dev, st.st_ino);
            auto it = first_name.find(key);
            if (st.st_nlink > 1 && it != first_name.end()) {
                t.add_hardlink(guest, it->second, a);
            } else {
                t.add_file(guest, tdx::read_file(p), a);
                first_name.emplace(key, guest);
            }
        }  // sockets and devices: not in the benchmark's trees
    }
    return t;
}

Compression parse_compression(const std::string& s) {
    if (s == "none") return Compression::None;
    if (s == "gzip") return Compression::Gzip;
    if (s == "zstd") return Compression::Zstd;
    if (s == "xz") return Compression::Xz;
    tdx::fail("compression must be none, gzip, zstd or xz, not '" + s + "'", tdx::ErrorKind::Usage);
}

long long ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: newc_pack DIR none|gzip|zstd|xz LEVEL > archive\n");
        return 2;
    }
    try {
        const Compression c = parse_compression(argv[2]);
        const int level = std::atoi(argv[3]);
        auto t0 = std::chrono::steady_clock::now();
        const FsTree tree = read_dir(argv[1]);
        const long long read_ms = ms_since(t0);
        // As the build does it: the archive streams from the tree into the
        // compressor and never exists uncompressed in memory.
        t0 = std::chrono::steady_clock::now();
        Compressor z(c, level, tree.total_file_bytes());
        const std::uint64_t archive_size = write_newc(tree, {}, [&z](tdx::Bytes b) { z.write(b); });
        const std::vector<std::uint8_t> out = z.finish();
        const long long pack_ms = ms_since(t0);
        if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
            std::fprintf(stderr, "newc_pack: cannot write stdout\n");
            return 2;
        }
        std::fprintf(stderr, "newc_pack: read %lld ms, write_newc+compress %lld ms, %zu entries, %llu -> %zu bytes\n", read_ms, pack_ms,
                     tree.entries().size(), static_cast<unsigned long long>(archive_size), out.size());
        return 0;
    } catch (const tdx::Error& e) {
        std::fprintf(stderr, "newc_pack: %s\n", e.what());
        return 2;
    }
}
