#include "builder/rootfs/cpio_newc.h"

#include <string_view>

#include "base/error.h"
#include "base/limits.h"

namespace tdx::builder {
namespace {

constexpr std::size_t kHeaderSize = 110;
constexpr char kTrailerName[] = "TRAILER!!!";
constexpr std::uint32_t kIfDir = 0040000, kIfReg = 0100000, kIfLnk = 0120000, kIfChr = 0020000, kIfBlk = 0060000, kIfIfo = 0010000,
                        kIfSock = 0140000, kIfMt = 0170000;

std::uint64_t pad4(std::uint64_t n) { return (4 - (n & 3)) & 3; }

std::uint32_t parse_hex8(Bytes field, const std::string& where, const char* name) {
    std::uint32_t v = 0;
    for (std::uint8_t c : field) {
        std::uint32_t d = 0;
        if (c >= '0' && c <= '9') d = static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = static_cast<std::uint32_t>(c - 'A' + 10);
        else
            fail(where + ": field " + name + " is not 8 hex digits");
        v = (v << 4) | d;
    }
    return v;
}

bool has_dotdot(std::string_view name) {
    std::size_t i = 0;
    while (i <= name.size()) {
        std::size_t j = name.find('/', i);
        if (j == std::string_view::npos) j = name.size();
        if (name.substr(i, j - i) == "..") return true;
        i = j + 1;
    }
    return false;
}

}  // namespace

std::vector<NewcEntry> read_newc(Bytes data, const std::string& what) {
    static const char* const kFields[13] = {"ino",      "mode",     "uid",       "gid",       "nlink",    "mtime", "filesize",
                                            "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"};
    std::vector<NewcEntry> out;
    ByteReader r(data, what);
    for (;;) {
        const std::uint64_t offset = r.offset();
        const std::string where = what + ": entry at offset " + hex_u64(offset);
        if (r.remaining() < kHeaderSize) fail(where + ": archive ends without a TRAILER!!! entry");
        check_limit(Limit::ArchiveEntries, out.size() + 1, what, "the number of entries");
        Bytes header = r.bytes(kHeaderSize, "cpio header");
        std::string magic(header.begin(), header.begin() + 6);
        for (char& c : magic)
            if (c < 0x20 || c > 0x7e) c = '?';
        bool checksummed = false;
        if (magic == "070702") checksummed = true;
        else if (magic != "070701")
            fail(where + ": bad magic \"" + magic + "\" (want 070701, the newc format" +
                 (magic == "070707" ? "; this is the old odc format" : "") + ")");
        std::uint32_t f[13];
        for (int i = 0; i < 13; ++i) f[i] = parse_hex8(header.subspan(6 + 8 * static_cast<std::size_t>(i), 8), where, kFields[i]);
        NewcEntry e;
        e.offset = offset;
        e.ino = f[0];
        e.mode = f[1];
        e.uid = f[2];
        e.gid = f[3];
        e.nlink = f[4];
        e.mtime = f[5];
        e.devmajor = f[7];
        e.devminor = f[8];
        e.rdevmajor = f[9];
        e.rdevminor = f[10];
        e.check = f[12];
        const std::uint32_t namesize = f[11];
        if (namesize < 2) fail(where + ": namesize " + std::to_string(namesize) + " leaves no room for a name and its NUL");
        check_limit(Limit::PathLength, namesize - 1, where, "the name's length (" + std::to_string(namesize - 1) + " bytes)");
        if (r.remaining() < namesize) fail(where + ": name runs past the end of the archive");
        Bytes name = r.bytes(namesize, "name");
        if (name.back() != 0) fail(where + ": name is not NUL-terminated within its namesize");
        e.name.assign(name.begin(), name.end() - 1);
        if (e.name.find('\0') != std::string::npos) fail(where + ": name contains a NUL byte before its end");
        if (r.remaining() < pad4(kHeaderSize + namesize)) fail(where + ": name padding runs past the end of the archive");
        r.skip(pad4(kHeaderSize + namesize), "name padding");
        if (e.name == kTrailerName) {
            for (std::uint64_t i = r.offset(); i < data.size(); ++i)
                if (data[static_cast<std::size_t>(i)] != 0)
                    fail(what + ": non-zero byte at offset " + hex_u64(i) + " after the trailer (concatenated archives are not read)");
            return out;
        }
        if (e.name[0] == '/') fail(where + ": absolute name \"" + e.name + "\"");
        if (has_dotdot(e.name)) fail(where + ": name \"" + e.name + "\" has a \"..\" component");
        const std::uint32_t type = e.mode & kIfMt;
        const std::uint32_t filesize = f[6];
        switch (type) {
            case kIfReg:
            case kIfLnk: break;
            case kIfDir:
            case kIfChr:
            case kIfBlk:
            case kIfIfo:
            case kIfSock:
                if (filesize != 0)
                    fail(where + ": \"" + e.name + "\" is not a file or symlink but has " + std::to_string(filesize) + " bytes of data");
                break;
            default: fail(where + ": \"" + e.name + "\" has mode " + hex_u64(e.mode) + " of no known file type");
        }
        if (type == kIfLnk && filesize == 0) fail(where + ": symlink \"" + e.name + "\" has an empty target");
        if (r.remaining() < filesize)
            fail(where + ": \"" + e.name + "\" has " + std::to_string(filesize) + " bytes of data, past the end of the archive");
        e.data = r.bytes(filesize, "data");
        if (checksummed) {
            std::uint32_t sum = 0;
            for (std::uint8_t b : e.data) sum += b;
            if (sum != e.check) fail(where + ": data of \"" + e.name + "\" sums to " + hex_u64(sum) + ", header says " + hex_u64(e.check));
        } else if (e.check != 0) {
            fail(where + ": check field " + hex_u64(e.check) + " is not 0 in a 070701 archive");
        }
        if (r.remaining() < pad4(filesize)) fail(where + ": data padding runs past the end of the archive");
        r.skip(pad4(filesize), "data padding");
        out.push_back(std::move(e));
    }
}

}  // namespace tdx::builder
