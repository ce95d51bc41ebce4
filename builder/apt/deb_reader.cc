#include "builder/apt/deb_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "base/archive_message.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/limits.h"

namespace tdx::builder {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

std::vector<std::uint8_t> read_entry_data(struct archive* a, const std::string& what) {
    std::vector<std::uint8_t> out;
    std::uint8_t buf[65536];
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, sizeof buf);
        if (n < 0) fail(what + ": " + archive_message(a));
        if (n == 0) break;
        std::uint64_t have = out.size() + static_cast<std::uint64_t>(n);
        check_limit(Limit::DecompressedSize, have, what, "the decompressed size");
        out.insert(out.end(), buf, buf + n);
    }
    return out;
}

// Finds the `prefix`.tar.* member (data or control) of the ar archive and
// returns its raw bytes.
std::vector<std::uint8_t> member_tarball(const std::filesystem::path& deb, const std::string& prefix) {
    InputFile file(deb);
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_format_ar(a.get());
    if (archive_read_open_memory(a.get(), file.bytes().data(), file.bytes().size()) != ARCHIVE_OK)
        fail(deb.string() + ": not a Debian package (not an ar archive): " + archive_message(a.get()));
    bool saw_binary = false;
    struct archive_entry* e = nullptr;
    for (;;) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK) fail(deb.string() + ": corrupt ar archive: " + archive_message(a.get()));
        std::string name = archive_entry_pathname(e);
        if (name == "debian-binary") saw_binary = true;
        if (name.rfind(prefix + ".tar", 0) == 0) {
            if (!saw_binary) fail(deb.string() + ": " + prefix + " member before debian-binary; not a Debian package");
            return read_entry_data(a.get(), deb.string() + ": " + name);
        }
    }
    fail(deb.string() + ": no " + prefix + ".tar member; not a Debian binary package");
}

void for_each_entry(const std::filesystem::path& deb, const std::string& prefix,
                    const std::function<bool(struct archive*, struct archive_entry*, const std::string&)>& fn) {
    std::vector<std::uint8_t> tar = member_tarball(deb, prefix);
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_filter_bzip2(a.get());
    if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK)
        fail(deb.string() + ": " + prefix + " tarball unreadable: " + archive_message(a.get()));
    struct archive_entry* e = nullptr;
    for (std::uint64_t count = 1;; ++count) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) return;
        check_limit(Limit::ArchiveEntries, count, deb.string(), "the number of entries in the " + prefix + " tarball");
        if (r != ARCHIVE_OK) fail(deb.string() + ": corrupt " + prefix + " tarball: " + archive_message(a.get()));
        std::string name = archive_entry_pathname(e);
        // Member names are "./usr/..."; normalise to "/usr/...".
        if (name.rfind("./", 0) == 0) name.erase(0, 1);
        else if (name.empty() || name[0] != '/')
            name = std::string("/") + name;
        while (name.size() > 1 && name.back() == '/') name.pop_back();
        check_limit(Limit::PathLength, name.size(), deb.string(),
                    "the path of entry '" + name.substr(0, 64) + "...' (" + std::to_string(name.size()) + " bytes)");
        if (!fn(a.get(), e, name)) return;
    }
}

}  // namespace

std::vector<std::uint8_t> deb_extract_file(const std::filesystem::path& deb, const std::string& path_in_package) {
    std::vector<std::uint8_t> out;
    bool found = false;
    for_each_entry(deb, "data", [&](struct archive* a, struct archive_entry* e, const std::string& name) {
        if (name != path_in_package) return true;
        if (archive_entry_filetype(e) != AE_IFREG) fail(deb.string() + ": " + path_in_package + " is not a regular file in the package");
        out = read_entry_data(a, deb.string() + ": " + path_in_package);
        found = true;
        return false;
    });
    if (!found) fail(deb.string() + ": the package has no file " + path_in_package);
    return out;
}

std::string deb_control(const std::filesystem::path& deb) {
    std::vector<std::uint8_t> out;
    bool found = false;
    for_each_entry(deb, "control", [&](struct archive* a, struct archive_entry* e, const std::string& name) {
        if (name != "/control") return true;
        if (archive_entry_filetype(e) != AE_IFREG) fail(deb.string() + ": the control member is not a regular file");
        out = read_entry_data(a, deb.string() + ": control");
        found = true;
        return false;
    });
    if (!found) fail(deb.string() + ": control.tar has no control file");
    return std::string(out.begin(), out.end());
}

void deb_for_each_data_entry(const std::filesystem::path& deb, const std::function<bool(const DebEntry&, const DebEntryReader& read)>& fn) {
    for_each_entry(deb, "data", [&](struct archive* a, struct archive_entry* e, const std::string& name) {
        DebEntry d;
        d.path = name.empty() ? "/" : name;
        d.mode = static_cast<unsigned>(archive_entry_perm(e)) & 07777u;
        d.uid = static_cast<std::uint32_t>(archive_entry_uid(e));
        d.gid = static_cast<std::uint32_t>(archive_entry_gid(e));
        d.mtime = archive_entry_mtime(e);
        d.size = archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
        if (const char* hl = archive_entry_hardlink(e)) {
            d.type = DebEntry::Type::Hardlink;
            std::string t = hl;
            if (t.rfind("./", 0) == 0) t.erase(0, 1);
            else if (t.empty() || t[0] != '/')
                t = "/" + t;
            d.link_target = t;
        } else {
            switch (archive_entry_filetype(e)) {
                case AE_IFREG: d.type = DebEntry::Type::File; break;
                case AE_IFDIR: d.type = DebEntry::Type::Directory; break;
                case AE_IFLNK:
                    d.type = DebEntry::Type::Symlink;
                    d.link_target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
                    break;
                case AE_IFCHR: d.type = DebEntry::Type::CharDevice; break;
                case AE_IFBLK: d.type = DebEntry::Type::BlockDevice; break;
                case AE_IFIFO: d.type = DebEntry::Type::Fifo; break;
                default: d.type = DebEntry::Type::Other; break;
            }
            if (d.type == DebEntry::Type::CharDevice || d.type == DebEntry::Type::BlockDevice) {
                d.rdev_major = static_cast<std::uint32_t>(archive_entry_rdevmajor(e));
                d.rdev_minor = static_cast<std::uint32_t>(archive_entry_rdevminor(e));
            }
        }
        const DebEntryReader read = [&] { return read_entry_data(a, deb.string() + ": " + d.path); };
        return fn(d, read);
    });
}

std::vector<std::string> deb_list_files(const std::filesystem::path& deb) {
    std::vector<std::string> names;
    for_each_entry(deb, "data", [&](struct archive*, struct archive_entry* e, const std::string& name) {
        auto t = archive_entry_filetype(e);
        if (t == AE_IFREG || t == AE_IFLNK) names.push_back(name);
        return true;
    });
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace tdx::builder
