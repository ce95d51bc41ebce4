// The TDVF reader on Debian 12's real OVMF build (package ovmf
// 2022.11-6+deb12u2): the layout recorded in the measurement reference,
// section 1.5, must come out field for field.
#include <string>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "ovmf/tdvf.h"
#include "tests/ovmf/tdvf_test_util.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::ovmf;

namespace {
constexpr const char* kOvmfSha256 = "7b456907dd0786d415999e801a1ac4637b8ed4d7cf5378cfc6edbe5e574dd773";
}

TEST_CASE("Debian 12 OVMF.fd: GUID table, descriptor and sections") {
    InputFile f(test::debian_inputs_dir() / "OVMF.fd");
    const std::string sha = to_hex(sha256(f.bytes()));
    if (sha != kOvmfSha256)
        FAIL("OVMF.fd has sha256 " + sha + ", not " + kOvmfSha256 +
             ": the Debian archive changed (a new ovmf package); re-check the expected layout");

    for (LintLevel level : test::kAllLevels) {
        INFO("level " << test::level_name(level));
        TdvfImage img = parse_tdvf(f.bytes(), level);
        INFO(test::dump(img));
        CHECK(img.findings.empty());
        CHECK(img.file_size == 2097152);
        CHECK(img.guid_table_footer);
        CHECK(img.guid_table_size == 136);
        CHECK(img.guid_table_offset == 2097152 - 0x20 - 136);

        // Five entries in file order, the TDX one first (lowest offset).
        REQUIRE(img.guid_table.size() == 5);
        const char* names[] = {"TDX metadata offset", "SEV metadata offset", "SEV hash table block", "SEV secret block", "SEV-ES reset block"};
        for (std::size_t i = 0; i < 5; ++i) CHECK(guid_table_entry_name(img.guid_table[i].guid) == names[i]);
        CHECK(img.guid_table[0].length == 22);
        CHECK(img.guid_table[0].payload == std::vector<std::uint8_t>{0x40, 0x08, 0x00, 0x00});  // EOF - 0x840

        REQUIRE(img.descriptor);
        const TdvfDescriptor& d = *img.descriptor;
        CHECK(d.file_offset == 0x1ff7c0);
        CHECK(d.signature == 0x46564454);
        CHECK(d.length == 208);
        CHECK(d.version == 1);
        CHECK(d.section_count == 6);
        CHECK(d.metadata_guid_present);
        CHECK_FALSE(d.legacy_pointer);

        struct Want {
            std::uint32_t type, data_offset, raw;
            std::uint64_t gpa, mem;
            std::uint32_t attributes;
        };
        const Want want[] = {
            {0, 0x20000, 0x1e0000, 0xffe20000, 0x1e0000, 1},  // BFV
            {1, 0x0, 0x20000, 0xffe00000, 0x20000, 0},        // CFV
            {3, 0, 0, 0x810000, 0x10000, 0},                  // TEMP_MEM
            {3, 0, 0, 0x80b000, 0x2000, 0},                   // TEMP_MEM
            {2, 0, 0, 0x809000, 0x2000, 0},                   // TD_HOB
            {3, 0, 0, 0x800000, 0x6000, 0},                   // TEMP_MEM
        };
        REQUIRE(d.sections.size() == 6);
        for (std::size_t i = 0; i < 6; ++i) {
            INFO("section " << i);
            const TdvfSection& s = d.sections[i];
            CHECK(s.type == want[i].type);
            CHECK(s.data_offset == want[i].data_offset);
            CHECK(s.raw_data_size == want[i].raw);
            CHECK(s.memory_address == want[i].gpa);
            CHECK(s.memory_data_size == want[i].mem);
            CHECK(s.attributes == want[i].attributes);
        }
    }
    CHECK_NOTHROW(load_tdvf(f.bytes(), "OVMF.fd"));
}

TEST_CASE("Debian 12 OVMF_CODE.fd: same metadata, section data past its end, rejected") {
    InputFile f(test::debian_inputs_dir() / "OVMF_CODE.fd");
    TdvfImage img = parse_tdvf(f.bytes());
    INFO(test::dump(img));
    // The descriptor offset counts from EOF, so it is still found ...
    REQUIRE(img.descriptor);
    CHECK(img.descriptor->section_count == 6);
    // ... but the BFV's DataOffset assumes the 128 KiB variable store in front.
    test::expect_rule(img, "section.data_range", test::kError, {"section 0 (BFV)", "DataOffset 0x20000", "RawDataSize 0x1e0000", "0x200000"});
    CHECK_THROWS_WITH(load_tdvf(f.bytes(), "OVMF_CODE.fd"),
                      TDX_CONTAINS("OVMF_CODE.fd: ") && TDX_CONTAINS("\n  section.data_range: section 0 (BFV)"));
}
