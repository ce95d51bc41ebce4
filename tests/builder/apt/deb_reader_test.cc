#include "tests/support/catch.h"

#include <archive.h>
#include <archive_entry.h>

#include "base/error.h"
#include "builder/apt/deb_reader.h"
#include "tests/support/test_env.h"

using namespace tdx::test;

namespace {

struct Member {
    std::string name;
    std::string content;
    unsigned type = AE_IFREG;
    std::string link;
};

// Writes an archive of `members` in the given libarchive format/filter to memory.
std::string write_archive(const std::vector<Member>& members, bool ar, int filter) {
    struct archive* a = archive_write_new();
    if (ar) archive_write_set_format_ar_svr4(a);
    else
        archive_write_set_format_pax_restricted(a);
    if (filter == 1) archive_write_add_filter_gzip(a);
    if (filter == 2) archive_write_add_filter_xz(a);
    if (filter == 3) archive_write_add_filter_zstd(a);
    std::vector<char> buf(1 << 22);
    size_t used = 0;
    archive_write_set_bytes_in_last_block(a, 1);
    REQUIRE(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
    for (const Member& m : members) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_filetype(e, m.type);
        archive_entry_set_perm(e, 0644);
        if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.link.c_str());
        else
            archive_entry_set_size(e, static_cast<la_int64_t>(m.content.size()));
        REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
        if (m.type == AE_IFREG) archive_write_data(a, m.content.data(), m.content.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return std::string(buf.data(), used);
}

std::string make_deb(int filter, const std::string& data_name, bool with_binary = true) {
    std::string data = write_archive({{"./usr", "", AE_IFDIR, ""},
                                      {"./usr/share/ovmf/OVMF.fd", std::string(5000, '\x5a'), AE_IFREG, ""},
                                      {"./usr/share/qemu/OVMF.fd", "", AE_IFLNK, "../ovmf/OVMF.fd"},
                                      {"./boot/vmlinuz-1", "kernel", AE_IFREG, ""}},
                                     false, filter);
    std::string control = write_archive({{"./control", "Package: x\n", AE_IFREG, ""}}, false, 1);
    std::vector<Member> outer;
    if (with_binary) outer.push_back({"debian-binary", "2.0\n", AE_IFREG, ""});
    outer.push_back({"control.tar.gz", control, AE_IFREG, ""});
    outer.push_back({data_name, data, AE_IFREG, ""});
    return write_archive(outer, true, 0);
}

}  // namespace

TEST_CASE("deb_extract_file reads files from gz, xz and zstd data members") {
    TempDir d;
    const char* names[] = {"", "data.tar.gz", "data.tar.xz", "data.tar.zst"};
    for (int filter = 1; filter <= 3; ++filter) {
        INFO(names[filter]);
        write_text(d / "p.deb", make_deb(filter, names[filter]));
        auto bytes = tdx::builder::deb_extract_file(d / "p.deb", "/usr/share/ovmf/OVMF.fd");
        CHECK(bytes == std::vector<std::uint8_t>(5000, 0x5a));
        CHECK(tdx::builder::deb_list_files(d / "p.deb") ==
              std::vector<std::string>{"/boot/vmlinuz-1", "/usr/share/ovmf/OVMF.fd", "/usr/share/qemu/OVMF.fd"});
    }
}

TEST_CASE("deb reader errors name the package and the problem") {
    TempDir d;
    write_text(d / "p.deb", make_deb(1, "data.tar.gz"));
    CHECK_THROWS_WITH(tdx::builder::deb_extract_file(d / "p.deb", "/nope"), TDX_CONTAINS("p.deb: the package has no file /nope"));
    CHECK_THROWS_WITH(tdx::builder::deb_extract_file(d / "p.deb", "/usr/share/qemu/OVMF.fd"), TDX_CONTAINS("is not a regular file"));
    write_text(d / "text.deb", "hello, not an archive");
    CHECK_THROWS_WITH(tdx::builder::deb_extract_file(d / "text.deb", "/x"), TDX_CONTAINS("text.deb"));
    write_text(d / "nodata.deb", write_archive({{"debian-binary", "2.0\n", AE_IFREG, ""}}, true, 0));
    CHECK_THROWS_WITH(tdx::builder::deb_extract_file(d / "nodata.deb", "/x"), TDX_CONTAINS("nodata.deb: no data.tar member"));
    write_text(d / "nobinary.deb", make_deb(1, "data.tar.gz", false));
    CHECK_THROWS_WITH(tdx::builder::deb_extract_file(d / "nobinary.deb", "/x"), TDX_CONTAINS("before debian-binary"));
    std::string good = make_deb(2, "data.tar.xz");
    write_text(d / "cut.deb", good.substr(0, good.size() - 200));
    CHECK_THROWS_AS(tdx::builder::deb_extract_file(d / "cut.deb", "/boot/vmlinuz-1"), tdx::Error);
    CHECK_THROWS_WITH(tdx::builder::deb_extract_file(d / "missing.deb", "/x"), TDX_CONTAINS("missing.deb: cannot open"));
}

TEST_CASE("deb_control reads the control stanza from control.tar") {
    TempDir d;
    write_text(d / "p.deb", make_deb(2, "data.tar.xz"));
    CHECK(tdx::builder::deb_control(d / "p.deb") == "Package: x\n");
    write_text(d / "nobinary.deb", make_deb(1, "data.tar.gz", false));
    CHECK_THROWS_WITH(tdx::builder::deb_control(d / "nobinary.deb"), TDX_CONTAINS("control member before debian-binary"));
}
