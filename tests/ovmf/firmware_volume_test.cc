// The firmware volume walk on volumes the tests build: FFS files, UI and
// version sections, nested volumes inside LZMA sections, the TD measurement
// driver lookup, and corrupt inputs that must give a listed problem (never
// an exception or a crash).
#include <algorithm>
#include <string>

#include "ovmf/firmware_volume.h"
#include "ovmf/firmware_volume_internal.h"
#include "tests/ovmf/fv_builder.h"
#include "tests/support/catch.h"

using namespace tdx;
using namespace tdx::ovmf;
namespace fv = tdx::test::fv;

namespace {

FirmwareInventory scan(const fv::Buf& img) { return scan_firmware_volumes(Bytes(img.data(), img.size())); }

std::string dump(const FirmwareInventory& inv) {
    std::string s = std::to_string(inv.volumes.size()) + " volumes, " + std::to_string(inv.files.size()) + " files";
    for (const FfsFile& f : inv.files)
        s += "\n  FV " + std::to_string(f.volume) + " " + ffs_file_type_name(f.type) + " " + f.name.to_string() + " " + f.ui_name;
    for (const std::string& p : inv.problems) s += "\n  problem: " + p;
    return s;
}

bool has_problem(const FirmwareInventory& inv, const std::string& part) {
    return std::any_of(inv.problems.begin(), inv.problems.end(), [&](const std::string& p) { return p.find(part) != std::string::npos; });
}

const FfsFile* by_name(const FirmwareInventory& inv, const std::string& ui) {
    for (const FfsFile& f : inv.files)
        if (f.ui_name == ui) return &f;
    return nullptr;
}

fv::Buf driver(const char* guid, const std::u16string& name, std::uint8_t type = 0x07) {
    return fv::ffs_file({fv::guid(guid), type,
                         fv::sections({fv::section(0x13, {0x08}), fv::pe32_section(), fv::ui_section(name), fv::version_section(u"1.0")})});
}

// An OVMF in miniature: a PEI module and a pad file at the top level, and
// an FV_IMAGE file whose LZMA section holds a raw section and a nested volume
// with the DXE drivers (edk2's FVMAIN_COMPACT layout).
fv::Buf ovmf_like(const std::vector<fv::Buf>& dxe_files, bool known_size = true) {
    fv::Buf dxe = fv::volume({dxe_files, fv::guid("7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1")});
    fv::Buf compressed = fv::lzma_section(fv::sections({fv::section(0x19, fv::Buf(12, 0)), fv::section(0x17, dxe)}), known_size);
    fv::Buf top = fv::volume({{driver("222c386d-5abc-4fb4-b124-fbb82488acf4", u"PlatformPei", 0x06),
                               fv::ffs_file({fv::guid("aaaaaaaa-0000-0000-0000-000000000001"), 0xf0, fv::Buf(8, 0xff)}),
                               fv::ffs_file({fv::guid("9e21fd93-9c72-4c15-8c4b-e77f1db2d792"), 0x0b, compressed})}});
    return fv::image(0x1000 + top.size() + 0x100, {{0x1000, top}});
}

}  // namespace

TEST_CASE("an OVMF-like image: volumes, nesting through LZMA, names, types and the TD drivers") {
    auto img = ovmf_like({driver(fv::kTdTcg2DxeGuid, u"TdTcg2Dxe"), driver("e750224e-7bce-40af-b5bb-47e3611eb5c2", u"TdxDxe"),
                          driver("d6a2cb7f-6a18-4e2f-b43b-9920a733700a", u"DxeCore", 0x05)});
    FirmwareInventory inv = scan(img);
    INFO(dump(inv));
    CHECK(inv.problems.empty());
    REQUIRE(inv.volumes.size() == 2);
    CHECK(inv.volumes[0].image_offset == 0x1000u);
    CHECK(inv.volumes[0].depth == 0);
    CHECK(file_system_name(inv.volumes[0].file_system) == "FFS2");
    CHECK(inv.volumes[0].name->to_string() == "11111111-2222-3333-4444-555555555555");
    CHECK(inv.volumes[0].pad_files == 1);
    CHECK_FALSE(inv.volumes[1].image_offset);  // inside decompressed data
    CHECK(inv.volumes[1].depth == 2);          // LZMA content, then the volume
    CHECK(inv.volumes[1].name->to_string() == "7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1");

    REQUIRE(inv.files.size() == 5);  // the pad file is counted, not listed
    const FfsFile& pei = inv.files[0];
    CHECK(pei.ui_name == "PlatformPei");
    CHECK(ffs_file_type_name(pei.type) == "PEIM");
    CHECK(pei.version == "1.0");
    CHECK(pei.image_offset == 0x1000u + 96);  // first file right after the extended header
    CHECK(pei.sections == std::vector<std::string>{"DXE_DEPEX", "PE32", "USER_INTERFACE", "VERSION"});
    const FfsFile& fvimage = inv.files[1];
    CHECK(ffs_file_type_name(fvimage.type) == "FV_IMAGE");
    CHECK(fvimage.sections == std::vector<std::string>{"GUID_DEFINED(LZMA)", "RAW", "FIRMWARE_VOLUME_IMAGE"});
    CHECK(fvimage.volumes == std::vector<std::size_t>{1});
    CHECK(inv.volumes[1].parent_file == 1u);
    for (std::size_t i = 2; i < 5; ++i) {
        CHECK(inv.files[i].volume == 1);
        CHECK_FALSE(inv.files[i].image_offset);
    }
    const FfsFile* core = by_name(inv, "DxeCore");
    REQUIRE(core);
    CHECK(ffs_file_type_name(core->type) == "DXE_CORE");

    TdMeasurementDrivers d = td_measurement_drivers(inv);
    CHECK(d.td_tcg2_dxe);
    CHECK(d.tdx_dxe);
    CHECK_FALSE(d.td_tcg2_pei);
    CHECK(firmware_warnings(inv, "fw.fd").empty());
}

TEST_CASE("TdTcg2Dxe is found by FILE_GUID without a UI section, and by UI name under another GUID") {
    auto no_ui = ovmf_like({fv::ffs_file({fv::guid(fv::kTdTcg2DxeGuid), 0x07, fv::sections({fv::pe32_section()})})});
    CHECK(td_measurement_drivers(scan(no_ui)).td_tcg2_dxe);
    auto renamed = ovmf_like({driver("12345678-1234-1234-1234-123456789abc", u"TdTcg2Dxe")});
    CHECK(td_measurement_drivers(scan(renamed)).td_tcg2_dxe);
}

TEST_CASE("without TdTcg2Dxe the warning names the file and says RTMRs are never extended") {
    auto img = ovmf_like({driver("fdff263d-5f68-4591-87ba-b768f445a9af", u"Tcg2Dxe")});
    FirmwareInventory inv = scan(img);
    CHECK_FALSE(td_measurement_drivers(inv).td_tcg2_dxe);
    auto w = firmware_warnings(inv, "OVMF.fd");
    REQUIRE(w.size() == 1);
    CHECK(w[0].rfind("OVMF.fd: no TdTcg2Dxe", 0) == 0);
    CHECK_THAT(w[0], TDX_CONTAINS("extends no RTMR in a TD; predicted RTMR values would never be seen"));
    CHECK_THAT(w[0], TDX_CONTAINS("among its 3 modules"));

    // A deleted copy does not count.
    fv::File deleted{fv::guid(fv::kTdTcg2DxeGuid), 0x07, fv::sections({fv::ui_section(u"TdTcg2Dxe")})};
    deleted.state_bits = 0x17;  // ... | DELETED
    FirmwareInventory del = scan(ovmf_like({fv::ffs_file(deleted)}));
    INFO(dump(del));
    REQUIRE(del.files.size() == 3);
    CHECK(del.files[2].state == FileState::Deleted);
    CHECK_FALSE(td_measurement_drivers(del).td_tcg2_dxe);

    // Bytes without any volume: say so instead of claiming a missing driver.
    fv::Buf zeros(4096, 0);
    auto none = firmware_warnings(scan(zeros), "blob.bin");
    REQUIRE(none.size() == 1);
    CHECK_THAT(none[0], TDX_CONTAINS("blob.bin: no firmware volume with FFS files found"));
}

TEST_CASE("LZMA streams with an unknown size (end marker) decode as well as edk2's sized ones") {
    FirmwareInventory inv = scan(ovmf_like({driver(fv::kTdTcg2DxeGuid, u"TdTcg2Dxe")}, false));
    INFO(dump(inv));
    CHECK(inv.problems.empty());
    CHECK(td_measurement_drivers(inv).td_tcg2_dxe);
}

TEST_CASE("decode_lzma_alone: round trip, the declared-size limit, the output limit, truncation") {
    fv::Buf data(300000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
    fv::Buf stream = fv::lzma_alone(data, true);
    CHECK(detail::decode_lzma_alone(stream, 1 << 20, "s") == data);

    fv::Buf bomb = stream;
    store_le64(bomb, 5, (64ull << 20) + 1);
    CHECK_THROWS_WITH(detail::decode_lzma_alone(bomb, 64ull << 20, "LZMA section"),
                      TDX_CONTAINS("LZMA section: the declared uncompressed size (67108865 bytes) exceeds the limit of 64 MiB"));
    CHECK_THROWS_WITH(detail::decode_lzma_alone(bomb, 64ull << 20, "LZMA section", tdx::Limit::FirmwareSectionSize),
                      TDX_CONTAINS("LZMA section: the declared uncompressed size (67108865 bytes) exceeds the limit "
                                   "firmware-section-size (64 MiB); if the input is legitimate, raise it with "
                                   "--limit firmware-section-size=VALUE"));

    fv::Buf unknown = fv::lzma_alone(fv::Buf(2u << 20, 0));  // 2 MiB of zeros in a few hundred bytes
    CHECK(unknown.size() < 4096);
    CHECK_THROWS_WITH(detail::decode_lzma_alone(unknown, 1u << 20, "s"), TDX_CONTAINS("the decompressed size exceeds the limit of 1 MiB"));
    CHECK(detail::decode_lzma_alone(unknown, 2u << 20, "s").size() == 2u << 20);

    fv::Buf cut(stream.begin(), stream.begin() + 1000);
    CHECK_THROWS_WITH(detail::decode_lzma_alone(cut, 1 << 20, "s"), TDX_CONTAINS("ends early"));
    CHECK_THROWS_WITH(detail::decode_lzma_alone(fv::Buf(5, 0), 1 << 20, "s"), TDX_CONTAINS("shorter than the 13-byte LZMA header"));
    fv::Buf bad_props = stream;
    bad_props[0] = 0xff;  // lc/lp/pb beyond 224
    CHECK_THROWS_WITH(detail::decode_lzma_alone(bad_props, 1 << 20, "s"), TDX_CONTAINS("not an LZMA stream"));
}

TEST_CASE("an LZMA bomb inside a volume is a listed problem and the section counts as not decoded") {
    fv::Buf zeros(3u << 20, 0);
    fv::Buf inner = fv::sections({fv::section(0x19, zeros)});
    fv::Buf top = fv::volume({{fv::ffs_file(
        {fv::guid("9e21fd93-9c72-4c15-8c4b-e77f1db2d792"), 0x0b, fv::guid_section(fv::guid(fv::kLzmaGuid), 1, fv::lzma_alone(inner))})}});
    auto img = fv::image(top.size(), {{0, top}});
    FirmwareInventory inv;
    {
        tdx::ScopedLimit small(tdx::Limit::FirmwareSectionSize, 1u << 20);
        inv = scan(img);
    }
    INFO(dump(inv));
    REQUIRE(inv.files.size() == 1);
    CHECK(has_problem(inv,
                      "LZMA section: the decompressed size exceeds the limit firmware-section-size (1 MiB); "
                      "if the input is legitimate, raise it with --limit firmware-section-size=VALUE"));
    CHECK(inv.files[0].undecoded == std::vector<std::string>{"GUID_DEFINED LZMA: decoding failed"});
    auto w = firmware_warnings(inv, "fw.fd");
    REQUIRE(w.size() == 1);
    CHECK_THAT(w[0], TDX_CONTAINS("1 section was not decoded and may hold it"));

    // The budget over all sections: two files of 3 MiB each against 4 MiB.
    fv::Buf two = fv::volume({{fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000001"), 0x0b, fv::lzma_section(inner)}),
                               fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000002"), 0x0b, fv::lzma_section(inner)})}});
    FirmwareInventory t;
    {
        tdx::ScopedLimit total(tdx::Limit::FirmwareTotalSize, 4u << 20);
        t = scan(fv::image(two.size(), {{0, two}}));
    }
    INFO(dump(t));
    CHECK(t.files[0].undecoded.empty());
    CHECK(t.files[1].undecoded.size() == 1);
    CHECK(has_problem(t,
                      "00000000-0000-0000-0000-000000000002: LZMA section: the declared uncompressed size (3145732 bytes) "
                      "with the sections decompressed before it exceeds the limit firmware-total-size (4 MiB)"));
}

TEST_CASE("corrupt LZMA data, unknown and Brotli GUIDs, Tiano compression: listed, the walk goes on") {
    fv::Buf stream = fv::lzma_alone(fv::sections({fv::ui_section(u"Inner")}), true);
    for (std::size_t i = 13; i < stream.size(); ++i) stream[i] = static_cast<std::uint8_t>(stream[i] ^ 0x5a);
    fv::Buf top = fv::volume({{
        fv::ffs_file({fv::guid("00000000-0000-0000-0000-00000000000a"), 0x0b, fv::guid_section(fv::guid(fv::kLzmaGuid), 1, stream)}),
        fv::ffs_file({fv::guid("00000000-0000-0000-0000-00000000000b"), 0x07,
                      fv::sections({fv::guid_section(fv::guid(fv::kBrotliGuid), 1, fv::Buf(40, 1)), fv::ui_section(u"Brot")})}),
        // Processing not required: the data is a section stream as it is.
        fv::ffs_file({fv::guid("00000000-0000-0000-0000-00000000000c"), 0x07,
                      fv::guid_section(fv::guid("01234567-89ab-cdef-0123-456789abcdef"), 2, fv::sections({fv::ui_section(u"Plain")}))}),
        fv::ffs_file({fv::guid("00000000-0000-0000-0000-00000000000d"), 0x07,
                      fv::section(0x01, {0x10, 0, 0, 0, 1, 9, 9, 9})}),  // EFI standard compression
        fv::ffs_file({fv::guid("00000000-0000-0000-0000-00000000000e"), 0x07,
                      fv::section(0x01,
                                  [] {
                                      fv::Buf d{0, 0, 0, 0, 0};
                                      fv::append(d, fv::ui_section(u"Stored"));
                                      return d;
                                  }())}),
    }});
    FirmwareInventory inv = scan(fv::image(top.size(), {{0, top}}));
    INFO(dump(inv));
    REQUIRE(inv.files.size() == 5);
    CHECK(has_problem(inv, "00000000-0000-0000-0000-00000000000a: LZMA section: corrupt LZMA data"));
    CHECK(inv.files[1].ui_name == "Brot");
    CHECK(inv.files[1].undecoded == std::vector<std::string>{"GUID_DEFINED 3d532050-5cda-4fd0-879e-0f7f630d5afb (Brotli): not decoded"});
    CHECK(inv.files[2].ui_name == "Plain");
    CHECK(inv.files[3].undecoded == std::vector<std::string>{"COMPRESSION EFI standard (Tiano): not decoded"});
    CHECK(inv.files[4].ui_name == "Stored");
    CHECK(inv.files[4].sections == std::vector<std::string>{"COMPRESSION(none)", "USER_INTERFACE"});
    CHECK(inv.undecoded_sections() == 3);
    CHECK(inv.problems.size() == 1);
}

TEST_CASE("CRC32 GUID-defined sections: the data is walked and a wrong CRC is reported") {
    fv::Buf data = fv::sections({fv::ui_section(u"Checked")});
    const std::uint32_t crc = detail::crc32(Bytes(data.data(), data.size()));
    const std::string check = "123456789";
    const fv::Buf check_bytes(check.begin(), check.end());
    CHECK(detail::crc32(Bytes(check_bytes.data(), check_bytes.size())) == 0xcbf43926u);  // the CRC-32 check value
    fv::Buf good_crc, bad_crc;
    append_le(good_crc, crc, 4);
    append_le(bad_crc, crc ^ 1, 4);
    fv::Buf top = fv::volume(
        {{fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000001"), 0x07, fv::guid_section(fv::guid(fv::kCrc32Guid), 2, data, good_crc)}),
          fv::ffs_file(
              {fv::guid("00000000-0000-0000-0000-000000000002"), 0x07, fv::guid_section(fv::guid(fv::kCrc32Guid), 2, data, bad_crc)})}});
    FirmwareInventory inv = scan(fv::image(top.size(), {{0, top}}));
    INFO(dump(inv));
    REQUIRE(inv.files.size() == 2);
    CHECK(inv.files[0].ui_name == "Checked");
    CHECK(inv.files[1].ui_name == "Checked");
    REQUIRE(inv.problems.size() == 1);
    CHECK_THAT(inv.problems[0], TDX_CONTAINS("file 00000000-0000-0000-0000-000000000002: CRC32 section: stored CRC"));
}

TEST_CASE("FFS3 large files, erase polarity 0, extended section sizes and non-ASCII names") {
    fv::File large{fv::guid("00000000-0000-0000-0000-0000000000f3"), 0x09,
                   fv::sections({fv::section(0x10, fv::Buf(100, 1), true), fv::ui_section(u"Sh\u00e9ll\U0001F600")})};
    large.attributes = 0x01;  // FFS_ATTRIB_LARGE_FILE: 32-byte header
    large.data_checksum = true;
    fv::Volume v{{fv::ffs_file(large, false)}};
    v.file_system = fv::kFfs3;
    v.erase_polarity = false;
    fv::Buf top = fv::volume(v);
    FirmwareInventory inv = scan(fv::image(0x2000, {{0x800, top}}, 0x00));
    INFO(dump(inv));
    CHECK(inv.problems.empty());
    REQUIRE(inv.files.size() == 1);
    CHECK(file_system_name(inv.volumes[0].file_system) == "FFS3");
    CHECK_FALSE(inv.volumes[0].erase_polarity());
    CHECK(inv.files[0].size == 32 + large.body.size());
    CHECK(ffs_file_type_name(inv.files[0].type) == "APPLICATION");
    CHECK(inv.files[0].ui_name == "Sh\xc3\xa9ll\xf0\x9f\x98\x80");
    CHECK(inv.files[0].sections == std::vector<std::string>{"PE32", "USER_INTERFACE"});
    CHECK(detail::utf16le_to_utf8(fv::utf16(u"a\xd800z")) == "a\xef\xbf\xbdz");  // lone surrogate
}

TEST_CASE("corrupt volumes and files: each a problem naming where, never an exception") {
    SECTION("bad volume header checksum: no volume, one problem") {
        fv::Volume v{{driver("00000000-0000-0000-0000-000000000001", u"A")}};
        v.bad_checksum = true;
        FirmwareInventory inv = scan(fv::image(0x3000, {{0x1000, fv::volume(v)}}));
        CHECK(inv.volumes.empty());
        REQUIRE(inv.problems.size() == 1);
        CHECK_THAT(inv.problems[0], TDX_CONTAINS("FV header at 0x1000: header checksum does not sum to zero"));
    }
    SECTION("volume length past the end of the image") {
        fv::Volume v{{driver("00000000-0000-0000-0000-000000000001", u"A")}};
        v.length = 0x100000;
        FirmwareInventory inv = scan(fv::image(0x1000, {{0x0, fv::volume(v)}}));
        CHECK(inv.volumes.empty());
        CHECK(has_problem(inv, "FV header at 0x0: volume length 0x100000"));
    }
    SECTION("a file that runs past its volume") {
        fv::File f{fv::guid("00000000-0000-0000-0000-0000000000bb"), 0x07, fv::sections({fv::pe32_section()})};
        f.size24 = 0x10000;
        FirmwareInventory inv = scan(fv::volume({{driver("00000000-0000-0000-0000-000000000001", u"A"), fv::ffs_file(f)}}));
        INFO(dump(inv));
        CHECK(inv.files.size() == 1);
        CHECK(has_problem(inv, "FV 0 at 0x0: file 00000000-0000-0000-0000-0000000000bb at +0x"));
        CHECK(has_problem(inv, "declares size 0x10000, which does not fit"));
    }
    SECTION("a section larger than its file, and an extended size overflowing it") {
        fv::Buf big = fv::section(0x10, fv::Buf(16, 0));
        big[1] = 0x10;  // size 0x1014
        fv::Buf ext = fv::section(0x10, fv::Buf(16, 0), true);
        store_le32(ext, 4, 0xfffffff0);
        FirmwareInventory inv = scan(fv::volume({{
            fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000001"), 0x07, fv::sections({fv::ui_section(u"A"), big})}),
            fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000002"), 0x07, ext}),
        }}));
        INFO(dump(inv));
        REQUIRE(inv.files.size() == 2);
        CHECK(has_problem(inv, "000000000001 (A): section at +0x8 (type 0x10) declares size 0x1014, which does not fit the 0x14 bytes left"));
        CHECK(has_problem(inv, "000000000002: section at +0x0 (type 0x10) declares size 0xfffffff0"));
    }
    SECTION("a file header checksum that does not sum to zero: listed and still walked") {
        fv::File f{fv::guid("00000000-0000-0000-0000-000000000001"), 0x07, fv::sections({fv::ui_section(u"A")})};
        f.bad_header_checksum = true;
        FirmwareInventory inv = scan(fv::volume({{fv::ffs_file(f)}}));
        REQUIRE(inv.files.size() == 1);
        CHECK(inv.files[0].ui_name == "A");
        CHECK(has_problem(inv, "file 00000000-0000-0000-0000-000000000001: header checksum is wrong (sum 0x1)"));
    }
    SECTION("a GUID-defined data offset outside the section") {
        fv::Buf s = fv::guid_section(fv::guid(fv::kLzmaGuid), 1, fv::Buf(8, 0), {}, 0x400);
        FirmwareInventory inv = scan(fv::volume({{fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000001"), 0x07, s})}}));
        CHECK(has_problem(inv, "GUID_DEFINED LZMA section: data offset 0x400 lies outside the section"));
    }
    SECTION("a nested volume with a broken header") {
        fv::Buf inner = fv::volume({{}});
        inner[55] = 1;  // revision 1 (and the checksum no longer sums to zero)
        FirmwareInventory inv = scan(
            fv::volume({{fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000001"), 0x0b, fv::section(0x17, inner)})}}));
        CHECK(has_problem(inv, "FIRMWARE_VOLUME_IMAGE section: header checksum does not sum to zero"));
        CHECK(inv.volumes.size() == 1);
    }
    SECTION("bytes after the files that are not erased") {
        fv::Buf v = fv::volume({{driver("00000000-0000-0000-0000-000000000001", u"A")}});
        v[v.size() - 3] = 0x12;
        FirmwareInventory inv = scan(v);
        CHECK(inv.files.size() == 1);
        CHECK(has_problem(inv, "holds bytes other than 0xff"));
    }
}

TEST_CASE("volumes nested deeper than the limit are not opened") {
    fv::Buf v = fv::volume({{driver(fv::kTdTcg2DxeGuid, u"TdTcg2Dxe")}});
    for (int i = 0; i < 10; ++i)
        v = fv::volume({{fv::ffs_file({fv::guid("00000000-0000-0000-0000-000000000001"), 0x0b, fv::section(0x17, v)})}});
    FirmwareInventory inv = scan(v);
    CHECK(inv.volumes.size() == 9);  // depths 0..8
    CHECK(inv.volumes.back().depth == 8);
    REQUIRE(inv.problems.size() == 1);
    CHECK_THAT(inv.problems[0], TDX_CONTAINS("firmware volume: the nesting depth exceeds the limit firmware-depth (8); "
                                             "if the input is legitimate, raise it with --limit firmware-depth=VALUE; not opened"));
    CHECK_FALSE(td_measurement_drivers(inv).td_tcg2_dxe);
    CHECK_THAT(firmware_warnings(inv, "deep.fd")[0], TDX_CONTAINS("not decoded"));

    tdx::ScopedLimit generous(tdx::Limit::FirmwareDepth, 16);
    CHECK(td_measurement_drivers(scan(v)).td_tcg2_dxe);
}

TEST_CASE("every single-byte corruption of a small image is walked without an exception") {
    const fv::Buf img = ovmf_like({driver(fv::kTdTcg2DxeGuid, u"TdTcg2Dxe")});
    for (std::size_t at = 0x1000; at < img.size(); ++at) {
        for (std::uint8_t x : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
            fv::Buf bad = img;
            bad[at] = static_cast<std::uint8_t>(bad[at] ^ x);
            INFO("offset " << at << " xor " << int(x));
            REQUIRE_NOTHROW(scan(bad));
        }
    }
}
