// Builds .deb files in memory for tests: an ar archive with debian-binary,
// control.tar.gz and a data.tar.xz whose members carry any type, mode,
// owner, device number or link the test asks for — including the hostile
// ones a real archive could hold.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <string>
#include <vector>

#include "tests/support/catch.h"

namespace tdx::test {

struct DebMember {
    std::string name;          // as stored: "./usr/bin/x"
    unsigned type = AE_IFREG;  // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFBLK, AE_IFIFO
    unsigned mode = 0644;
    std::string content;   // file data
    std::string link;      // symlink target
    std::string hardlink;  // when set: a hard link to this earlier member
    unsigned uid = 0, gid = 0;
    unsigned rmajor = 0, rminor = 0;
};

inline DebMember deb_dir(const std::string& name, unsigned mode = 0755) {
    DebMember m;
    m.name = name, m.type = AE_IFDIR, m.mode = mode;
    return m;
}
inline DebMember deb_file(const std::string& name, const std::string& content, unsigned mode = 0644, unsigned uid = 0, unsigned gid = 0) {
    DebMember m;
    m.name = name, m.content = content, m.mode = mode, m.uid = uid, m.gid = gid;
    return m;
}
inline DebMember deb_symlink(const std::string& name, const std::string& target) {
    DebMember m;
    m.name = name, m.type = AE_IFLNK, m.mode = 0777, m.link = target;
    return m;
}
inline DebMember deb_hardlink(const std::string& name, const std::string& target, unsigned mode = 0644) {
    DebMember m;
    m.name = name, m.hardlink = target, m.mode = mode;
    return m;
}
inline DebMember deb_node(const std::string& name, unsigned type, unsigned mode, unsigned major = 0, unsigned minor = 0, unsigned gid = 0) {
    DebMember m;
    m.name = name, m.type = type, m.mode = mode, m.rmajor = major, m.rminor = minor, m.gid = gid;
    return m;
}

inline std::string write_test_archive(const std::vector<DebMember>& members, bool ar, bool xz) {
    struct archive* a = archive_write_new();
    if (ar) archive_write_set_format_ar_svr4(a);
    else
        archive_write_set_format_pax_restricted(a);
    if (xz) archive_write_add_filter_xz(a);
    std::vector<char> buf(1 << 22);
    size_t used = 0;
    archive_write_set_bytes_in_last_block(a, 1);
    REQUIRE(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
    for (const DebMember& m : members) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_uid(e, m.uid);
        archive_entry_set_gid(e, m.gid);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (!m.hardlink.empty()) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, m.mode);
            archive_entry_set_hardlink(e, m.hardlink.c_str());
            archive_entry_set_size(e, 0);
        } else {
            archive_entry_set_filetype(e, m.type);
            archive_entry_set_perm(e, m.mode);
            if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.link.c_str());
            if (m.type == AE_IFCHR || m.type == AE_IFBLK) {
                archive_entry_set_rdevmajor(e, m.rmajor);
                archive_entry_set_rdevminor(e, m.rminor);
            }
            archive_entry_set_size(e, m.type == AE_IFREG ? static_cast<la_int64_t>(m.content.size()) : 0);
        }
        REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
        if (m.type == AE_IFREG && m.hardlink.empty()) archive_write_data(a, m.content.data(), m.content.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return std::string(buf.data(), used);
}

inline std::string make_test_deb(const std::string& package, const std::vector<DebMember>& data) {
    const std::string control = write_test_archive({deb_file("./control", "Package: " + package + "\nVersion: 1\nArchitecture: amd64\n")}, false,
                                                   false);
    const std::string tar = write_test_archive(data, false, true);
    return write_test_archive({deb_file("debian-binary", "2.0\n"), deb_file("control.tar", control), deb_file("data.tar.xz", tar)}, true, false);
}

}  // namespace tdx::test
