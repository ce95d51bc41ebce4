#include "tests/support/catch.h"

#include <cstring>

#include "base/limits.h"
#include "measure/mrtd.h"

using namespace tdx;

namespace {

// A deliberately naive model of the TDX module's hash stream: the whole
// stream is materialised as bytes, then hashed once. Written from the TDX
// module specification's record layout, independently of measure/mrtd.cc.
struct Stream {
    std::vector<std::uint8_t> bytes;
    void record(const char* op, std::uint64_t gpa) {
        std::vector<std::uint8_t> r(128, 0);
        std::memcpy(r.data(), op, std::strlen(op));
        for (int i = 0; i < 8; ++i) r[16 + i] = static_cast<std::uint8_t>(gpa >> (8 * i));
        bytes.insert(bytes.end(), r.begin(), r.end());
    }
    void page_add(std::uint64_t gpa) { record("MEM.PAGE.ADD", gpa); }
    void extend_page(std::uint64_t gpa, const std::uint8_t* data) {
        for (int c = 0; c < 16; ++c) {
            record("MR.EXTEND", gpa + 256u * c);
            bytes.insert(bytes.end(), data + 256 * c, data + 256 * (c + 1));
        }
    }
    Digest384 digest() const { return sha384(Bytes(bytes.data(), bytes.size())); }
};

ovmf::TdvfSection section(std::uint32_t type, std::uint32_t off, std::uint32_t raw, std::uint64_t gpa, std::uint64_t mem, std::uint32_t attr) {
    ovmf::TdvfSection s;
    s.type = type;
    s.data_offset = off;
    s.raw_data_size = raw;
    s.memory_address = gpa;
    s.memory_data_size = mem;
    s.attributes = attr;
    return s;
}

struct Fixture {
    std::vector<std::uint8_t> fw;
    ovmf::TdvfImage image;
    Fixture() {
        fw.resize(5 * 4096);
        for (std::size_t i = 0; i < fw.size(); ++i) fw[i] = static_cast<std::uint8_t>(i * 7 + (i >> 12));
        image.descriptor = ovmf::TdvfDescriptor{};
        auto& s = image.descriptor->sections;
        // Deliberately not sorted by GPA or offset: descriptor order rules.
        s.push_back(section(1, 0, 4096, 0xffffb000, 4096, 0));             // CFV, not extended
        s.push_back(section(0, 4096, 3 * 4096, 0xffffc000, 3 * 4096, 1));  // BFV, extended
        s.push_back(section(2, 0, 0, 0x809000, 2 * 4096, 0));              // TD_HOB
        s.push_back(section(3, 0, 0, 0x800000, 4096, 0));                  // TEMP_MEM
    }
};

}  // namespace

TEST_CASE("MRTD per-page and two-pass equal the naive stream model") {
    Fixture f;
    Stream per_page, two_pass;
    for (const auto& s : f.image.descriptor->sections) {
        std::uint64_t pages = s.memory_data_size / 4096;
        for (std::uint64_t p = 0; p < pages; ++p) {
            per_page.page_add(s.memory_address + p * 4096);
            if (s.mr_extend()) per_page.extend_page(s.memory_address + p * 4096, f.fw.data() + s.data_offset + p * 4096);
        }
        for (std::uint64_t p = 0; p < pages; ++p) two_pass.page_add(s.memory_address + p * 4096);
        if (s.mr_extend())
            for (std::uint64_t p = 0; p < pages; ++p) two_pass.extend_page(s.memory_address + p * 4096, f.fw.data() + s.data_offset + p * 4096);
    }
    MrtdResult r = compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw");
    CHECK(r.per_page == per_page.digest());
    CHECK(r.two_pass == two_pass.digest());
    CHECK(r.per_page != r.two_pass);
    CHECK(r.pages_added == 7);
    CHECK(r.chunks_extended == 48);
    CHECK(r.get(MrtdOrder::PerPage) == r.per_page);
    CHECK(r.get(MrtdOrder::TwoPass) == r.two_pass);
}

TEST_CASE("MRTD depends on descriptor order, GPAs and every extended byte, not on unextended bytes") {
    Fixture f;
    MrtdResult base = compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw");

    Fixture swapped;
    std::swap(swapped.image.descriptor->sections[2], swapped.image.descriptor->sections[3]);
    CHECK(compute_mrtd(Bytes(swapped.fw.data(), swapped.fw.size()), swapped.image, "fw").per_page != base.per_page);

    Fixture moved;
    moved.image.descriptor->sections[3].memory_address += 4096;
    CHECK(compute_mrtd(Bytes(moved.fw.data(), moved.fw.size()), moved.image, "fw").two_pass != base.two_pass);

    Fixture flipped;
    flipped.fw[4096 + 3 * 4096 - 1] ^= 1;  // last byte of the BFV
    MrtdResult fr = compute_mrtd(Bytes(flipped.fw.data(), flipped.fw.size()), flipped.image, "fw");
    CHECK(fr.per_page != base.per_page);
    CHECK(fr.two_pass != base.two_pass);

    Fixture cfv;
    cfv.fw[10] ^= 1;  // inside the CFV, which is added but not extended
    MrtdResult cr = compute_mrtd(Bytes(cfv.fw.data(), cfv.fw.size()), cfv.image, "fw");
    CHECK(cr.per_page == base.per_page);
    CHECK(cr.two_pass == base.two_pass);
}

TEST_CASE("PAGE_AUG sections are skipped by default and added on request") {
    Fixture f;
    f.image.descriptor->sections[3].attributes = ovmf::kAttrPageAug;
    MrtdResult skip = compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw");
    CHECK(skip.pages_added == 6);
    MrtdOptions o;
    o.skip_page_aug = false;
    MrtdResult add = compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw", o);
    CHECK(add.pages_added == 7);

    // A skipped PAGE_AUG section of a near-2^64 size costs nothing (it looped
    // 2^52 times): the limit does not count it, and its pages are not walked.
    Fixture huge;
    huge.image.descriptor->sections[3].attributes = ovmf::kAttrPageAug;
    huge.image.descriptor->sections[3].memory_data_size = 0xFFFFFFFFFFFFF000ull;
    CHECK(compute_mrtd(Bytes(huge.fw.data(), huge.fw.size()), huge.image, "fw").per_page == skip.per_page);

    Fixture plain;
    plain.image.descriptor->sections.pop_back();
    CHECK(compute_mrtd(Bytes(plain.fw.data(), plain.fw.size()), plain.image, "fw").per_page == skip.per_page);
    CHECK(compute_mrtd(Bytes(plain.fw.data(), plain.fw.size()), plain.image, "fw").per_page != add.per_page);
}

TEST_CASE("An extended section larger in memory than in the file follows QEMU and warns") {
    Fixture f;
    f.image.descriptor->sections[1].raw_data_size = 2 * 4096;  // memory stays 3 pages: reads the next file page
    MrtdResult r = compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw");
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], TDX_CONTAINS("exceeds RawDataSize"));
    Fixture g;
    CHECK(r.per_page == compute_mrtd(Bytes(g.fw.data(), g.fw.size()), g.image, "fw").per_page);

    f.image.descriptor->sections[1].data_offset = 3 * 4096;  // 3 pages from 0x3000 run past the 0x5000-byte file
    CHECK_THROWS_WITH(compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw.fd"),
                      TDX_CONTAINS("fw.fd: TDVF section 1 (BFV): extended data"));
}

TEST_CASE("compute_mrtd refuses an image without a descriptor") {
    ovmf::TdvfImage empty;
    std::vector<std::uint8_t> fw(4096);
    CHECK_THROWS_WITH(compute_mrtd(Bytes(fw.data(), fw.size()), empty, "x.fd"), TDX_CONTAINS("x.fd: no TDVF descriptor"));
}

TEST_CASE("A descriptor claiming more memory than firmware-memory is refused before hashing (the tdvf fuzzer's timeout)") {
    Fixture f;
    {
        // 7 pages are added; 6 pages of limit stop it, naming the limit.
        ScopedLimit low(Limit::FirmwareMemory, 6 * 4096);
        CHECK_THROWS_WITH(compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw"),
                          Catch::Matchers::Contains("fw: the memory the TDVF sections add to the TD (0x7000 bytes so far) "
                                                    "exceeds the limit firmware-memory (24 KiB); if the input is legitimate, "
                                                    "raise it with --limit firmware-memory=VALUE"));
        ScopedLimit exact(Limit::FirmwareMemory, 7 * 4096);
        CHECK(compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw").pages_added == 7);
    }
    // A terabyte of TEMP_MEM, as the fuzzer's input declared: refused at once.
    f.image.descriptor->sections[3].memory_data_size = 0x10000001000ull;
    CHECK_THROWS_WITH(compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw"),
                      Catch::Matchers::Contains("exceeds the limit firmware-memory (1 GiB)"));
    // Sizes that would overflow a 64-bit sum are refused too.
    f.image.descriptor->sections[2].memory_data_size = ~std::uint64_t{0} - 4095;
    CHECK_THROWS_WITH(compute_mrtd(Bytes(f.fw.data(), f.fw.size()), f.image, "fw"),
                      Catch::Matchers::Contains("exceeds the limit firmware-memory"));
}
