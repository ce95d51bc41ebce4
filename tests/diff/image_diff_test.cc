// tdximage diff's comparisons on synthetic inputs: two initramfs trees that
// differ in exactly one attribute must give exactly that difference, and
// nothing else; firmware, kernel, manifest and measurement diffs name the
// section, module, field or event that changed.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "builder/build_manifest.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "builder/rootfs/fs_tree.h"
#include "diff/image_diff.h"
#include "tests/measure/eventlog_scenario.h"
#include "tests/ovmf/fv_builder.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::builder;
using Buf = std::vector<std::uint8_t>;

namespace {

Bytes view(const Buf& b) { return Bytes(b.data(), b.size()); }
Buf bytes_of(const std::string& s) { return Buf(s.begin(), s.end()); }

FsAttrs attrs(unsigned mode = 0644, std::int64_t mtime = 100) {
    FsAttrs a;
    a.mode = mode;
    a.mtime = mtime;
    return a;
}

// A small guest tree; each test changes one thing in a copy of it.
FsTree base_tree() {
    FsTree t;
    t.add_directory("/usr/bin", attrs(0755));
    t.add_file("/usr/bin/agent", bytes_of("agent v1"), attrs(0755));
    t.add_file("/etc/hostname", bytes_of("td\n"), attrs());
    t.add_symlink("/bin", "usr/bin", attrs(0777));
    t.add_file("/usr/bin/tool", bytes_of("shared"), attrs(0755));
    t.add_hardlink("/usr/bin/tool2", "/usr/bin/tool", attrs());
    return t;
}

Buf initramfs(const FsTree& t, Compression c = Compression::Gzip) {
    const Buf cpio = write_newc(t);
    return compress(c, c == Compression::None ? 0 : 6, view(cpio));
}

std::vector<Difference> diff_trees(const FsTree& a, const FsTree& b) {
    const Buf x = initramfs(a), y = initramfs(b);
    return diff_contents(view(x), view(y), "initramfs.cpio.gz");
}

bool has(const std::vector<Difference>& d, const std::string& where, const std::string& what) {
    return std::any_of(d.begin(), d.end(), [&](const Difference& x) { return x.where == where && x.what == what; });
}

// A header-only newc writer that keeps the order it is given, for archives the
// canonical writer would never produce.
Buf raw_newc(const std::vector<std::pair<std::string, std::string>>& files) {
    std::string out;
    auto pad = [&] {
        while (out.size() % 4) out.push_back('\0');
    };
    auto entry = [&](const std::string& name, std::uint32_t mode, std::uint32_t nlink, const std::string& data) {
        char h[111];
        std::snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 0u, mode, 0u, 0u, nlink, 0u,
                      static_cast<unsigned>(data.size()), 0u, 0u, 0u, 0u, static_cast<unsigned>(name.size() + 1), 0u);
        out += std::string(h, 110) + name + '\0';
        pad();
        out += data;
        pad();
    };
    for (const auto& [name, data] : files) entry(name, 0100644, 1, data);
    entry("TRAILER!!!", 0, 1, "");
    while (out.size() % 512) out.push_back('\0');
    return bytes_of(out);
}

}  // namespace

TEST_CASE("diff: identical inputs give no difference") {
    const Buf x = initramfs(base_tree());
    CHECK(diff_contents(view(x), view(x), "initramfs.cpio.gz").empty());
    CHECK(detect_kind(view(x)) == FileKind::Initramfs);
}

TEST_CASE("diff: one changed file inside an initramfs is the only path named") {
    FsTree b = base_tree();
    b.add_file("/usr/bin/agent", bytes_of("agent v2"), attrs(0755));  // same size, other bytes
    const std::vector<Difference> d = diff_trees(base_tree(), b);
    REQUIRE(d.size() == 1);
    CHECK(d[0].where == "initramfs.cpio.gz:usr/bin/agent");
    CHECK(d[0].what == "content sha256");
    CHECK(d[0].a == to_hex(sha256(view(bytes_of("agent v1")))));
    CHECK(d[0].b == to_hex(sha256(view(bytes_of("agent v2")))));

    FsTree c = base_tree();
    c.add_file("/etc/hostname", bytes_of("longer name\n"), attrs());
    const std::vector<Difference> e = diff_trees(base_tree(), c);
    REQUIRE(e.size() == 2);  // size and content, both of that one file
    CHECK(has(e, "initramfs.cpio.gz:etc/hostname", "size"));
    CHECK(e[0].a == "3");
    CHECK(e[0].b == "12");
    CHECK(has(e, "initramfs.cpio.gz:etc/hostname", "content sha256"));
}

TEST_CASE("diff: mode, owner, mtime and symlink target of one entry") {
    FsTree b = base_tree();
    b.add_file("/usr/bin/agent", bytes_of("agent v1"), attrs(04755));
    std::vector<Difference> d = diff_trees(base_tree(), b);
    REQUIRE(d.size() == 1);
    CHECK(d[0].what == "mode");
    CHECK(d[0].a == "0100755");
    CHECK(d[0].b == "0104755");

    FsTree c = base_tree();
    FsAttrs owned = attrs();
    owned.uid = 1000;
    owned.gid = 100;
    owned.mtime = 200;
    c.add_file("/etc/hostname", bytes_of("td\n"), owned);
    d = diff_trees(base_tree(), c);
    REQUIRE(d.size() == 3);
    CHECK((d[0].what == "uid" && d[0].a == "0" && d[0].b == "1000"));
    CHECK((d[1].what == "gid" && d[1].b == "100"));
    CHECK((d[2].what == "mtime" && d[2].a == "100" && d[2].b == "200"));

    FsTree s = base_tree();
    s.add_symlink("/bin", "/usr/bin", attrs(0777));
    d = diff_trees(base_tree(), s);
    REQUIRE(d.size() == 1);
    CHECK(d[0].where == "initramfs.cpio.gz:bin");
    CHECK(d[0].what == "symlink target");
    CHECK(d[0].a == "usr/bin");
    CHECK(d[0].b == "/usr/bin");
}

TEST_CASE("diff: hard-link grouping and entries only on one side") {
    FsTree b;
    b.add_directory("/usr/bin", attrs(0755));
    b.add_file("/usr/bin/agent", bytes_of("agent v1"), attrs(0755));
    b.add_file("/etc/hostname", bytes_of("td\n"), attrs());
    b.add_symlink("/bin", "usr/bin", attrs(0777));
    b.add_file("/usr/bin/tool", bytes_of("shared"), attrs(0755));
    b.add_file("/usr/bin/tool2", bytes_of("shared"), attrs(0755));  // a copy, not a link
    std::vector<Difference> d = diff_trees(base_tree(), b);
    // Same content on both names, so only the link count and grouping differ.
    CHECK(has(d, "initramfs.cpio.gz:usr/bin/tool", "hard links"));
    CHECK(has(d, "initramfs.cpio.gz:usr/bin/tool", "nlink"));
    CHECK(has(d, "initramfs.cpio.gz:usr/bin/tool2", "hard links"));
    CHECK(!has(d, "initramfs.cpio.gz:usr/bin/tool", "content sha256"));
    CHECK(!has(d, "initramfs.cpio.gz:usr/bin/tool2", "content sha256"));
    for (const Difference& x : d) CHECK(x.where.find("usr/bin/tool") != std::string::npos);

    FsTree c = base_tree();
    c.remove("/etc/hostname");
    c.add_file("/etc/motd", bytes_of("hi"), attrs());
    d = diff_trees(base_tree(), c);
    REQUIRE(d.size() == 2);
    CHECK(has(d, "initramfs.cpio.gz:etc/hostname", "only in A"));
    CHECK(d[0].a == "file, mode 0100644, 3 bytes");
    CHECK(has(d, "initramfs.cpio.gz:etc/motd", "only in B"));
}

TEST_CASE("diff: the same entries in another order, and another codec") {
    const Buf x = raw_newc({{"a", "1"}, {"b", "2"}}), y = raw_newc({{"b", "2"}, {"a", "1"}});
    const std::vector<Difference> d = diff_contents(view(x), view(y), "initrd");
    REQUIRE(d.size() == 1);
    CHECK(d[0].what == "entry order (first at common entry #0)");
    CHECK(d[0].a == "a");
    CHECK(d[0].b == "b");

    const Buf g = initramfs(base_tree(), Compression::Gzip), z = initramfs(base_tree(), Compression::Zstd);
    const std::vector<Difference> e = diff_contents(view(g), view(z), "initrd");
    REQUIRE(e.size() == 1);
    CHECK(e[0].what == "compression");
    CHECK(e[0].a == "gzip");
    CHECK(e[0].b == "zstd");

    const Buf g1 = compress(Compression::Gzip, 1, view(write_newc(base_tree())));
    const std::vector<Difference> f = diff_contents(view(g), view(g1), "initrd");
    REQUIRE(f.size() == 1);
    CHECK(f[0].what == "compressed bytes differ (same archive)");
}

TEST_CASE("diff: a damaged initramfs is a finding with a byte diff, not an error") {
    const Buf good = initramfs(base_tree());
    Buf bad = good;
    bad.resize(bad.size() / 2);
    const std::vector<Difference> d = diff_contents(view(good), view(bad), "initrd");
    REQUIRE(d.size() == 2);
    CHECK(d[0].what == "unreadable as initramfs");
    CHECK(d[0].a.find("initrd (B)") != std::string::npos);
    CHECK(d[1].what.rfind("bytes differ from offset", 0) == 0);
}

TEST_CASE("diff: firmware sections and modules") {
    namespace fv = tdx::test::fv;
    auto driver = [](const char* guid, const std::u16string& name, std::uint8_t fill) {
        return fv::ffs_file({fv::guid(guid), 0x07, fv::sections({fv::section(0x10, Buf(64, fill)), fv::ui_section(name)})});
    };
    auto firmware = [&](std::vector<Buf> files, std::uint64_t hob_address) {
        test::TdvfBuilder tb;
        tb.sections[2].memory_address = hob_address;
        Buf img = tb.build();
        const Buf vol = fv::volume({files});
        std::copy(vol.begin(), vol.end(), img.begin() + 0x1000);
        return img;
    };
    const char* g1 = "11111111-0000-0000-0000-000000000001";
    const char* g2 = "11111111-0000-0000-0000-000000000002";
    const Buf a = firmware({driver(g1, u"TdxDxe", 0xcc)}, 0x809000);
    const Buf b = firmware({driver(g1, u"TdxDxe", 0xdd), driver(g2, u"NewDxe", 0xee)}, 0x80a000);
    REQUIRE(detect_kind(view(a)) == FileKind::Firmware);
    const std::vector<Difference> d = diff_contents(view(a), view(b), "OVMF.fd");
    CHECK(has(d, "OVMF.fd:TDVF section 0 (BFV)", "content sha256"));
    CHECK(has(d, "OVMF.fd:TDVF section 2 (TD_HOB)", "memory address"));
    CHECK(has(d, std::string("OVMF.fd:module ") + g1 + " (TdxDxe)", "content sha256"));
    CHECK(has(d, std::string("OVMF.fd:module ") + g2 + " (NewDxe)", "only in B"));
    CHECK(!has(d, "OVMF.fd:TDVF section 1 (CFV)", "content sha256"));  // the CFV was not touched
    CHECK(d.size() == 4);
}

namespace {

// A PE32+ image with the given sections, raw data filled with `fill`.
Buf pe_image(const std::vector<std::pair<std::string, std::uint32_t>>& sections, std::uint8_t fill) {
    const std::uint32_t headers = 0x200;
    std::uint32_t end = headers;
    for (const auto& [n, size] : sections) end += size;
    Buf img(end, 0);
    img[0] = 'M';
    img[1] = 'Z';
    store_le32(img, 0x3c, 0x40);
    store_le32(img, 0x40, 0x00004550);
    store_le16(img, 0x44, 0x8664);
    store_le16(img, 0x46, static_cast<std::uint16_t>(sections.size()));
    store_le16(img, 0x54, 112 + 16 * 8);
    const std::uint64_t opt = 0x58;
    store_le16(img, opt, 0x20b);
    store_le32(img, opt + 56, 0x10000);
    store_le32(img, opt + 60, headers);
    store_le32(img, opt + 108, 16);
    std::uint64_t table = opt + 112 + 16 * 8;
    std::uint32_t at = headers;
    for (const auto& [name, size] : sections) {
        std::copy(name.begin(), name.end(), img.begin() + static_cast<std::ptrdiff_t>(table));
        store_le32(img, table + 8, size);
        store_le32(img, table + 12, at + 0x1000);
        store_le32(img, table + 16, size);
        store_le32(img, table + 20, at);
        std::fill_n(img.begin() + static_cast<std::ptrdiff_t>(at), size, fill);
        at += size;
        table += 40;
    }
    return img;
}

}  // namespace

TEST_CASE("diff: kernel PE sections, Authenticode digest and file hash") {
    const Buf a = pe_image({{".text", 0x100}, {".data", 0x80}}, 0x11);
    Buf b = a;
    b[0x200 + 0x100 + 5] ^= 1;  // one byte of .data
    REQUIRE(detect_kind(view(a)) == FileKind::Kernel);
    std::vector<Difference> d = diff_contents(view(a), view(b), "vmlinuz");
    REQUIRE(d.size() == 3);
    CHECK(d[0].where == "vmlinuz:PE section .data");
    CHECK(d[0].what == "content sha256");
    CHECK(d[1].what == "authenticode sha384");
    CHECK(d[2].what == "sha256");

    const Buf c = pe_image({{".text", 0x100}, {".data", 0x80}, {".reloc", 0x20}}, 0x11);
    d = diff_kernel(view(a), view(c), "vmlinuz");
    CHECK(has(d, "vmlinuz:PE section .reloc", "only in B"));
    CHECK(has(d, "vmlinuz", "size"));

    Buf e = a;
    store_le32(e, 0x58 + 112 + 16 * 8 + 40 + 36, 0xc0000040);  // .data's Characteristics
    d = diff_kernel(view(a), view(e), "vmlinuz");
    REQUIRE(d.size() == 3);  // the flags, and the header bytes both hashes cover
    CHECK(d[0].where == "vmlinuz:PE section .data");
    CHECK(d[0].what == "characteristics");
    CHECK(d[0].a == "0x0");
    CHECK(d[0].b == "0xc0000040");
}

namespace {

std::string manifest(const std::string& busybox_version, const std::string& busybox_sha, std::int64_t epoch) {
    BuildManifest m;
    m.image_name = "demo";
    m.tool_version = "0.1.0";
    m.compression = "gzip";
    m.source_date_epoch = epoch;
    m.inputs = {{"package", "busybox-static", busybox_version, "amd64", {"http://deb/busybox.deb"}, 100, busybox_sha},
                {"kernel", "linux-image", "6.12", "amd64", {}, 200, std::string(64, 'b')}};
    m.outputs = {{"vmlinuz", 200, std::string(64, 'c')}};
    return render_manifest(m);
}

}  // namespace

TEST_CASE("diff: output directories with a changed manifest input") {
    test::TempDir a, b;
    test::write_text(a / "manifest.json", manifest("1:1.36.1-9", std::string(64, 'a'), 1700000000));
    test::write_text(b / "manifest.json", manifest("1:1.37.0-6", std::string(64, 'd'), 1700000001));
    test::write_text(a / "mr_td.hex", std::string(96, '1') + "\n");
    test::write_text(b / "mr_td.hex", std::string(96, '2') + "\n");
    test::write_text(a / "launch-qemu.sh", "#!/bin/sh\n");
    test::write_text(b / "launch-qemu.sh", "#!/bin/sh\n");
    test::write_text(a / "extra.txt", "x");
    const std::vector<Difference> d = diff_paths(a.path(), b.path());
    CHECK(has(d, "extra.txt", "only in A"));
    CHECK(has(d, "manifest.json", "initramfs.source_date_epoch"));
    CHECK(has(d, "manifest.json:input package busybox-static", "version"));
    CHECK(has(d, "manifest.json:input package busybox-static", "sha256"));
    CHECK(!has(d, "manifest.json:input kernel linux-image", "sha256"));
    CHECK(has(d, "mr_td.hex", "line 1"));
    for (const Difference& x : d) CHECK(x.where.rfind("launch-qemu.sh", 0) != 0);
    // Both manifests claim a vmlinuz the directories do not hold: each side's
    // false claim is a difference of its own, even against itself.
    CHECK(has(d, "A:vmlinuz", "claim does not hold: manifest.json outputs[]"));
    CHECK(has(d, "B:vmlinuz", "claim does not hold: manifest.json outputs[]"));
    CHECK(d.size() == 7);
    CHECK(diff_paths(a.path(), a.path()).size() == 2);
    test::TempDir c;
    test::write_text(c / "mr_td.hex", std::string(96, '1') + "\n");
    CHECK(diff_paths(c.path(), c.path()).empty());
}

TEST_CASE("diff: measurements name the register and its first differing event") {
    // Real measurements.json documents (their events replay to their
    // values): two boots that differ only in the initramfs.
    tdx::test::BootInputs other;
    other.initrd = "initrd B";
    const std::string a = tdx::test::measurements_json(tdx::test::boot_events({})).dump(2),
                      b = tdx::test::measurements_json(tdx::test::boot_events(other)).dump(2);
    const Buf x(a.begin(), a.end()), y(b.begin(), b.end());
    REQUIRE(detect_kind(view(x)) == FileKind::Measurements);
    const std::vector<Difference> d = diff_contents(view(x), view(y), "measurements.json");
    REQUIRE(d.size() == 2);
    CHECK(d[0].what == "rtmr2");
    CHECK(d[1].where == "measurements.json:rtmr2 event 1");
    CHECK(d[1].what == "first differing event");
    CHECK_THAT(d[1].a, TDX_CONTAINS("EV_EVENT_TAG digest " + to_hex(sha384(Bytes(reinterpret_cast<const std::uint8_t*>("initrd A"), 8)))));
    CHECK_THAT(d[1].b, TDX_CONTAINS("\"Linux initrd\""));
}

TEST_CASE("diff: a measurements.json whose events do not replay to its values is unreadable, not compared") {
    nlohmann::json forged = tdx::test::measurements_json(tdx::test::boot_events({}));
    const std::string a = forged.dump(2);
    forged["rtmr2"] = std::string(96, 'b');
    const std::string b = forged.dump(2);
    const Buf x(a.begin(), a.end()), y(b.begin(), b.end());
    const std::vector<Difference> d = diff_contents(view(x), view(y), "measurements.json");
    REQUIRE(!d.empty());
    CHECK(d[0].what == "unreadable as measurements");
    CHECK_THAT(d[0].a, TDX_CONTAINS("measurements.json (B)"));
}

TEST_CASE("diff: unknown content falls back to the first differing offset") {
    const Buf a = {0, 1, 2, 3, 4}, b = {0, 1, 9, 3};
    const std::vector<Difference> d = diff_contents(view(a), view(b), "blob");
    REQUIRE(d.size() == 1);
    CHECK(d[0].what == "bytes differ from offset 0x2");
    CHECK(d[0].a == "5 bytes");
    CHECK(d[0].b == "4 bytes");
}
