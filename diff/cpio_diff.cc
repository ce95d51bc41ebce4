// Initramfs diff: both archives decompressed and read strictly, entries
// matched by path, every attribute the canonical form fixes compared.
#include <algorithm>
#include <map>
#include <set>

#include "base/digest.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "diff/image_diff.h"

namespace tdx::builder {
namespace {

constexpr std::uint32_t kTypeMask = 0170000, kRegular = 0100000, kSymlink = 0120000;
constexpr std::uint32_t kCharDev = 0020000, kBlockDev = 0060000;

bool has_magic(Bytes d, std::initializer_list<std::uint8_t> magic) {
    return d.size() >= magic.size() && std::equal(magic.begin(), magic.end(), d.begin());
}

Compression codec_of(Bytes d) {
    if (has_magic(d, {0x1f, 0x8b})) return Compression::Gzip;
    if (has_magic(d, {0x28, 0xb5, 0x2f, 0xfd})) return Compression::Zstd;
    if (has_magic(d, {0xfd, '7', 'z', 'X', 'Z', 0x00})) return Compression::Xz;
    return Compression::None;
}

std::string octal(std::uint32_t v) {
    std::string s;
    do {
        s.insert(s.begin(), static_cast<char>('0' + (v & 7)));
        v >>= 3;
    } while (v);
    return "0" + s;
}

std::string type_name(std::uint32_t mode) {
    switch (mode & kTypeMask) {
        case kRegular: return "file";
        case kSymlink: return "symlink";
        case 0040000: return "directory";
        case kCharDev: return "char device";
        case kBlockDev: return "block device";
        case 0010000: return "fifo";
        case 0140000: return "socket";
        default: return "unknown type";
    }
}

// One archive, indexed: the content of a hard-linked name is the data its
// group carries (on the last name in the canonical form, size 0 elsewhere).
struct Archive {
    std::vector<std::uint8_t> owned;  // the decompressed bytes entries point into
    std::vector<NewcEntry> entries;
    std::map<std::string, std::size_t> by_name;
    std::map<std::uint32_t, std::vector<std::size_t>> links;  // ino -> regular files with nlink > 1

    bool linked(const NewcEntry& e) const { return (e.mode & kTypeMask) == kRegular && e.nlink > 1; }

    Bytes content(const NewcEntry& e) const {
        if (!linked(e)) return e.data;
        for (std::size_t i : links.at(e.ino))
            if (!entries[i].data.empty()) return entries[i].data;
        return e.data;
    }

    // The other names of e's inode, sorted: grouping, not inode numbers, is
    // what matters (numbers follow from entry order).
    std::string link_group(const NewcEntry& e) const {
        if (!linked(e)) return "";
        std::vector<std::string> names;
        for (std::size_t i : links.at(e.ino))
            if (entries[i].name != e.name) names.push_back(entries[i].name);
        std::sort(names.begin(), names.end());
        std::string s;
        for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
        return s;
    }
};

Archive open_archive(Bytes raw, const std::string& what) {
    Archive ar;
    const Compression c = codec_of(raw);
    Bytes cpio = raw;
    if (c != Compression::None) {
        ar.owned = decompress(c, raw, what);
        cpio = Bytes(ar.owned.data(), ar.owned.size());
    }
    ar.entries = read_newc(cpio, what);
    for (std::size_t i = 0; i < ar.entries.size(); ++i) {
        const NewcEntry& e = ar.entries[i];
        if (!ar.by_name.emplace(e.name, i).second) fail(what + ": entry '" + e.name + "' appears twice");
        if (ar.linked(e)) ar.links[e.ino].push_back(i);
    }
    return ar;
}

std::string describe(const Archive& ar, const NewcEntry& e) {
    std::string s = type_name(e.mode) + ", mode " + octal(e.mode);
    if ((e.mode & kTypeMask) == kRegular) s += ", " + std::to_string(ar.content(e).size()) + " bytes";
    if ((e.mode & kTypeMask) == kSymlink) s += ", -> " + std::string(e.data.begin(), e.data.end());
    return s;
}

void compare_entries(const Archive& A, const NewcEntry& a, const Archive& B, const NewcEntry& b, const std::string& where,
                     std::vector<Difference>& out) {
    auto add = [&](const std::string& what, const std::string& x, const std::string& y) {
        if (x != y) out.push_back({where, what, x, y});
    };
    add("mode", octal(a.mode), octal(b.mode));
    add("uid", std::to_string(a.uid), std::to_string(b.uid));
    add("gid", std::to_string(a.gid), std::to_string(b.gid));
    add("mtime", std::to_string(a.mtime), std::to_string(b.mtime));
    add("nlink", std::to_string(a.nlink), std::to_string(b.nlink));
    const std::uint32_t ta = a.mode & kTypeMask, tb = b.mode & kTypeMask;
    if ((ta == kCharDev || ta == kBlockDev) && ta == tb)
        add("device", std::to_string(a.rdevmajor) + ":" + std::to_string(a.rdevminor),
            std::to_string(b.rdevmajor) + ":" + std::to_string(b.rdevminor));
    if (ta == kSymlink && tb == kSymlink)
        add("symlink target", std::string(a.data.begin(), a.data.end()), std::string(b.data.begin(), b.data.end()));
    if (ta == kRegular && tb == kRegular) {
        const Bytes ca = A.content(a), cb = B.content(b);
        add("size", std::to_string(ca.size()), std::to_string(cb.size()));
        if (ca.size() != cb.size() || !std::equal(ca.begin(), ca.end(), cb.begin()))
            out.push_back({where, "content sha256", to_hex(sha256(ca)), to_hex(sha256(cb))});
        add("hard links", A.link_group(a), B.link_group(b));
    }
}

}  // namespace

std::vector<Difference> diff_initramfs(Bytes a, Bytes b, const std::string& where) {
    const Archive A = open_archive(a, where + " (A)"), B = open_archive(b, where + " (B)");
    std::vector<Difference> out;
    const Compression ca = codec_of(a), cb = codec_of(b);
    if (ca != cb) out.push_back({where, "compression", to_string(ca), to_string(cb)});

    std::set<std::string> names;
    for (const auto& [n, i] : A.by_name) names.insert(n);
    for (const auto& [n, i] : B.by_name) names.insert(n);
    for (const std::string& n : names) {
        const auto ia = A.by_name.find(n), ib = B.by_name.find(n);
        const std::string at = where + ":" + n;
        if (ib == B.by_name.end()) {
            out.push_back({at, "only in A", describe(A, A.entries[ia->second]), ""});
        } else if (ia == A.by_name.end()) {
            out.push_back({at, "only in B", "", describe(B, B.entries[ib->second])});
        } else {
            compare_entries(A, A.entries[ia->second], B, B.entries[ib->second], at, out);
        }
    }

    // The canonical form fixes the order, so the same entries in another
    // order give other bytes (and another RTMR2).
    std::vector<std::string> oa, ob;
    for (const NewcEntry& e : A.entries)
        if (B.by_name.count(e.name)) oa.push_back(e.name);
    for (const NewcEntry& e : B.entries)
        if (A.by_name.count(e.name)) ob.push_back(e.name);
    for (std::size_t i = 0; i < oa.size(); ++i) {
        if (oa[i] != ob[i]) {
            out.push_back({where, "entry order (first at common entry #" + std::to_string(i) + ")", oa[i], ob[i]});
            break;
        }
    }

    const Bytes xa = A.owned.empty() ? a : Bytes(A.owned.data(), A.owned.size());
    const Bytes xb = B.owned.empty() ? b : Bytes(B.owned.data(), B.owned.size());
    const bool same_archive = xa.size() == xb.size() && std::equal(xa.begin(), xa.end(), xb.begin());
    if (out.empty() && same_archive) {
        out.push_back(
            {where, "compressed bytes differ (same archive)", std::to_string(a.size()) + " bytes", std::to_string(b.size()) + " bytes"});
    } else if (out.empty()) {
        // Something no attribute shows: inode numbers, the check field, padding.
        out = diff_binary(xa, xb, where + " (decompressed archive)");
    }
    return out;
}

}  // namespace tdx::builder
