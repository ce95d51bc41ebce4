#include "builder/apk/apk_package.h"

#include <archive.h>
#include <archive_entry.h>
#include <set>

#include "base/archive_message.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"

namespace tdx::builder {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

std::vector<std::string> split_path(const std::string& p) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= p.size()) {
        std::size_t j = p.find('/', i);
        if (j == std::string::npos) j = p.size();
        out.push_back(p.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// Returns the normalised entry path or throws; see the rules in the header.
std::string check_entry_path(std::string name, const std::string& what) {
    check_limit(Limit::PathLength, name.size(), what,
                "the path of entry \"" + name.substr(0, 64) + "...\" (" + std::to_string(name.size()) + " bytes)");
    std::string orig = name;
    if (name.rfind("./", 0) == 0) name.erase(0, 2);
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    if (name.empty() || name == ".") fail(what + ": entry \"" + orig + "\" names the package root");
    if (name[0] == '/') fail(what + ": entry \"" + orig + "\" has an absolute path; refusing to write outside the staging directory");
    for (const std::string& c : split_path(name))
        if (c.empty() || c == "." || c == "..")
            fail(what + ": entry \"" + orig + "\" has a \"" + c + "\" path component; refusing path traversal");
    return name;
}

// A symlink target must stay below the root when resolved textually from the link's directory.
void check_symlink_target(const std::string& path, const std::string& target, const std::string& what) {
    if (target.empty()) fail(what + ": symlink \"" + path + "\" has an empty target");
    if (target[0] == '/') fail(what + ": symlink \"" + path + "\" -> \"" + target + "\" is absolute; only relative links are accepted");
    long depth = static_cast<long>(split_path(path).size()) - 1;
    for (const std::string& c : split_path(target)) {
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (--depth < 0) fail(what + ": symlink \"" + path + "\" -> \"" + target + "\" climbs above the package root");
        } else {
            ++depth;
        }
    }
}

std::string text_of(const std::vector<std::uint8_t>& d) { return std::string(d.begin(), d.end()); }

void parse_pkginfo(const std::string& text, ApkPackage& pkg, const std::string& what) {
    std::size_t lineno = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lineno;
        if (line.empty() || line[0] == '#') continue;
        std::size_t eq = line.find(" = ");
        if (eq == std::string::npos)
            fail(what + ": .PKGINFO:" + std::to_string(lineno) + ": expected \"key = value\", got \"" + line.substr(0, 40) + "\"");
        std::string key = line.substr(0, eq), value = line.substr(eq + 3);
        pkg.pkginfo.emplace(key, value);
        if (key == "pkgname") pkg.name = value;
        else if (key == "pkgver")
            pkg.version = value;
        else if (key == "arch")
            pkg.arch = value;
        else if (key == "datahash")
            pkg.datahash = value;
    }
    if (pkg.name.empty() || pkg.version.empty()) fail(what + ": .PKGINFO lacks pkgname or pkgver");
}

std::vector<ApkEntry> read_data_entries(Bytes data, const std::string& what) {
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
        fail(what + ": data part unreadable: " + archive_message(a.get()));
    std::vector<ApkEntry> entries;
    std::set<std::string> files, seen;
    std::uint64_t total = 0;
    struct archive_entry* e = nullptr;
    for (;;) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) break;
        check_limit(Limit::ArchiveEntries, entries.size() + 1, what, "the number of entries in the data tarball");
        std::string at = what + ": data tar entry " + std::to_string(entries.size());
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) fail(at + ": truncated or corrupt: " + archive_message(a.get()));
        const char* raw = archive_entry_pathname(e);
        ApkEntry ent;
        ent.path = check_entry_path(raw ? raw : "", what);
        ent.mode = static_cast<unsigned>(archive_entry_perm(e)) & 07777;
        ent.uid = static_cast<std::uint32_t>(archive_entry_uid(e));
        ent.gid = static_cast<std::uint32_t>(archive_entry_gid(e));
        ent.mtime = archive_entry_mtime(e);
        const char* hard = archive_entry_hardlink(e);
        if (hard) {
            ent.type = ApkEntry::Type::Hardlink;
            ent.link_target = check_entry_path(hard, what);
            if (!files.count(ent.link_target))
                fail(what + ": hard link \"" + ent.path + "\" -> \"" + ent.link_target +
                     "\" does not name an earlier regular file of the package");
        } else {
            switch (archive_entry_filetype(e)) {
                case AE_IFREG: ent.type = ApkEntry::Type::File; break;
                case AE_IFDIR: ent.type = ApkEntry::Type::Directory; break;
                case AE_IFLNK:
                    ent.type = ApkEntry::Type::Symlink;
                    ent.link_target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
                    check_symlink_target(ent.path, ent.link_target, what);
                    break;
                default: fail(what + ": entry \"" + ent.path + "\" is a device node, FIFO or socket; packages may not carry those");
            }
        }
        if (ent.type != ApkEntry::Type::Directory && !seen.insert(ent.path).second) fail(what + ": entry \"" + ent.path + "\" appears twice");
        if (ent.type == ApkEntry::Type::File) {
            std::uint8_t buf[65536];
            for (;;) {
                la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
                if (n < 0) fail(what + ": \"" + ent.path + "\": truncated or corrupt: " + archive_message(a.get()));
                if (n == 0) break;
                total += static_cast<std::uint64_t>(n);
                check_limit(Limit::DecompressedSize, total, what, "the decompressed size of the data tarball");
                ent.data.insert(ent.data.end(), buf, buf + n);
            }
            ent.size = ent.data.size();
            files.insert(ent.path);
        }
        entries.push_back(std::move(ent));
    }
    return entries;
}

}  // namespace

ApkPackage read_apk(Bytes file, const std::string& what, const ApkReadOptions& options) {
    ApkSignedStream s = split_apk_stream(file, what, true);
    ApkPackage pkg;
    bool have_pkginfo = false;
    for (const ApkTarFile& f : s.control_files) {
        if (f.name == ".PKGINFO") {
            parse_pkginfo(text_of(f.data), pkg, what);
            have_pkginfo = true;
        } else if (!f.name.empty() && f.name[0] == '.') {
            pkg.scripts.push_back(f.name);
        } else {
            fail(what + ": control member holds \"" + f.name + "\", which is not a control file");
        }
    }
    if (!have_pkginfo) fail(what + ": control member has no .PKGINFO");

    // With datahash, signature and identity cover the control member alone
    // and datahash binds the data; without it they run to the end of the file.
    Bytes covered = pkg.datahash.empty() ? file.subspan(s.control_offset) : s.control_member();
    if (!pkg.datahash.empty()) {
        std::string actual = to_hex(Bytes(apk_sha256(s.data_members())));
        if (actual != pkg.datahash)
            fail(what + ": data members (offset " + hex_u64(s.data_offset) + ") have SHA-256 " + actual + " but .PKGINFO datahash says " +
                 pkg.datahash + " (corrupt or tampered)");
    }
    std::vector<std::uint8_t> expected;
    if (!options.expected_identity.empty()) expected = parse_apk_identity(options.expected_identity, what + ": expected identity");
    std::vector<std::uint8_t> id = expected.size() == 32 ? apk_sha256(covered) : apk_sha1(covered);
    pkg.identity = apk_identity_string(id);
    if (!expected.empty() && id != expected)
        fail(what + ": package identity " + pkg.identity + " differs from the index's C:" + options.expected_identity +
             " (not the file the index lists)");
    if (options.keys) pkg.signer = verify_apk_signatures(s, *options.keys, covered, what);
    pkg.entries = read_data_entries(s.data_members(), what);
    return pkg;
}

}  // namespace tdx::builder
