// Authenticode SHA-384 on synthetic PE32 and PE32+ images. The expected
// digest is computed here a second time, plainly from the PE/COFF
// specification's Authenticode recipe (and edk2's reading of it), from the
// layout the builder chose: concatenate the ranges, SHA-384 them.
#include "tests/support/catch.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/digest.h"
#include "measure/pe_authenticode.h"

using namespace tdx;

namespace {

struct SectionSpec {
    std::string name;
    std::uint32_t pointer_to_raw_data = 0;
    std::uint32_t size_of_raw_data = 0;
    std::uint32_t virtual_address = 0;  // 0: same as pointer_to_raw_data
};

struct PeSpec {
    bool pe32_plus = true;
    std::uint32_t e_lfanew = 0x80;
    std::uint32_t number_of_rva_and_sizes = 16;
    std::uint32_t size_of_headers = 0x400;
    std::uint32_t size_of_image = 0x100000;
    std::uint32_t checksum = 0xC0FFEE11;
    std::vector<SectionSpec> sections;  // header order; raw data filled with a pattern
    std::uint32_t trailing = 0;         // bytes after the furthest section end
    std::uint32_t cert_size = 0;        // certificate table appended at the very end
};

struct BuiltPe {
    std::vector<std::uint8_t> bytes;
    PeSpec spec;
    std::uint64_t file_header = 0;  // COFF file header offset
    std::uint64_t optional_header = 0;
    std::uint64_t checksum_offset = 0;
    std::uint64_t cert_dir_offset = 0;  // 0 when NumberOfRvaAndSizes <= 4
    std::uint64_t section_table = 0;
    std::uint64_t cert_offset = 0;

    Bytes view() const { return Bytes(bytes.data(), bytes.size()); }
    void put16(std::uint64_t at, std::uint16_t v) { store_le16(bytes, at, v); }
    void put32(std::uint64_t at, std::uint32_t v) { store_le32(bytes, at, v); }
};

std::uint8_t pattern(std::uint64_t i) { return static_cast<std::uint8_t>((i * 131 + 7) % 251 + 1); }

// A PE image with every byte we do not set explicitly filled with a non-zero
// pattern, so hashing one wrong byte shows.
BuiltPe build_pe(const PeSpec& spec) {
    BuiltPe pe;
    pe.spec = spec;
    const std::uint64_t fixed = spec.pe32_plus ? 112 : 96;
    const std::uint16_t opt_size = static_cast<std::uint16_t>(fixed + 8 * spec.number_of_rva_and_sizes);
    std::uint64_t end = spec.size_of_headers;
    for (const auto& s : spec.sections)
        if (s.size_of_raw_data > 0) end = std::max<std::uint64_t>(end, s.pointer_to_raw_data + s.size_of_raw_data);
    end += spec.trailing;
    pe.cert_offset = spec.cert_size ? end : 0;
    end += spec.cert_size;

    pe.bytes.resize(end);
    for (std::uint64_t i = 0; i < end; ++i) pe.bytes[i] = pattern(i);

    pe.bytes[0] = 'M';
    pe.bytes[1] = 'Z';
    pe.put32(0x3C, spec.e_lfanew);
    const std::uint64_t p = spec.e_lfanew;
    pe.put32(p, 0x00004550);
    pe.file_header = p + 4;
    pe.put16(pe.file_header, 0x8664);
    pe.put16(pe.file_header + 2, static_cast<std::uint16_t>(spec.sections.size()));
    pe.put16(pe.file_header + 16, opt_size);
    pe.optional_header = pe.file_header + 20;
    const std::uint64_t o = pe.optional_header;
    pe.put16(o, spec.pe32_plus ? 0x20B : 0x10B);
    pe.put32(o + 56, spec.size_of_image);
    pe.put32(o + 60, spec.size_of_headers);
    pe.checksum_offset = o + 64;
    pe.put32(o + 64, spec.checksum);
    pe.put32(o + fixed - 4, spec.number_of_rva_and_sizes);
    if (spec.number_of_rva_and_sizes > 4) {
        pe.cert_dir_offset = o + fixed + 4 * 8;
        pe.put32(pe.cert_dir_offset, static_cast<std::uint32_t>(pe.cert_offset));
        pe.put32(pe.cert_dir_offset + 4, spec.cert_size);
    }
    pe.section_table = o + opt_size;
    for (std::size_t i = 0; i < spec.sections.size(); ++i) {
        const SectionSpec& s = spec.sections[i];
        const std::uint64_t h = pe.section_table + 40 * i;
        for (std::size_t k = 0; k < 8; ++k) pe.bytes[h + k] = k < s.name.size() ? static_cast<std::uint8_t>(s.name[k]) : 0;
        pe.put32(h + 8, s.size_of_raw_data);  // VirtualSize
        pe.put32(h + 12, s.virtual_address ? s.virtual_address : s.pointer_to_raw_data);
        pe.put32(h + 16, s.size_of_raw_data);
        pe.put32(h + 20, s.pointer_to_raw_data);
    }
    return pe;
}

// Three sections, listed in the table out of file order.
PeSpec three_sections() {
    PeSpec s;
    s.sections = {{".data", 0xA00, 0x300}, {".text", 0x400, 0x400}, {".rdata", 0x800, 0x200}};
    return s;
}

void append(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& in, std::uint64_t from, std::uint64_t to) {
    if (to > from) out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(from), in.begin() + static_cast<std::ptrdiff_t>(to));
}

// The Authenticode preimage, step by step from the specification:
// headers minus CheckSum and the certificate directory entry (when there are
// more than 4 directories), sections with data by ascending file offset, then
// the bytes from SUM_OF_BYTES_HASHED up to the end of the file minus the
// certificate table's size.
std::vector<std::uint8_t> spec_preimage(const BuiltPe& pe, bool sort_sections = true) {
    const auto& b = pe.bytes;
    std::vector<std::uint8_t> out;
    append(out, b, 0, pe.checksum_offset);
    if (pe.cert_dir_offset) {
        append(out, b, pe.checksum_offset + 4, pe.cert_dir_offset);
        append(out, b, pe.cert_dir_offset + 8, pe.spec.size_of_headers);
    } else {
        append(out, b, pe.checksum_offset + 4, pe.spec.size_of_headers);
    }
    std::vector<SectionSpec> sections;
    for (const auto& s : pe.spec.sections)
        if (s.size_of_raw_data > 0) sections.push_back(s);
    if (sort_sections)
        std::stable_sort(sections.begin(), sections.end(),
                         [](const SectionSpec& x, const SectionSpec& y) { return x.pointer_to_raw_data < y.pointer_to_raw_data; });
    std::uint64_t sum = pe.spec.size_of_headers;
    for (const auto& s : sections) {
        append(out, b, s.pointer_to_raw_data, s.pointer_to_raw_data + s.size_of_raw_data);
        sum += s.size_of_raw_data;
    }
    const std::uint64_t cert = pe.cert_dir_offset ? pe.spec.cert_size : 0;
    if (b.size() > sum + cert) append(out, b, sum, b.size() - cert);
    return out;
}

Digest384 sha(const std::vector<std::uint8_t>& v) { return sha384(Bytes(v.data(), v.size())); }

Digest384 digest(const BuiltPe& pe, bool pad = false) {
    AuthenticodeOptions o;
    o.pad_to_8 = pad;
    return authenticode_sha384(pe.view(), "test.efi", o);
}

}  // namespace

TEST_CASE("parse_pe reports the layout of a PE32+ image") {
    BuiltPe pe = build_pe(three_sections());
    PeInfo info = parse_pe(pe.view(), "test.efi");
    CHECK(info.pe32_plus);
    CHECK(info.machine == 0x8664);
    CHECK(info.size_of_headers == 0x400);
    CHECK(info.number_of_rva_and_sizes == 16);
    CHECK(info.checksum_offset == pe.checksum_offset);
    CHECK(info.cert_dir_offset == pe.cert_dir_offset);
    CHECK(info.cert_table_size == 0);
    REQUIRE(info.sections.size() == 3);
    CHECK(info.sections[0].name == ".data");
    CHECK(info.sections[1].name == ".text");
    CHECK(info.sections[1].pointer_to_raw_data == 0x400);
    CHECK(info.sections[2].size_of_raw_data == 0x200);
}

TEST_CASE("sections are hashed in file order, not table order") {
    for (bool plus : {true, false}) {
        PeSpec spec = three_sections();
        spec.pe32_plus = plus;
        BuiltPe pe = build_pe(spec);
        CHECK(digest(pe) == sha(spec_preimage(pe)));
        CHECK(digest(pe) != sha(spec_preimage(pe, false)));
    }
}

TEST_CASE("sections without raw data are skipped, whatever their PointerToRawData") {
    PeSpec spec = three_sections();
    spec.sections.push_back({".bss", 0xFFFFFF00, 0});
    spec.sections.insert(spec.sections.begin(), {".empty", 0x10, 0});
    BuiltPe pe = build_pe(spec);
    CHECK(digest(pe) == sha(spec_preimage(pe)));
    CHECK(parse_pe(pe.view(), "t").sections.size() == 5);
}

TEST_CASE("sections whose raw data overlap are refused, so the bytes hashed stay within the file size") {
    PeSpec spec;
    spec.sections = {{".a", 0x400, 0x400}, {".b", 0x400, 0x400}, {".c", 0x600, 0x200}};
    BuiltPe pe = build_pe(spec);
    CHECK_THROWS_WITH(digest(pe), TDX_CONTAINS("sections overlap"));
    CHECK_THROWS_AS(parse_pe(pe.view(), "t"), Error);
}

TEST_CASE("CheckSum and the certificate directory entry are not hashed") {
    BuiltPe pe = build_pe(three_sections());
    const Digest384 d = digest(pe);
    pe.put32(pe.checksum_offset, 0);
    CHECK(digest(pe) == d);
    pe.put32(pe.cert_dir_offset + 4, 0);  // size stays 0 so the table stays absent
    pe.put32(pe.cert_dir_offset, 0x1234);
    CHECK(digest(pe) == d);
    pe.bytes[pe.checksum_offset + 4] ^= 1;  // Subsystem, right after CheckSum, is hashed
    CHECK(digest(pe) != d);
}

TEST_CASE("trailing data after the sections is hashed when there is no certificate table") {
    PeSpec spec = three_sections();
    spec.trailing = 0x123;
    BuiltPe pe = build_pe(spec);
    CHECK(digest(pe) == sha(spec_preimage(pe)));
    const Digest384 d = digest(pe);
    pe.bytes.back() ^= 0xFF;
    CHECK(digest(pe) != d);
}

TEST_CASE("a certificate table at the end is left out, trailing data before it is hashed") {
    for (bool plus : {true, false}) {
        PeSpec spec = three_sections();
        spec.pe32_plus = plus;
        spec.trailing = 0x40;
        spec.cert_size = 0x238;
        BuiltPe pe = build_pe(spec);
        PeInfo info = parse_pe(pe.view(), "signed.efi");
        CHECK(info.cert_table_offset == pe.cert_offset);
        CHECK(info.cert_table_size == 0x238);
        const Digest384 d = digest(pe);
        CHECK(d == sha(spec_preimage(pe)));
        // The signature itself does not matter...
        for (std::uint64_t i = pe.cert_offset; i < pe.bytes.size(); ++i) pe.bytes[i] = 0;
        CHECK(digest(pe) == d);
        // ...nor does removing it, as long as the headers are updated too.
        std::vector<std::uint8_t> unsigned_image(pe.bytes.begin(), pe.bytes.begin() + static_cast<std::ptrdiff_t>(pe.cert_offset));
        store_le32(unsigned_image, pe.cert_dir_offset, 0);
        store_le32(unsigned_image, pe.cert_dir_offset + 4, 0);
        CHECK(authenticode_sha384(Bytes(unsigned_image.data(), unsigned_image.size()), "unsigned.efi") == d);
        // The data between the last section and the table is covered.
        pe.bytes[pe.cert_offset - 1] ^= 1;
        CHECK(digest(pe) != d);
    }
}

TEST_CASE("with NumberOfRvaAndSizes <= 4 there is no certificate entry to skip") {
    for (bool plus : {true, false}) {
        for (std::uint32_t n : {0u, 3u, 4u}) {
            PeSpec spec = three_sections();
            spec.pe32_plus = plus;
            spec.number_of_rva_and_sizes = n;
            spec.trailing = 0x30;
            BuiltPe pe = build_pe(spec);
            REQUIRE(pe.cert_dir_offset == 0);
            PeInfo info = parse_pe(pe.view(), "t");
            CHECK(info.cert_dir_offset == 0);
            CHECK(info.number_of_rva_and_sizes == n);
            CHECK(digest(pe) == sha(spec_preimage(pe)));
            // Everything after CheckSum is hashed, including where entry 4
            // would be (here already the section table).
            const Digest384 d = digest(pe);
            pe.bytes[pe.optional_header + (plus ? 112 : 96) + 4 * 8] ^= 1;
            CHECK(digest(pe) != d);
        }
    }
    SECTION("5 directories: entry 4 exists and is skipped") {
        PeSpec spec = three_sections();
        spec.number_of_rva_and_sizes = 5;
        spec.cert_size = 0x100;
        BuiltPe pe = build_pe(spec);
        CHECK(pe.cert_dir_offset != 0);
        CHECK(digest(pe) == sha(spec_preimage(pe)));
    }
}

TEST_CASE("pad_to_8 appends zeros up to a multiple of 8 of the file size") {
    PeSpec spec = three_sections();
    spec.trailing = 5;  // file size 0xD05
    BuiltPe pe = build_pe(spec);
    REQUIRE(pe.bytes.size() % 8 == 5);
    std::vector<std::uint8_t> padded = spec_preimage(pe);
    padded.insert(padded.end(), 3, 0);
    CHECK(digest(pe, true) == sha(padded));
    CHECK(digest(pe, false) == sha(spec_preimage(pe)));

    PeSpec aligned = three_sections();
    aligned.trailing = 8;
    BuiltPe a = build_pe(aligned);
    CHECK(digest(a, true) == digest(a, false));
}

TEST_CASE("an image without a DOS stub is read from offset 0, as edk2 does") {
    PeSpec spec = three_sections();
    BuiltPe pe = build_pe(spec);
    // Move the PE header to offset 0 by rebuilding the first bytes by hand.
    std::vector<std::uint8_t> img = pe.bytes;
    const std::uint64_t from = spec.e_lfanew, len = pe.section_table + 3 * 40 - from;
    std::copy(pe.bytes.begin() + static_cast<std::ptrdiff_t>(from), pe.bytes.begin() + static_cast<std::ptrdiff_t>(from + len), img.begin());
    PeInfo info = parse_pe(Bytes(img.data(), img.size()), "nostub.efi");
    CHECK(info.checksum_offset == 4 + 20 + 64);
    CHECK(info.sections.size() == 3);
}

// ---------------------------------------------------------------- malformed

namespace {
std::string error_of(const std::vector<std::uint8_t>& img) {
    try {
        (void)authenticode_sha384(Bytes(img.data(), img.size()), "bad.efi");
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("malformed images are rejected with the file, field and value named") {
    const std::string prefix = "bad.efi: not a valid PE/COFF image: ";
    auto base = [] { return build_pe(three_sections()); };

    SECTION("too short for a DOS header") {
        std::vector<std::uint8_t> img(63, 'M');
        CHECK(error_of(img) == prefix + "the file is 63 bytes, too short for a 64-byte DOS header");
        CHECK_THROWS_AS(parse_pe(Bytes(img.data(), img.size()), "bad.efi"), Error);
    }
    SECTION("neither MZ nor PE signature") {
        BuiltPe pe = base();
        pe.bytes[0] = 'X';
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS(prefix + "no \"MZ\" signature at offset 0"));
    }
    SECTION("bad PE signature") {
        BuiltPe pe = base();
        pe.put32(0x80, 0x00004551);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("no \"PE\\0\\0\" signature at e_lfanew 0x80 (found 0x4551)"));
    }
    SECTION("TE image") {
        BuiltPe pe = base();
        pe.put16(0x80, 0x5A56);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("TE images"));
    }
    SECTION("e_lfanew out of range") {
        BuiltPe pe = base();
        pe.put32(0x3C, 0xFFFFFFF0);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS(prefix + "e_lfanew 0xfffffff0 leaves less than 264 bytes"));
        pe.put32(0x3C, static_cast<std::uint32_t>(pe.bytes.size() - 100));
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("leaves less than 264 bytes for the PE headers"));
    }
    SECTION("unknown optional header magic") {
        BuiltPe pe = base();
        pe.put16(pe.optional_header, 0x107);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("optional header Magic 0x107 is neither PE32"));
    }
    SECTION("more than 16 data directories") {
        BuiltPe pe = base();
        pe.put32(pe.optional_header + 108, 17);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("NumberOfRvaAndSizes 17 exceeds 16"));
    }
    SECTION("SizeOfOptionalHeader too small for the directories") {
        BuiltPe pe = base();
        pe.put16(pe.file_header + 16, 0x60);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("SizeOfOptionalHeader 0x60 does not match NumberOfRvaAndSizes 16 (expected 0xf0)"));
    }
    SECTION("section table beyond SizeOfHeaders") {
        BuiltPe pe = base();
        pe.put16(pe.file_header + 2, 1000);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("SizeOfHeaders 0x400 does not cover the section table (1000 sections"));
    }
    SECTION("SizeOfImage too small") {
        BuiltPe pe = base();
        pe.put32(pe.optional_header + 56, 0x200);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("SizeOfImage 0x200 is too small for the section table"));
        pe.put32(pe.optional_header + 56, 0x400);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("SizeOfHeaders 0x400 is not below SizeOfImage 0x400"));
    }
    SECTION("SizeOfHeaders beyond the file") {
        PeSpec spec;
        spec.size_of_headers = 0x2000;
        BuiltPe pe = build_pe(spec);
        pe.bytes.resize(0x1000);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("SizeOfHeaders 0x2000 lies beyond the end of the 4096-byte file"));
    }
    SECTION("section raw data beyond the file") {
        BuiltPe pe = base();
        pe.put32(pe.section_table + 16, 0x1000);  // .data: 0xA00 + 0x1000 > 0xD00
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("section 0 '.data': raw data [0xa00, +0x1000) lies outside the 3328-byte file"));
        pe.put32(pe.section_table + 20, 0xFFFFFF00);  // also wraps 32 bits
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("raw data [0xffffff00, +0x1000) lies outside"));
    }
    SECTION("section raw data inside the headers") {
        BuiltPe pe = base();
        pe.put32(pe.section_table + 40 + 20, 0x200);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("section 1 '.text': PointerToRawData 0x200 / VirtualAddress 0x400 lies inside the headers"));
    }
    SECTION("certificate table outside the file") {
        BuiltPe pe = base();
        pe.put32(pe.cert_dir_offset, 0xD00);
        pe.put32(pe.cert_dir_offset + 4, 0x10);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("certificate table [0xd00, +0x10) lies outside the 3328-byte file"));
        pe.put32(pe.cert_dir_offset, 0xFFFFFFF8);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("certificate table [0xfffffff8, +0x10) lies outside"));
    }
    SECTION("certificate table overlapping a section or the headers") {
        BuiltPe pe = base();
        pe.put32(pe.cert_dir_offset, 0x700);
        pe.put32(pe.cert_dir_offset + 4, 0x200);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("certificate table [0x700, 0x900) overlaps section 1 '.text' [0x400, 0x800)"));
        pe.put32(pe.cert_dir_offset, 0x100);
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS("certificate table at 0x100 overlaps the headers (SizeOfHeaders 0x400)"));
    }
    SECTION("certificate table larger than the data left after the sections (edk2 refuses)") {
        // Overlapping sections make SUM_OF_BYTES_HASHED run past their end.
        PeSpec spec;
        spec.sections = {{".a", 0x400, 0x200}, {".b", 0x500, 0x100}};
        spec.cert_size = 0x180;
        BuiltPe pe = build_pe(spec);  // file 0x780, hashed sum 0x700
        CHECK_THAT(error_of(pe.bytes), TDX_CONTAINS(prefix + "certificate table size 0x180 exceeds the 0x80 bytes left"));
    }
}
