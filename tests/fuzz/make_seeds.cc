// Writes the fuzz targets' seed corpora: DIR/<target>/<name>, small valid
// inputs (and a few near misses) made by the unit tests' fixture builders and
// the project's own writers, so that fuzzing starts deep inside each format
// instead of rediscovering its magic numbers. Nothing here is committed; the
// seeds are made again for every run (the apk keys are new each time).
//
// usage: tdximage_fuzz_seeds DIR
#include "tests/support/catch.h"

// The fixtures check their libarchive and liblzma calls with REQUIRE, which
// needs a running Catch2 test; here a failed check stops the generator.
#undef REQUIRE
#define REQUIRE(...) ::tdx::fuzz::require(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__)

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace tdx::fuzz {
inline void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "tdximage_fuzz_seeds: fixture check failed: %s\n", what);
    std::exit(1);
}
}  // namespace tdx::fuzz

#include "base/file_io.h"
#include "base/temp_dir.h"
#include "builder/build_manifest.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/cache_archive.h"
#include "builder/lock/lockfile.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "measure/event_types.h"
#include "measure/tcg_event_log.h"
#include "ovmf/firmware_volume_internal.h"
#include "tests/builder/apk/apk_fixture.h"
#include "tests/builder/apt/deb_fixture.h"
#include "tests/builder/kernel/ko_fixture.h"
#include "tests/measure/eventlog_scenario.h"
#include "tests/ovmf/fv_builder.h"
#include "tests/ovmf/tdvf_builder.h"

namespace {

namespace fs = std::filesystem;
using Buf = std::vector<std::uint8_t>;
using namespace tdx;
namespace fv = tdx::test::fv;

// libFuzzer's -max_len in run.sh; a seed longer than that would be cut.
constexpr std::size_t kMaxSeed = 64 * 1024;

class Seeds {
public:
    explicit Seeds(fs::path dir) : dir_(std::move(dir)) {}

    void add(const std::string& target, const std::string& name, const Buf& bytes) {
        if (bytes.size() > kMaxSeed) {
            std::fprintf(stderr, "tdximage_fuzz_seeds: %s/%s is %zu bytes, more than the %zu a seed may have\n", target.c_str(), name.c_str(),
                         bytes.size(), kMaxSeed);
            std::exit(1);
        }
        fs::create_directories(dir_ / target);
        write_file_bytes(dir_ / target / name, bytes);
        ++count_;
    }
    void add(const std::string& target, const std::string& name, const std::string& text) { add(target, name, Buf(text.begin(), text.end())); }
    std::size_t count() const { return count_; }

private:
    static void write_file_bytes(const fs::path& p, const Buf& bytes) {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!out) {
            std::fprintf(stderr, "tdximage_fuzz_seeds: cannot write %s\n", p.c_str());
            std::exit(1);
        }
    }
    fs::path dir_;
    std::size_t count_ = 0;
};

Buf bytes(const std::string& s) { return Buf(s.begin(), s.end()); }

// ---- tdvf ------------------------------------------------------------------

void tdvf_seeds(Seeds& s) {
    using test::TdvfBuilder;
    s.add("tdvf", "default.fd", TdvfBuilder{}.build());
    {
        TdvfBuilder b;  // found through the TDVF 1.0 pointer at EOF-0x20
        b.footer = false;
        b.legacy_pointer = 0x3010;
        s.add("tdvf", "legacy-pointer.fd", b.build());
    }
    {
        TdvfBuilder b;  // every section type, PAGE_AUG memory, other table entries
        b.sections.push_back({0, 0, 0x900000, 0x100000, 4, ovmf::kAttrPageAug});
        b.sections.push_back({0, 0, 0x820000, 0x1000, 5, 0});
        b.sections.push_back({0, 0, 0x821000, 0x1000, 6, 0});
        b.entries_before_tdx.push_back({ovmf::Guid::parse("4c2eb361-7d9f-4a39-b1bc-5e8d6f1b2a3c"), {1, 2, 3, 4, 5, 6}, std::nullopt});
        s.add("tdvf", "all-sections.fd", b.build());
    }
    {
        TdvfBuilder b;  // a rejected image: the BFV is not extended, the descriptor version is unknown
        b.sections[0].attributes = 0;
        b.version = 2;
        s.add("tdvf", "rejected.fd", b.build());
    }
}

// ---- firmware_volume ---------------------------------------------------------

fv::Buf driver(const char* guid, const std::u16string& name, std::uint8_t type = 0x07) {
    return fv::ffs_file({fv::guid(guid), type,
                         fv::sections({fv::section(0x13, {0x08}), fv::pe32_section(), fv::ui_section(name), fv::version_section(u"1.0")})});
}

void firmware_volume_seeds(Seeds& s) {
    // edk2's FVMAIN_COMPACT layout in miniature: a PEIM, a pad file and an
    // FV_IMAGE file whose LZMA section holds the DXE volume.
    const fv::Buf dxe = fv::volume({{driver(fv::kTdTcg2DxeGuid, u"TdTcg2Dxe"), driver("e750224e-7bce-40af-b5bb-47e3611eb5c2", u"TdxDxe"),
                                     driver("d6a2cb7f-6a18-4e2f-b43b-9920a733700a", u"DxeCore", 0x05)},
                                    fv::guid("7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1")});
    for (bool known_size : {true, false}) {
        const fv::Buf compressed = fv::lzma_section(fv::sections({fv::section(0x19, fv::Buf(12, 0)), fv::section(0x17, dxe)}), known_size);
        const fv::Buf top = fv::volume({{driver("222c386d-5abc-4fb4-b124-fbb82488acf4", u"PlatformPei", 0x06),
                                         fv::ffs_file({fv::guid("aaaaaaaa-0000-0000-0000-000000000001"), 0xf0, fv::Buf(8, 0xff)}),
                                         fv::ffs_file({fv::guid("9e21fd93-9c72-4c15-8c4b-e77f1db2d792"), 0x0b, compressed})}});
        s.add("firmware_volume", known_size ? "ovmf-lzma.fd" : "ovmf-lzma-unknown-size.fd",
              fv::image(0x100 + top.size() + 0x100, {{0x100, top}}));
    }
    {
        // An uncompressed nested volume, a CRC32 section, an undecoded Brotli
        // one, an extended-size section and a large (FFS3) file.
        const fv::Buf data = fv::sections({fv::ui_section(u"Checked")});
        fv::Buf crc;
        append_le(crc, ovmf::detail::crc32(Bytes(data.data(), data.size())), 4);
        const fv::Buf inner = fv::volume({{driver("00000000-0000-0000-0000-0000000000a1", u"Inner")}, std::nullopt});
        fv::File large{fv::guid("00000000-0000-0000-0000-0000000000a4"), 0x07, fv::sections({fv::section(0x10, fv::Buf(32, 0x90), true)})};
        large.attributes = 0x01;
        large.data_checksum = true;
        fv::Volume v{
            {fv::ffs_file({fv::guid("00000000-0000-0000-0000-0000000000a2"), 0x07, fv::guid_section(fv::guid(fv::kCrc32Guid), 2, data, crc)}),
             fv::ffs_file({fv::guid("00000000-0000-0000-0000-0000000000a3"), 0x07,
                           fv::sections({fv::guid_section(fv::guid(fv::kBrotliGuid), 1, fv::Buf(40, 1)), fv::ui_section(u"Brot")})}),
             fv::ffs_file(large), fv::ffs_file({fv::guid("00000000-0000-0000-0000-0000000000a5"), 0x0b, fv::section(0x17, inner)})}};
        v.file_system = fv::kFfs3;
        const fv::Buf top = fv::volume(v);
        s.add("firmware_volume", "ffs3-crc32-brotli-nested.fd", fv::image(top.size() + 0x40, {{0x40, top}}));
    }
    {
        // Erase polarity 0 and a deleted file next to a valid one.
        fv::File deleted{fv::guid("00000000-0000-0000-0000-0000000000b1"), 0x07, fv::sections({fv::ui_section(u"Gone")})};
        deleted.state_bits = 0x17;
        fv::Volume v{{fv::ffs_file(deleted, false),
                      fv::ffs_file({fv::guid("00000000-0000-0000-0000-0000000000b2"), 0x07, fv::sections({fv::ui_section(u"Kept")})}, false)}};
        v.erase_polarity = false;
        const fv::Buf top = fv::volume(v);
        s.add("firmware_volume", "polarity0-deleted.fd", fv::image(top.size(), {{0, top}}, 0x00));
    }
}

// ---- kernel_pe ---------------------------------------------------------------

struct PeSection {
    const char* name;
    std::uint32_t offset, size;
};

// A PE/COFF image whose headers are followed by `sections` (raw data filled
// with a pattern) and an optional certificate table at the end.
Buf pe_image(bool pe32_plus, std::uint32_t e_lfanew, std::uint32_t rva_count, std::uint32_t headers, const std::vector<PeSection>& sections,
             std::uint32_t cert_size) {
    std::uint64_t end = headers;
    for (const PeSection& sec : sections) end = std::max<std::uint64_t>(end, sec.offset + sec.size);
    end = (end + 7) & ~std::uint64_t{7};
    const std::uint64_t cert_at = end;
    Buf b(end + cert_size);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>((i * 131 + 7) % 251 + 1);
    b[0] = 'M', b[1] = 'Z';
    store_le32(b, 0x3C, e_lfanew);
    store_le32(b, e_lfanew, 0x00004550);
    const std::uint64_t fh = e_lfanew + 4, oh = fh + 20;
    const std::uint64_t fixed = pe32_plus ? 112 : 96;
    const std::uint16_t opt_size = static_cast<std::uint16_t>(fixed + 8 * rva_count);
    store_le16(b, fh, 0x8664);
    store_le16(b, fh + 2, static_cast<std::uint16_t>(sections.size()));
    store_le16(b, fh + 16, opt_size);
    store_le16(b, oh, pe32_plus ? 0x20B : 0x10B);
    store_le32(b, oh + 56, 0x100000);  // SizeOfImage
    store_le32(b, oh + 60, headers);
    store_le32(b, oh + 64, 0);  // CheckSum
    store_le32(b, oh + fixed - 4, rva_count);
    for (std::uint32_t i = 0; i < rva_count; ++i) store_le64(b, oh + fixed + 8 * i, 0);
    if (rva_count > 4) {
        store_le32(b, oh + fixed + 32, cert_size ? static_cast<std::uint32_t>(cert_at) : 0);
        store_le32(b, oh + fixed + 36, cert_size);
    }
    const std::uint64_t table = oh + opt_size;
    for (std::size_t i = 0; i < sections.size(); ++i) {
        const std::uint64_t h = table + 40 * i;
        for (std::size_t k = 0; k < 8; ++k) b[h + k] = static_cast<std::uint8_t>(k < std::strlen(sections[i].name) ? sections[i].name[k] : 0);
        store_le32(b, h + 8, sections[i].size);
        store_le32(b, h + 12, sections[i].offset);
        store_le32(b, h + 16, sections[i].size);
        store_le32(b, h + 20, sections[i].offset);
        store_le32(b, h + 36, 0x60000020);  // code, execute, read
    }
    if (cert_size) {
        store_le32(b, cert_at, cert_size);
        store_le16(b, cert_at + 4, 0x0200);
        store_le16(b, cert_at + 6, 0x0002);  // WIN_CERT_TYPE_PKCS_SIGNED_DATA
    }
    return b;
}

// The boot protocol header of a bzImage at 0x1F1, and its version string.
void put_setup_header(Buf& b, std::uint16_t protocol, std::uint8_t setup_sects) {
    b[0x1F1] = setup_sects;
    store_le16(b, 0x1FE, 0xAA55);
    store_le32(b, 0x202, 0x53726448);  // "HdrS"
    store_le16(b, 0x206, protocol);
    store_le16(b, 0x20E, 0x180);  // the version string at 0x380
    b[0x211] = 0x01;              // LOADED_HIGH
    store_le32(b, 0x22C, 0x7FFFFFFF);
    if (protocol >= 0x20C) store_le16(b, 0x236, 0x7F);
    if (protocol >= 0x206) store_le32(b, 0x238, 2047);
    const std::string version = "6.12.48+deb13-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC";
    std::copy(version.begin(), version.end(), b.begin() + 0x380);
    b[0x380 + version.size()] = 0;
}

void kernel_pe_seeds(Seeds& s) {
    // A Linux EFI-stub bzImage: PE header at 0x40, six data directories, the
    // setup header behind the section table, sections after the setup code.
    Buf bz = pe_image(true, 0x40, 6, 0x400,
                      {{".setup", 0x400, 0x600}, {".text", 0xA00, 0x1000}, {".data", 0x1A00, 0x200}, {".reloc", 0x1C00, 0x20}}, 0);
    put_setup_header(bz, 0x20F, 4);
    s.add("kernel_pe", "bzimage-efistub", bz);
    Buf signed_bz = pe_image(true, 0x40, 6, 0x400, {{".setup", 0x400, 0x600}, {".text", 0xA00, 0x1000}, {".data", 0x1A00, 0x200}}, 0x48);
    put_setup_header(signed_bz, 0x20F, 4);
    s.add("kernel_pe", "bzimage-signed", signed_bz);
    // An old kernel without the EFI stub: only the setup header.
    Buf old(0x1400);
    for (std::size_t i = 0; i < old.size(); ++i) old[i] = static_cast<std::uint8_t>((i * 37 + 11) % 253);
    put_setup_header(old, 0x202, 0);
    s.add("kernel_pe", "bzimage-protocol-2.02", old);
    // Plain EFI applications: PE32+ with sections out of file order, PE32.
    s.add("kernel_pe", "pe32plus-app.efi",
          pe_image(true, 0x80, 16, 0x400, {{".data", 0xA00, 0x300}, {".text", 0x400, 0x400}, {".rdata", 0x800, 0x200}}, 0x30));
    s.add("kernel_pe", "pe32-app.efi", pe_image(false, 0x80, 16, 0x400, {{".text", 0x400, 0x200}}, 0));
    s.add("kernel_pe", "pe32plus-4-dirs.efi", pe_image(true, 0x80, 4, 0x400, {{".text", 0x400, 0x200}}, 0));
}

// ---- tcg_event_log -----------------------------------------------------------

// A TPM-style log: SHA-256 and SHA-384 banks, the legacy header, a few PCR
// events of different types, and the unused 0xFF tail of the log area.
Buf tpm_log() {
    Buf b;
    auto le = [&](std::uint64_t v, int n) { append_le(b, v, n); };
    auto raw = [&](const Buf& v) { b.insert(b.end(), v.begin(), v.end()); };
    Buf spec = bytes(std::string("Spec ID Event03", 16));
    append_le(spec, 0, 4);                  // platformClass
    spec.insert(spec.end(), {0, 2, 0, 2});  // minor, major, errata, uintnSize
    append_le(spec, 2, 4);
    for (auto [alg, digest_size] : {std::pair{kTpmAlgSha256, 32}, std::pair{kTpmAlgSha384, 48}}) {
        append_le(spec, alg, 2);
        append_le(spec, static_cast<std::uint64_t>(digest_size), 2);
    }
    spec.push_back(0);  // vendorInfoSize
    // The legacy SHA-1 format header record carrying the Spec ID event.
    le(0, 4);
    le(ev::kNoAction, 4);
    raw(Buf(20, 0));
    le(spec.size(), 4);
    raw(spec);
    auto event = [&](std::uint32_t pcr, std::uint32_t type, const Buf& data) {
        le(pcr, 4);
        le(type, 4);
        le(2, 4);
        le(kTpmAlgSha256, 2);
        raw(Buf(32, static_cast<std::uint8_t>(type)));
        le(kTpmAlgSha384, 2);
        raw(Buf(48, static_cast<std::uint8_t>(pcr)));
        le(data.size(), 4);
        raw(data);
    };
    Buf locality = bytes(std::string("StartupLocality", 16));
    locality.push_back(3);
    event(0, ev::kNoAction, locality);
    event(0, ev::kSCrtmVersion, {'1', 0, '.', 0, '0', 0, 0, 0});
    Buf blob;
    append_le(blob, 0xffc00000, 8);
    append_le(blob, 0x84000, 8);
    event(0, ev::kEfiPlatformFirmwareBlob, blob);
    event(7, ev::kSeparator, Buf(4, 0));
    event(4, ev::kEfiAction, bytes("Calling EFI Application from Boot Option"));
    event(5, ev::kEfiGptEvent, Buf(92, 0));
    b.insert(b.end(), 64, 0xff);
    return b;
}

void tcg_event_log_seeds(Seeds& s) {
    s.add("tcg_event_log", "ccel-default.bin", test::ccel_of({}));
    test::BootInputs other;
    other.memory_size = 8ull << 30;
    other.cmdline = "console=ttyS0 quiet tdx_guest.debug=1";
    other.initrd = "another initrd";
    s.add("tcg_event_log", "ccel-8g.bin", test::ccel_of(other));
    s.add("tcg_event_log", "tpm-two-banks.bin", tpm_log());
}

// ---- cpio_newc ---------------------------------------------------------------

void cpio_newc_seeds(Seeds& s) {
    using namespace builder;
    FsTree tree;
    const FsAttrs dir{0755, 0, 0, 1700000000, "fuzz"};
    tree.add_directory("/bin", dir);
    tree.add_directory("/dev", dir);
    tree.add_directory("/etc", {0750, 0, 4, 1700000001, "fuzz"});
    tree.add_file("/bin/agent",
                  bytes("\x7f"
                        "ELF agent"),
                  {04755, 0, 0, 1700000002, "fuzz"});
    tree.add_hardlink("/bin/agent2", "/bin/agent", {0, 0, 0, 0, "fuzz"});
    tree.add_symlink("/init", "bin/agent", {0777, 0, 0, 1700000000, "fuzz"});
    tree.add_file("/etc/hostname", bytes("td\n"), {0644, 0, 0, 1700000000, "fuzz"});
    tree.add_file("/etc/empty", {}, {0600, 1000, 1000, 1700000000, "fuzz"});
    tree.add_device("/dev/console", FsNode::Type::CharDevice, 5, 1, {0600, 0, 0, 0, "fuzz"});
    tree.add_device("/dev/fifo", FsNode::Type::Fifo, 0, 0, {0644, 0, 0, 0, "fuzz"});
    const Buf newc = write_newc(tree);
    s.add("cpio_newc", "initramfs.cpio", newc);
    const Bytes view(newc.data(), newc.size());
    s.add("cpio_newc", "initramfs.cpio.gz", compress(Compression::Gzip, 6, view));
    s.add("cpio_newc", "initramfs.cpio.zst", compress(Compression::Zstd, 3, view));
    s.add("cpio_newc", "initramfs.cpio.xz", compress(Compression::Xz, 1, view));

    // The same archive as "070702": every header carries its data's byte sum.
    Buf crc = newc;
    const std::string magic = "070701";
    for (std::size_t at = 0; at + 6 <= crc.size(); at += 2)
        if (std::equal(magic.begin(), magic.end(), crc.begin() + static_cast<std::ptrdiff_t>(at))) crc[at + 5] = '2';
    for (const NewcEntry& e : read_newc(view, "seed")) {
        std::uint32_t sum = 0;
        for (std::uint8_t c : e.data) sum += c;
        char field[9];
        std::snprintf(field, sizeof field, "%08X", sum);
        std::copy(field, field + 8, crc.begin() + static_cast<std::ptrdiff_t>(e.offset + 6 + 8 * 12));
    }
    s.add("cpio_newc", "initramfs-070702.cpio", crc);
}

// ---- apkindex and apk --------------------------------------------------------

std::vector<test::apk::TarMember> apk_files() {
    using test::apk::TarMember;
    return {{"usr", "", AE_IFDIR, "", 0755},
            {"usr/bin", "", AE_IFDIR, "", 0755},
            {"usr/bin/tool", "#!/bin/sh\necho tool\n", AE_IFREG, "", 0755},
            {"usr/bin/alias", "", AE_IFLNK, "tool", 0777},
            {"usr/bin/tool2", "", AE_IFREG, "usr/bin/tool", 0755},
            {"etc", "", AE_IFDIR, "", 0755},
            {"etc/tool.conf", "level=1\n", AE_IFREG, "", 0640}};
}

void apk_seeds(Seeds& s) {
    using namespace test::apk;
    const TestKey key("fuzz@example.org-00000001.rsa.pub");

    PkgSpec tool("tool", "1.2.3-r0");
    tool.files = apk_files();
    tool.depends = "so:libc.musl-x86_64.so.1 musl>=1.2";
    const BuiltApk signed_apk = build_apk(tool, key);
    s.add("apk", "tool-datahash.apk", bytes(signed_apk.bytes));

    PkgSpec old = tool;  // no datahash: identity and signature over everything
    old.name = "old-tool";
    old.datahash = false;
    const BuiltApk old_apk = build_apk(old, key);
    s.add("apk", "old-tool-no-datahash.apk", bytes(old_apk.bytes));

    PkgSpec sha256 = tool;
    sha256.name = "tool256";
    sha256.sig_type = "RSA256";
    const BuiltApk sha256_apk = build_apk(sha256, key);
    s.add("apk", "tool-rsa256.apk", bytes(sha256_apk.bytes));

    PkgSpec base("alpine-baselayout", "3.6.8-r1");
    base.arch = "noarch";
    base.provides = "cmd:sh=1.0 so:libfoo.so.1=1";
    base.install_if = "tool=1.2.3-r0 busybox";
    base.provider_priority = "100";
    base.datahash = false;
    const BuiltApk base_apk = build_apk(base, key);
    s.add("apk", "baselayout-noarch.apk", bytes(base_apk.bytes));

    const std::string text = index_record(tool, signed_apk) + "\n" + index_record(old, old_apk) + "\n" + index_record(sha256, sha256_apk) +
                             "\n" + index_record(base, base_apk) + "\n";
    s.add("apkindex", "APKINDEX", text);
    s.add("apkindex", "APKINDEX-one", index_record(base, base_apk));
    s.add("apkindex", "APKINDEX.tar.gz", bytes(build_index(text, key)));
    s.add("apkindex", "APKINDEX-rsa256.tar.gz", bytes(build_index(index_record(tool, signed_apk), key, "RSA256")));
}

// ---- apt_index ---------------------------------------------------------------

const char kPackages[] =
    "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nMaintainer: Someone <s@example.org>\nInstalled-Size: 280\n"
    "Pre-Depends: dpkg (>= 1.19)\nDepends: libc6 (>= 2.34), foo | bar:any (<< 2~), baz [amd64] <!nocheck>\n"
    "Recommends: hello-doc\nSuggests: emacs\nConflicts: hello-traditional\nBreaks: hello-debhelper (<< 2.9)\n"
    "Replaces: hello-debhelper (<< 2.9)\nProvides: hello-world (= 1.0), greeter\nMulti-Arch: foreign\nPriority: optional\n"
    "Section: devel\nFilename: pool/main/h/hello/hello_2.10-3_amd64.deb\nSize: 53224\n"
    "SHA256: 1111111111111111111111111111111111111111111111111111111111111111\n"
    "Description: example package based on GNU hello\n The GNU hello program produces a familiar, friendly greeting.\n .\n Second paragraph.\n\n"
    "Package: libc6\nSource: glibc\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nPriority: required\nEssential: yes\nImportant: yes\n"
    "Multi-Arch: same\nFilename: pool/main/g/glibc/libc6_2.36-9+deb12u4_amd64.deb\nSize: 2757936\n"
    "SHA256: 2222222222222222222222222222222222222222222222222222222222222222\n\n"
    "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\nPriority: required\nEnhances: libc6\n"
    "Filename: pool/main/t/tzdata/tzdata_2024a-0+deb12u1_all.deb\nSize: 255848\n"
    "SHA256: 3333333333333333333333333333333333333333333333333333333333333333\n\n"
    "Package: other-arch\nVersion: 1:0.1\nArchitecture: arm64\nFilename: pool/o.deb\nSize: 1\n"
    "SHA256: 4444444444444444444444444444444444444444444444444444444444444444\n";

std::string release_text() {
    return "Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: 12.5\nCodename: bookworm\n"
           "Date: Sat, 10 Feb 2024 09:49:43 UTC\nValid-Until: Sat, 17 Feb 2024 09:49:43 UTC\nAcquire-By-Hash: yes\n"
           "No-Support-for-Architecture-all: Packages\nNotAutomatic: yes\nButAutomaticUpgrades: yes\nArchitectures: all amd64 arm64\n"
           "Components: main contrib non-free-firmware\nDescription: Debian 12.5 Released 10 February 2024\nMD5Sum:\n"
           " 0123456789abcdef0123456789abcdef 1234 main/binary-amd64/Packages\nSHA256:\n " +
           std::string(64, 'a') + " 1234 main/binary-amd64/Packages\n " + std::string(64, 'b') + " 321 main/binary-amd64/Packages.xz\n " +
           std::string(64, 'c') + " 77 main/i18n/Translation-en.bz2\n";
}

void apt_index_seeds(Seeds& s) {
    s.add("apt_index", "Packages", std::string(kPackages));
    s.add("apt_index", "Release", release_text());
    s.add("apt_index", "Release-minimal",
          "Codename: trixie\nDate: Sun, 01 Jun 2025 00:00:00 +0000\nSHA256:\n " + std::string(64, 'd') + " 0 main/binary-amd64/Packages\n");
    const std::string release = release_text();
    std::string dashed;  // cleartext signing escapes lines starting with '-'
    for (std::size_t at = 0, nl; at < release.size(); at = nl + 1) {
        nl = release.find('\n', at);
        const std::string line = release.substr(at, nl - at);
        dashed += (line.rfind('-', 0) == 0 ? "- " : "") + line + "\n";
    }
    const std::string armor =
        "-----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0WIQQxyz0123456789abcdefghijklmnopqrstuvwxyzAAo=\n=abcd\n"
        "-----END PGP SIGNATURE-----\n";
    s.add("apt_index", "InRelease", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + dashed + armor);
    s.add("apt_index", "InRelease-dash-escaped", "\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nSuite: x\n- -dashed\n" + armor + "\n");
    s.add("apt_index", "deb822-comments",
          "# a comment\nTypes: deb\nURIs: http://deb.debian.org/debian\n"
          "Suites: bookworm bookworm-updates\nComponents: main\n\t contrib\n\nTypes: deb-src\nURIs: x\n");
}

// ---- deb -------------------------------------------------------------------

std::string ar_deb(const std::string& control_name, const std::string& control, const std::string& data_name, const std::string& data) {
    using test::deb_file;
    return test::write_test_archive({deb_file("debian-binary", "2.0\n"), deb_file(control_name, control), deb_file(data_name, data)}, true,
                                    false);
}

void deb_seeds(Seeds& s) {
    using namespace test;
    const std::vector<DebMember> members = {deb_dir("./"),
                                            deb_dir("./usr/"),
                                            deb_dir("./usr/bin/"),
                                            deb_file("./usr/bin/hello", "#!/bin/sh\necho hello\n", 0755),
                                            deb_symlink("./usr/bin/hi", "hello"),
                                            deb_hardlink("./usr/bin/hello2", "./usr/bin/hello", 0755),
                                            deb_dir("./usr/share/"),
                                            deb_dir("./usr/share/ovmf/"),
                                            deb_file("./usr/share/ovmf/OVMF.fd", std::string(512, 'F')),
                                            deb_dir("./dev/"),
                                            deb_node("./dev/null", AE_IFCHR, 0666, 1, 3),
                                            deb_node("./dev/fifo", AE_IFIFO, 0600),
                                            deb_file("./etc/shadow-ish", "root:*:19000\n", 0640, 0, 42)};
    s.add("deb", "hello_xz.deb", bytes(make_test_deb("hello", members)));

    const std::string control_tar = write_test_archive(
        {deb_file("./control", "Package: hello\nVersion: 2.10-3\nArchitecture: amd64\nDepends: libc6\n"),
         deb_file("./md5sums", "0123456789abcdef0123456789abcdef  usr/bin/hello\n"), deb_file("./postinst", "#!/bin/sh\nexit 0\n", 0755)},
        false, false);
    const std::string data_tar = write_test_archive(members, false, false);
    auto str = [](const Buf& b) { return std::string(b.begin(), b.end()); };
    s.add("deb", "hello_zst.deb",
          bytes(ar_deb("control.tar.zst", str(zstd_compress(bytes(control_tar))), "data.tar.zst", str(zstd_compress(bytes(data_tar))))));
    s.add("deb", "hello_gz.deb",
          bytes(ar_deb("control.tar.gz", str(gzip_compress(bytes(control_tar))), "data.tar.gz", str(gzip_compress(bytes(data_tar))))));
    s.add("deb", "hello_plain.deb",
          bytes(ar_deb("control.tar", control_tar, "data.tar", write_test_archive({deb_file("./a", "a")}, false, false))));
    s.add("deb", "hello_xz_control.deb",
          bytes(ar_deb("control.tar.xz", str(xz_compress(bytes(control_tar))), "data.tar.xz", str(xz_compress(bytes(data_tar))))));
}

// ---- recipe ----------------------------------------------------------------

const char kFullRecipe[] = R"(# Every key of docs/recipes.md once.
name: full
description: "every key"
sources:
  - name: main
    distribution: debian
    release: trixie
    suites: [trixie, trixie-updates]
    components: [main, non-free-firmware]
    mirrors:
      - https://snapshot.debian.org/archive/debian/{snapshot}
    snapshot: 20250601T000000Z
    keyring: /usr/share/keyrings/debian-archive-keyring.gpg
  - name: alpine
    distribution: alpine
    release: "3.22"
    architecture: x86_64
    repositories: [main, community]
    mirrors: [https://dl-cdn.alpinelinux.org/alpine]
    keyring: [keys/a.rsa.pub]
packages:
  - busybox-static
  - {name: musl, source: alpine}
kernel:
  url: https://example.org/vmlinuz
  sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ovmf:
  file: ./OVMF.fd
  sha256: 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
modules: [tdx_guest, vsock-loopback]
files:
  - {src: agent.conf, dst: /etc/agent.conf, mode: "0600", uid: 1000, gid: 1000}
init:
  program: /usr/bin/agent
  args: [--serve, "0.0.0.0:8080"]
  env: {RUST_LOG: info, PATH: /usr/bin}
cmdline: console=ttyS0 quiet
vm: {memory: 4096M, cpus: 4}
profile: canonical-24.04
initramfs: {compression: zstd, level: 12}
network:
  mode: static
  interface: eth0
  address: 10.0.2.15/24
  gateway: 10.0.2.2
  dns: [10.0.2.3, 1.1.1.1]
source_date_epoch: 1700000000
)";

const char kMergeRecipe[] = R"(name: merge
sources:
  - {name: s, distribution: ubuntu, release: noble, mirrors: [http://archive.ubuntu.com/ubuntu], keyring: k.gpg}
packages+: [a, b]
kernel: {package: linux-image-virtual, path: /boot/vmlinuz-*, follow: [linux-modules-*]}
ovmf: {package: ovmf, path: /usr/share/ovmf/OVMF.fd}
init: {program: /init}
network: {mode: dhcp}
initramfs: {compression: none}
description: null
)";

void recipe_seeds(Seeds& s, const fs::path& recipes) {
    for (const fs::directory_entry& e : fs::directory_iterator(recipes))
        if (e.path().extension() == ".yaml") s.add("recipe", e.path().filename().string(), tdx::read_file(e.path()));
    s.add("recipe", "full.yaml", std::string(kFullRecipe));
    s.add("recipe", "merge.yaml", std::string(kMergeRecipe));
}

// ---- lockfile --------------------------------------------------------------

void lockfile_seeds(Seeds& s) {
    using namespace builder;
    Lockfile l;
    l.recipe_file = "debian-13.yaml";
    l.recipe_sha256 = std::string(64, 'a');
    l.indexes = {{"http://deb.debian.org/debian/dists/trixie/InRelease", 100, std::string(64, 'b'), ""},
                 {"https://snapshot.debian.org/archive/debian/20250601T000000Z/dists/trixie/main/binary-amd64/Packages.xz", 200,
                  std::string(64, 'c'), "20250601T000000Z"}};
    PackageRef deb;
    deb.name = "busybox-static", deb.version = "1:1.37.0-6", deb.architecture = "amd64";
    deb.filename = "pool/main/b/busybox/busybox-static_1.37.0-6_amd64.deb";
    deb.urls = {"http://deb.debian.org/debian/" + deb.filename, "http://mirror.example/debian/" + deb.filename};
    deb.size = 1234, deb.sha256 = std::string(64, 'd'), deb.source = l.indexes[0].url;
    PackageRef apk;
    apk.name = "musl", apk.version = "1.2.5-r10", apk.architecture = "x86_64", apk.filename = "musl-1.2.5-r10.apk";
    apk.urls = {"https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/musl-1.2.5-r10.apk"};
    apk.size = 400000, apk.sha256 = std::string(64, 'e'), apk.apk_checksum = "Q1abcdefghijklmnopqrstuvwxyz0=";
    apk.source = "https://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz";
    l.packages = {deb, apk};
    l.files = {{"kernel", {"https://example.org/vmlinuz"}, 42, std::string(64, 'f')},
               {"file", {"file:///etc/agent.conf"}, 7, std::string(64, '0')}};
    s.add("lockfile", "full.lock", render_lockfile(l));
    s.add("lockfile", "empty.lock", render_lockfile(Lockfile{"r.yaml", std::string(64, '1'), {}, {}, {}}));
}

// ---- lock_check ------------------------------------------------------------

// A lock made of records of kPackages and of a one-record APKINDEX, at the
// index URLs and bases lock_check_fuzz.cc gives them; then variants.
void lock_check_seeds(Seeds& s) {
    using namespace builder;
    const std::string apt_index = "http://deb.example/debian/dists/trixie/main/binary-amd64/Packages.xz";
    auto deb = [&](const std::string& name, const std::string& version, const std::string& arch, const std::string& filename, std::uint64_t size,
                   char sha) {
        PackageRef p;
        p.name = name, p.version = version, p.architecture = arch, p.filename = filename;
        p.urls = {"http://deb.example/debian/" + filename};
        p.size = size, p.sha256 = std::string(64, sha), p.source = apt_index;
        return p;
    };
    PackageRef musl;
    musl.name = "musl", musl.version = "1.2.5-r10", musl.architecture = "x86_64", musl.filename = "musl-1.2.5-r10.apk";
    musl.urls = {"http://apk.example/alpine/v3.22/main/x86_64/musl-1.2.5-r10.apk"};
    musl.size = 400000, musl.sha256 = std::string(64, 'e'), musl.apk_checksum = "Q1abcdefghijklmnopqrstuvwxyz0=";
    musl.source = "http://apk.example/alpine/v3.22/main/x86_64/APKINDEX.tar.gz";
    const std::string apkindex = "C:Q1abcdefghijklmnopqrstuvwxyz0=\nP:musl\nV:1.2.5-r10\nA:x86_64\nS:400000\nI:4096\nT:musl\n\n";
    Lockfile l;
    l.recipe_file = "r.yaml";
    l.recipe_sha256 = std::string(64, 'a');
    l.packages = {deb("hello", "2.10-3", "amd64", "pool/main/h/hello/hello_2.10-3_amd64.deb", 53224, '1'),
                  deb("tzdata", "2024a-0+deb12u1", "all", "pool/main/t/tzdata/tzdata_2024a-0+deb12u1_all.deb", 255848, '3'), musl};
    auto add = [&](const std::string& name, const Lockfile& lock) {
        s.add("lock_check", name, render_lockfile(lock) + '\0' + kPackages + '\0' + apkindex);
    };
    add("matching", l);
    Lockfile repacked = l;
    repacked.packages[0].sha256 = std::string(64, '9');
    repacked.packages[0].urls = {"file:///tmp/hello.deb"};
    add("repacked", repacked);
    Lockfile twice = l;
    twice.packages.push_back(l.packages[0]);
    add("twice", twice);
}

// ---- published documents ---------------------------------------------------

void published_documents_seeds(Seeds& s) {
    using namespace builder;
    BuildManifest m;
    m.image_name = "debian-13";
    m.outputs = {{"vmlinuz", 10, std::string(64, 'a')}, {"initramfs.cpio.gz", 20, std::string(64, 'b')}};
    m.sbom = {"sbom.spdx.json", 30, std::string(64, 'c')};
    m.agent = ManifestAgent{"agent", 40, std::string(64, 'd'), {"--serve", "a b"}};
    m.init_program = "/usr/bin/agent";
    m.init_args = {"--serve", "a b"};
    s.add("published_documents", "manifest.json", render_manifest(m));
    const std::string h(96, '0');
    s.add(
        "published_documents", "measurements.json",
        "{\"schema\": \"tdximage.measurements/v1\", \"mrtd\": \"" + h + "\", \"rtmr0\": null, \"rtmr1\": \"" + h +
            "\", \"rtmr2\": null, "
            "\"notes\": {\"rtmr0\": \"no ACPI\"}, \"events\": [], \"inputs\": {\"kernel\": {\"file\": \"vmlinuz\", \"size\": 1, \"sha256\": \"" +
            std::string(64, 'e') + "\"}}, \"kernel_header_patch\": [{\"field\": \"ramdisk_size\", \"new\": \"0x100\"}]}");
    s.add("published_documents", "nested.json", std::string(70, '[') + std::string(70, ']'));
}

// ---- cache_import ----------------------------------------------------------

// A real export of two entries, the same compressed by hand (import takes
// any compression libarchive reads), and one whose content was edited after
// the export (rejected: it no longer hashes to its name).
void cache_import_seeds(Seeds& s) {
    TempDir dir("tdximage-seeds-cache");
    builder::Cache cache(dir.path() / "cache");
    const std::string hello = "hello\n", world(300, 'w');
    cache.insert(Buf(hello.begin(), hello.end()), {}, "http://deb.example/hello");
    cache.insert(Buf(world.begin(), world.end()), {}, "world.bin");
    builder::export_cache(cache, dir.path() / "export.tar", std::nullopt);
    const Buf tar = read_file(dir.path() / "export.tar");
    s.add("cache_import", "two-entries.tar", tar);
    s.add("cache_import", "two-entries.tar.zst", test::zstd_compress(tar));
    s.add("cache_import", "two-entries.tar.gz", test::gzip_compress(tar));
    Buf edited = tar;
    const auto at = std::search(edited.begin(), edited.end(), hello.begin(), hello.end());
    if (at != edited.end()) *at = 'j';
    s.add("cache_import", "edited-content.tar", edited);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    try {
        Seeds seeds{fs::path(argv[1])};
        tdvf_seeds(seeds);
        firmware_volume_seeds(seeds);
        kernel_pe_seeds(seeds);
        tcg_event_log_seeds(seeds);
        cpio_newc_seeds(seeds);
        apk_seeds(seeds);
        apt_index_seeds(seeds);
        deb_seeds(seeds);
        recipe_seeds(seeds, TDXIMAGE_FUZZ_RECIPES_DIR);
        lockfile_seeds(seeds);
        lock_check_seeds(seeds);
        published_documents_seeds(seeds);
        cache_import_seeds(seeds);
        std::printf("%zu seeds written to %s\n", seeds.count(), argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tdximage_fuzz_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
