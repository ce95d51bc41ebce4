#include "builder/rootfs/cpio_newc.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "base/error.h"

namespace tdx::builder {
namespace {

constexpr std::size_t kHeaderSize = 110;
constexpr char kTrailerName[] = "TRAILER!!!";
constexpr std::uint64_t kMaxField = 0xffffffffu;
// Headers, names, padding and small files are gathered into one buffer of
// this size, so the sink sees few large pieces; larger data goes straight
// from the tree to the sink.
constexpr std::size_t kBatch = 64 * 1024;

std::uint64_t pad4(std::uint64_t n) { return (4 - (n & 3)) & 3; }

std::uint32_t type_bits(FsNode::Type t) {
    switch (t) {
        case FsNode::Type::Directory: return 0040000;
        case FsNode::Type::File: return 0100000;
        case FsNode::Type::Symlink: return 0120000;
        case FsNode::Type::CharDevice: return 0020000;
        case FsNode::Type::BlockDevice: return 0060000;
        case FsNode::Type::Fifo: return 0010000;
    }
    return 0;
}

std::string guest(std::string_view stored) { return "/" + std::string(stored); }

std::uint32_t fit32(std::uint64_t v, std::string_view path, const char* field) {
    if (v > kMaxField)
        fail(guest(path) + ": " + field + " " + std::to_string(v) + " does not fit the 8 hex digits of a newc header (at most 4294967295)");
    return static_cast<std::uint32_t>(v);
}

// What one entry of the archive holds, decided before any byte is written.
struct Planned {
    std::string_view name;
    const FsNode* node = nullptr;
    const FsNode* attrs = nullptr;  // whose mode/owner: the first name of a hard-link group
    std::uint32_t ino = 0;
    std::uint32_t nlink = 1;
    std::uint32_t mtime = 0;
    Bytes content;          // a regular file's data
    std::string_view text;  // a symlink's target
    std::uint64_t size() const { return content.size() + text.size(); }
};

struct Plan {
    std::vector<Planned> entries;
    std::uint64_t archive_size = 0;
};

struct LinkGroup {
    std::uint32_t ino = 0;
    std::uint32_t names = 0;
    std::size_t first = 0, last = 0;
};

std::uint64_t entry_size(std::size_t name_size, std::uint64_t data_size) {
    return kHeaderSize + name_size + 1 + pad4(kHeaderSize + name_size + 1) + data_size + pad4(data_size);
}

Plan plan_archive(const FsTree& tree, const NewcOptions& options) {
    Plan plan;
    std::vector<Planned>& out = plan.entries;
    out.reserve(tree.entries().size());
    std::unordered_map<std::uint64_t, LinkGroup> groups;
    std::unordered_map<std::string_view, std::size_t> dir_index;  // stored path -> index in `out`
    std::uint32_t next_ino = 1;
    for (const auto& [path, node] : tree.entries()) {
        Planned p;
        p.name = path.empty() ? std::string_view(".") : std::string_view(path);
        p.node = &node;
        p.attrs = &node;
        if (node.type == FsNode::Type::File && node.content) p.content = Bytes(node.content->data(), node.content->size());
        if (node.type == FsNode::Type::Symlink) p.text = node.target;
        fit32(p.size(), path, "size");
        const std::size_t index = out.size();
        if (node.type == FsNode::Type::File && node.link_id != 0) {
            auto [it, fresh] = groups.try_emplace(node.link_id);
            LinkGroup& g = it->second;
            if (fresh) {
                g.ino = next_ino++;
                g.first = index;
            }
            ++g.names;
            g.last = index;
            p.ino = g.ino;
            p.attrs = fresh ? &node : out[g.first].node;
        } else {
            p.ino = next_ino++;
        }
        if (node.type == FsNode::Type::Directory) {
            p.nlink = 2;
            dir_index.emplace(std::string_view(path), index);
            if (!path.empty()) {
                const std::size_t slash = path.rfind('/');
                const std::string_view parent = slash == std::string::npos ? std::string_view() : std::string_view(path).substr(0, slash);
                auto pit = dir_index.find(parent);
                // FsTree keeps every parent a directory that sorts earlier.
                if (pit == dir_index.end()) fail(guest(path) + ": parent directory missing from the tree");
                out[pit->second].nlink = fit32(std::uint64_t{out[pit->second].nlink} + 1, parent, "link count");
            }
        }
        std::int64_t mtime = p.attrs->mtime;
        if (options.clamp_mtime && mtime > *options.clamp_mtime) mtime = *options.clamp_mtime;
        if (mtime < 0 || static_cast<std::uint64_t>(mtime) > kMaxField)
            fail(guest(path) + ": mtime " + std::to_string(mtime) + " lies outside what a newc header holds (0..4294967295)");
        p.mtime = static_cast<std::uint32_t>(mtime);
        out.push_back(p);
    }
    // Hard links: every name counts the group; only the last name carries
    // the data, as GNU cpio and gen_init_cpio write it.
    if (!groups.empty()) {
        for (std::size_t i = 0; i < out.size(); ++i) {
            Planned& p = out[i];
            if (p.node->type != FsNode::Type::File || p.node->link_id == 0) continue;
            const LinkGroup& g = groups.at(p.node->link_id);
            p.nlink = g.names;
            if (i != g.last) p.content = {};
        }
    }
    std::uint64_t total = entry_size(sizeof kTrailerName - 1, 0);
    for (const Planned& p : out) total += entry_size(p.name.size(), p.size());
    plan.archive_size = (total + 511) / 512 * 512;
    return plan;
}

class Emitter {
public:
    explicit Emitter(const NewcSink& sink) : sink_(sink) { buf_.reserve(kBatch); }

    void entry(std::string_view name, const std::uint32_t (&fields)[13]) {
        std::uint8_t h[kHeaderSize];
        std::memcpy(h, "070701", 6);
        for (int f = 0; f < 13; ++f) hex8(h + 6 + 8 * f, fields[f]);
        put(Bytes(h, kHeaderSize));
        put(name);
        zeros(1 + pad4(kHeaderSize + name.size() + 1));
    }
    void data(const Planned& p) {
        put(p.content);
        put(p.text);
        zeros(pad4(p.size()));
    }
    void zeros(std::uint64_t n) {
        static constexpr std::uint8_t kZeros[512] = {};
        while (n > 0) {
            const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof kZeros));
            put(Bytes(kZeros, k));
            n -= k;
        }
    }
    std::uint64_t position() const { return written_ + buf_.size(); }
    std::uint64_t finish() {
        flush();
        return written_;
    }

private:
    static void hex8(std::uint8_t* p, std::uint32_t v) {
        // Upper case, as GNU cpio and gen_init_cpio write it.
        static constexpr std::uint8_t kDigits[] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
        for (int i = 7; i >= 0; --i, v >>= 4) p[i] = kDigits[v & 0xf];
    }
    void put(Bytes b) {
        if (b.empty()) return;
        if (b.size() >= kBatch) {
            flush();
            sink_(b);
            written_ += b.size();
            return;
        }
        if (buf_.size() + b.size() > kBatch) flush();
        buf_.insert(buf_.end(), b.begin(), b.end());
    }
    // Names and symlink targets (at most 4095 bytes: always batched).
    void put(std::string_view s) {
        if (buf_.size() + s.size() > kBatch) flush();
        buf_.insert(buf_.end(), s.begin(), s.end());
    }
    void flush() {
        if (buf_.empty()) return;
        sink_(Bytes(buf_.data(), buf_.size()));
        written_ += buf_.size();
        buf_.clear();
    }
    const NewcSink& sink_;
    std::vector<std::uint8_t> buf_;
    std::uint64_t written_ = 0;
};

void emit(const Plan& plan, const NewcSink& sink) {
    Emitter w(sink);
    for (const Planned& p : plan.entries) {
        const FsNode& n = *p.node;
        const FsNode& a = *p.attrs;
        // Linux ignores a symlink's permission bits and lstat reports 0777;
        // writing the tree's value would let a meaningless difference reach
        // the measurement.
        const std::uint32_t perms = n.type == FsNode::Type::Symlink ? 0777u : (a.mode & 07777u);
        const bool device = n.type == FsNode::Type::CharDevice || n.type == FsNode::Type::BlockDevice;
        const std::uint32_t fields[13] = {p.ino,
                                          type_bits(n.type) | perms,
                                          a.uid,
                                          a.gid,
                                          p.nlink,
                                          p.mtime,
                                          static_cast<std::uint32_t>(p.size()),
                                          0,  // devmajor, devminor: no host device
                                          0,
                                          device ? n.rdev_major : 0,
                                          device ? n.rdev_minor : 0,
                                          static_cast<std::uint32_t>(p.name.size() + 1),
                                          0};  // check: 0 in a 070701 archive
        w.entry(p.name, fields);
        w.data(p);
    }
    const std::uint32_t trailer[13] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, static_cast<std::uint32_t>(sizeof kTrailerName), 0};
    w.entry(std::string_view(kTrailerName, sizeof kTrailerName - 1), trailer);
    if (w.position() > plan.archive_size) fail("newc writer: wrote more bytes than the " + std::to_string(plan.archive_size) + " planned");
    w.zeros(plan.archive_size - w.position());
    if (w.finish() != plan.archive_size)
        fail("newc writer: wrote a different number of bytes than the " + std::to_string(plan.archive_size) + " planned");
}

}  // namespace

std::uint64_t write_newc(const FsTree& tree, const NewcOptions& options, const NewcSink& sink) {
    const Plan plan = plan_archive(tree, options);
    emit(plan, sink);
    return plan.archive_size;
}

std::vector<std::uint8_t> write_newc(const FsTree& tree, const NewcOptions& options) {
    const Plan plan = plan_archive(tree, options);
    std::vector<std::uint8_t> out;
    out.reserve(static_cast<std::size_t>(plan.archive_size));
    emit(plan, [&out](Bytes b) { out.insert(out.end(), b.begin(), b.end()); });
    return out;
}

}  // namespace tdx::builder
