// One test per validation rule: the rule id, its severity at each lint level,
// and that the message names the field and the offending value.
#include <string>

#include "ovmf/tdvf.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/ovmf/tdvf_test_util.h"
#include "tests/support/catch.h"

using namespace tdx;
using namespace tdx::ovmf;
using tdx::test::expect_rule;
using tdx::test::has_rule;
using tdx::test::kError;
using tdx::test::kWarning;
using tdx::test::parse;
using tdx::test::TdvfBuilder;

namespace {

constexpr LintLevel kQemu = LintLevel::Qemu, kGce = LintLevel::Gce, kShim = LintLevel::TdShim;

// The rule fires at every level with the same severity and message parts.
void expect_everywhere(const TdvfBuilder& b, const std::string& rule, Finding::Severity sev, const std::vector<std::string>& parts) {
    for (LintLevel level : test::kAllLevels) {
        INFO("level " << test::level_name(level));
        expect_rule(parse(b, level), rule, sev, parts);
    }
}

void expect_absent(const TdvfBuilder& b, LintLevel level, const std::string& rule) {
    TdvfImage img = parse(b, level);
    INFO("level " << test::level_name(level) << "\n" << test::dump(img));
    CHECK_FALSE(has_rule(img, rule));
}

TdvfSection td_shim_section(std::uint32_t type, std::uint64_t gpa, std::uint32_t attributes) {
    return TdvfSection{0, 0, gpa, 0x1000, type, attributes};
}

}  // namespace

// ---- image and GUID table ----------------------------------------------------

TEST_CASE("rule image.too_small: QEMU skips the table in images under 4 KiB") {
    TdvfBuilder b;
    b.file_size = 0x800;
    b.descriptor_offset = 0x100;
    b.sections = {{0, 0x800, 0xfffff000, 0x1000, 0, 0}, {0, 0, 0x809000, 0x1000, 2, 0}};
    for (LintLevel level : test::kAllLevels) {
        TdvfImage img = parse(b, level);
        expect_rule(img, "image.too_small", kError, {"2048 bytes", "4 KiB"});
        CHECK(img.descriptor);  // still parsed, for inspection
    }
}

TEST_CASE("rule guid_table.size: below the footer entry or larger than the file") {
    TdvfBuilder b;
    b.table_size = 17;
    expect_everywhere(b, "guid_table.size", kError, {"GUID table size 17", "18-byte footer"});
    CHECK_FALSE(parse(b).descriptor);
    CHECK(has_rule(parse(b), "tdx_metadata.missing"));

    b.table_size = 0x3fe1;  // one more than the 0x3fe0 bytes before EOF-0x20
    expect_everywhere(b, "guid_table.size", kError, {"GUID table size 16353", "16352 bytes"});
    b.table_size = 0x3fe0;  // exactly fills the file: the walk then runs into garbage, but the size is legal
    expect_absent(b, kQemu, "guid_table.size");
}

TEST_CASE("rule guid_table.entry_length: lengths below 18 or past the table start") {
    const Guid secret = Guid::parse("4c2eb361-7d9b-4cc3-8081-127c90d3d294");
    SECTION("met after the TDX entry: QEMU already has what it needs") {
        TdvfBuilder b;
        b.entries_before_tdx = {{secret, {1, 2, 3, 4, 5, 6, 7, 8}, std::uint16_t{5}}};
        TdvfImage q = parse(b, kQemu);
        expect_rule(q, "guid_table.entry_length", kWarning, {"4c2eb361", "SEV secret block", "length 5", "18-byte"});
        CHECK_FALSE(q.has_errors());
        CHECK(q.guid_table.size() == 2);  // the entries read before the bad one
        expect_rule(parse(b, kShim), "guid_table.entry_length", kWarning, {"length 5"});
        expect_rule(parse(b, kGce), "guid_table.entry_length", kError, {"length 5"});

        b.entries_before_tdx = {{secret, {1, 2, 3, 4, 5, 6, 7, 8}, std::uint16_t{0x400}}};
        expect_rule(parse(b, kQemu), "guid_table.entry_length", kWarning, {"length 1024", "exceeds the 26 bytes"});
    }
    SECTION("met before the TDX entry: the TDX entry is never reached") {
        TdvfBuilder b;
        b.entries_after_tdx[0].length = 0;
        for (LintLevel level : test::kAllLevels) {
            TdvfImage img = parse(b, level);
            expect_rule(img, "guid_table.entry_length", kError, {"00f771de", "SEV-ES reset block", "length 0"});
            CHECK(has_rule(img, "tdx_metadata.missing"));
            CHECK_FALSE(img.descriptor);
        }
    }
}

TEST_CASE("rule guid_table.trailing_bytes: the walk does not end at the table start") {
    TdvfBuilder b;
    b.table_size = 62 + 5;
    expect_rule(parse(b, kQemu), "guid_table.trailing_bytes", kWarning, {"5 bytes", "table size 67"});
    expect_rule(parse(b, kShim), "guid_table.trailing_bytes", kWarning, {"5 bytes"});
    expect_rule(parse(b, kGce), "guid_table.trailing_bytes", kError, {"5 bytes"});
    CHECK(parse(b).descriptor);
}

TEST_CASE("rule guid_table.duplicate: one GUID twice") {
    TdvfBuilder b;
    b.entries_before_tdx = b.entries_after_tdx;
    expect_rule(parse(b, kQemu), "guid_table.duplicate", kWarning, {"00f771de", "2 times"});
    expect_rule(parse(b, kShim), "guid_table.duplicate", kWarning, {"2 times"});
    expect_rule(parse(b, kGce), "guid_table.duplicate", kError, {"SEV-ES reset block", "2 times"});
}

TEST_CASE("rule guid_table.missing: no footer GUID") {
    TdvfBuilder b;
    b.footer = false;
    expect_everywhere(b, "guid_table.missing", kError, {"96b582de-1fb2-45f7-baea-a366c55a082d", "not a TDVF image"});
}

TEST_CASE("rule tdx_metadata.missing: footer but no TDX entry") {
    TdvfBuilder b;
    b.tdx_entry = false;
    expect_everywhere(b, "tdx_metadata.missing", kError, {"e47a6535-984a-4798-865e-4685a7bf8ec2", "1 GUID table entries"});
}

TEST_CASE("rule tdx_metadata.entry_length: the TDX entry must be 22 bytes") {
    TdvfBuilder b;
    b.tdx_entry_length = 26;  // QEMU still reads the first u32 of the payload
    for (LintLevel level : test::kAllLevels) {
        TdvfImage img = parse(b, level);
        expect_rule(img, "tdx_metadata.entry_length", kError, {"length 26", "not 22"});
        REQUIRE(img.descriptor);
        CHECK(img.descriptor->file_offset == 0x3010);
    }
    b.tdx_entry_length = 20;  // payload of 2 bytes: no offset to read
    TdvfImage img = parse(b);
    expect_rule(img, "tdx_metadata.entry_length", kError, {"length 20"});
    CHECK_FALSE(img.descriptor);
}

TEST_CASE("rule tdx_metadata.offset: the descriptor header must lie in the file") {
    TdvfBuilder b;
    b.tdx_offset = 0;
    expect_everywhere(b, "tdx_metadata.offset", kError, {"offset 0x0", "across the end", "16384-byte"});
    b.tdx_offset = 15;
    expect_everywhere(b, "tdx_metadata.offset", kError, {"offset 0xf", "across the end"});
    b.tdx_offset = 0x4001;
    expect_everywhere(b, "tdx_metadata.offset", kError, {"offset 0x4001", "before the start"});
    b.tdx_offset = 0xffffffff;
    expect_everywhere(b, "tdx_metadata.offset", kError, {"offset 0xffffffff", "before the start"});
    CHECK_FALSE(parse(b).descriptor);
    b.tdx_offset = 0x4000;  // descriptor at file offset 0: legal location, but no signature there
    expect_rule(parse(b), "descriptor.signature", kError, {"file offset 0x0"});
}

// ---- descriptor header ---------------------------------------------------------

TEST_CASE("rule descriptor.signature") {
    TdvfBuilder b;
    b.signature = 0x46564455;
    expect_everywhere(b, "descriptor.signature", kError, {"Signature 0x46564455", "\"TDVF\"", "0x3010"});
    CHECK(parse(b).findings.size() == 1);
    CHECK_FALSE(parse(b).descriptor);
}

TEST_CASE("rule descriptor.version") {
    TdvfBuilder b;
    b.version = 2;
    expect_everywhere(b, "descriptor.version", kError, {"Version 2", "not 1"});
    b.version = 0;
    expect_everywhere(b, "descriptor.version", kError, {"Version 0"});
}

TEST_CASE("rule descriptor.section_count: QEMU needs 2, td-shim 1") {
    TdvfBuilder b;
    b.sections.resize(1);  // BFV only
    expect_rule(parse(b, kQemu), "descriptor.section_count", kError, {"NumberOfSectionEntries 1", "minimum of 2"});
    expect_rule(parse(b, kGce), "descriptor.section_count", kError, {"NumberOfSectionEntries 1"});
    expect_absent(b, kShim, "descriptor.section_count");

    b.sections.clear();
    expect_everywhere(b, "descriptor.section_count", kError, {"NumberOfSectionEntries 0"});
    TdvfImage img = parse(b);
    REQUIRE(img.descriptor);
    CHECK(img.descriptor->sections.empty());
    CHECK_FALSE(has_rule(img, "descriptor.length"));
}

TEST_CASE("rule descriptor.length: Length must be 16 + 32 * N") {
    TdvfBuilder b;
    b.length = 16 + 32 * 5;
    expect_everywhere(b, "descriptor.length", kError, {"Length 0xb0", "16 + 32 * 4 = 0x90"});
    b.length = 0;
    expect_everywhere(b, "descriptor.length", kError, {"Length 0x0"});
    // The sections are still read (from N) so their rules are checked too.
    CHECK(parse(b).descriptor->sections.size() == 4);
}

TEST_CASE("rule descriptor.outside_file: offset + Length past EOF") {
    TdvfBuilder b;
    b.length = 0xfd0;  // 0x3010 + 0xfd0 = 0x3fe0 is fine ...
    expect_absent(b, kQemu, "descriptor.outside_file");
    b.length = 0xff1;  // ... 0x4001 is not
    expect_everywhere(b, "descriptor.outside_file", kError, {"Length 0xff1", "16384-byte", "0x4001"});
    // QEMU adds offset and Length in 32 bits: 0x3010 + 0xffffd000 wraps to
    // 0x10 and passes its check; here it must not.
    b.length = 0xffffd000;
    expect_everywhere(b, "descriptor.outside_file", kError, {"Length 0xffffd000"});
}

TEST_CASE("rule descriptor.sections_outside_file: N entries do not fit") {
    TdvfBuilder b;
    b.section_count = 1000;  // Length still says 4 entries
    for (LintLevel level : test::kAllLevels) {
        TdvfImage img = parse(b, level);
        expect_rule(img, "descriptor.sections_outside_file", kError, {"NumberOfSectionEntries 1000", "0x7d10"});
        CHECK(has_rule(img, "descriptor.length"));
        REQUIRE(img.descriptor);
        CHECK(img.descriptor->section_count == 1000);
        CHECK(img.descriptor->sections.empty());
        CHECK_FALSE(has_rule(img, "sections.td_hob_missing"));
    }
}

TEST_CASE("huge N: consistent Length that wraps QEMU's 32-bit check") {
    TdvfBuilder b;
    b.section_count = 0x7ffffff;
    b.length = 0xfffffff0;  // 16 + 32 * 0x7ffffff
    TdvfImage img = parse(b);
    INFO(test::dump(img));
    expect_rule(img, "descriptor.outside_file", kError, {"Length 0xfffffff0"});
    CHECK_FALSE(has_rule(img, "descriptor.length"));
    CHECK_FALSE(has_rule(img, "descriptor.sections_outside_file"));  // implied by outside_file
    CHECK(img.descriptor->sections.empty());

    b.section_count = 0xffffffff;
    b.length = 0xffffffff;
    img = parse(b);
    expect_rule(img, "descriptor.length", kError, {"16 + 32 * 4294967295 = 0x1ffffffff0"});
    CHECK(has_rule(img, "descriptor.outside_file"));
}

TEST_CASE("rule descriptor.metadata_guid: GCE wants e9eaf9f3-... before the descriptor") {
    TdvfBuilder b;
    b.metadata_guid = false;
    expect_rule(parse(b, kGce), "descriptor.metadata_guid", kError, {"e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae", "0x3010"});
    expect_absent(b, kQemu, "descriptor.metadata_guid");
    expect_absent(b, kShim, "descriptor.metadata_guid");
    CHECK_FALSE(parse(b).descriptor->metadata_guid_present);
}

// ---- per section ----------------------------------------------------------------

TEST_CASE("rule section.type: QEMU supports 0-3, td-shim 0-8") {
    TdvfBuilder b;
    b.sections.push_back(td_shim_section(4, 0x900000, kAttrPageAug));
    expect_rule(parse(b, kQemu), "section.type", kError, {"section 4 (PERM_MEM)", "Type 4", "td-shim section type"});
    expect_rule(parse(b, kGce), "section.type", kError, {"Type 4"});
    expect_absent(b, kShim, "section.type");

    b.sections.back().type = 9;
    expect_rule(parse(b, kQemu), "section.type", kError, {"section 4 (UNKNOWN(9))", "Type 9", "unknown"});
    expect_rule(parse(b, kShim), "section.type", kError, {"Type 9", "not a td-shim section type"});
}

TEST_CASE("rule section.memory_size: MemoryDataSize >= RawDataSize") {
    TdvfBuilder b;
    b.sections[0].memory_data_size = 0x2000;
    expect_everywhere(b, "section.memory_size", kError, {"section 0 (BFV)", "MemoryDataSize 0x2000", "RawDataSize 0x3000"});
}

TEST_CASE("rule section.address_alignment") {
    TdvfBuilder b;
    b.sections[2].memory_address = 0x809001;
    for (LintLevel level : test::kAllLevels) {
        INFO(test::level_name(level));
        auto f = test::with_rule(parse(b, level), "section.address_alignment");
        REQUIRE(f.size() == 1);
        CHECK(f[0].severity == kError);
        CHECK(f[0].message == "section 2 (TD_HOB): MemoryAddress 0x809001 is not 4 KiB aligned");
    }
}

TEST_CASE("rule section.size_alignment: error for QEMU, warning for td-shim") {
    TdvfBuilder b;
    b.sections[3].memory_data_size = 0x6001;
    expect_rule(parse(b, kQemu), "section.size_alignment", kError, {"section 3 (TEMP_MEM)", "MemoryDataSize 0x6001"});
    expect_rule(parse(b, kGce), "section.size_alignment", kError, {"MemoryDataSize 0x6001"});
    expect_rule(parse(b, kShim), "section.size_alignment", kWarning, {"MemoryDataSize 0x6001"});
}

TEST_CASE("rule section.memory_range: GPA range wraps past 2^64") {
    TdvfBuilder b;
    b.sections[3].memory_address = 0xfffffffffffff000;
    b.sections[3].memory_data_size = 0x2000;
    expect_everywhere(b, "section.memory_range", kError, {"MemoryAddress 0xfffffffffffff000", "0x2000", "2^64"});
}

TEST_CASE("rule section.raw_size_zero: BFV and CFV need file data") {
    TdvfBuilder b;
    b.sections[1].raw_data_size = 0;
    expect_everywhere(b, "section.raw_size_zero", kError, {"section 1 (CFV)", "RawDataSize is 0"});
}

TEST_CASE("rule section.raw_size_nonzero: TD_HOB and TEMP_MEM take no file data") {
    TdvfBuilder b;
    b.sections[2].raw_data_size = 0x1000;
    expect_everywhere(b, "section.raw_size_nonzero", kError, {"section 2 (TD_HOB)", "RawDataSize 0x1000"});
}

TEST_CASE("rule section.data_range: raw data must be inside the file") {
    TdvfBuilder b;
    b.sections[0].data_offset = 0x2000;
    expect_everywhere(b, "section.data_range", kError, {"section 0 (BFV)", "DataOffset 0x2000", "RawDataSize 0x3000", "0x5000", "16384-byte"});
    b.sections[0].data_offset = 0xffffffff;
    b.sections[0].raw_data_size = 0xffffffff;
    b.sections[0].memory_data_size = 0x100000000;
    expect_everywhere(b, "section.data_range", kError, {"0x1fffffffe"});
}

TEST_CASE("rule section.copy_range: QEMU copies MemoryDataSize bytes from the file") {
    TdvfBuilder b;
    b.sections[0].memory_data_size = 0x4000;  // 0x1000 + 0x4000 > 0x4000
    expect_everywhere(b, "section.copy_range", kError, {"section 0 (BFV)", "MemoryDataSize 0x4000", "DataOffset 0x1000"});
    CHECK_FALSE(has_rule(parse(b), "section.data_range"));
}

TEST_CASE("rule section.mr_extend_beyond_raw: warning at every level") {
    TdvfBuilder b;
    b.sections[1].attributes = kAttrMrExtend;
    b.sections[1].memory_data_size = 0x2000;  // the next 0x1000 file bytes get measured
    b.sections[1].memory_address = 0xfff00000;
    for (LintLevel level : test::kAllLevels) {
        INFO(test::level_name(level));
        TdvfImage img = parse(b, level);
        expect_rule(img, "section.mr_extend_beyond_raw", kWarning,
                    {"section 1 (CFV)", "MemoryDataSize 0x2000", "RawDataSize 0x1000", "0x1000 file bytes"});
        CHECK_FALSE(has_rule(img, "section.copy_range"));
    }
    b = TdvfBuilder{};
    b.sections[2].attributes = kAttrMrExtend;
    expect_rule(parse(b, kQemu), "section.mr_extend_beyond_raw", kWarning, {"section 2 (TD_HOB)", "generated HOB"});
}

TEST_CASE("rule section.page_aug: PAGE_AUG on types 0-3 is a warning") {
    TdvfBuilder b;
    b.sections[3].attributes = kAttrPageAug;
    expect_everywhere(b, "section.page_aug", kWarning, {"section 3 (TEMP_MEM)", "Attributes 0x2", "PAGE_AUG"});
    CHECK_FALSE(parse(b, kQemu).has_errors());
    CHECK_FALSE(parse(b, kGce).has_errors());
    CHECK(has_rule(parse(b, kShim), "section.attributes"));  // td-shim: TEMP_MEM attributes must be 0
}

TEST_CASE("rule section.attributes_reserved: unknown attribute bits, QEMU/GCE") {
    TdvfBuilder b;
    b.sections[0].attributes = 0x80000001;
    expect_rule(parse(b, kQemu), "section.attributes_reserved", kWarning, {"section 0 (BFV)", "Attributes 0x80000001"});
    expect_rule(parse(b, kGce), "section.attributes_reserved", kWarning, {"Attributes 0x80000001"});
    expect_absent(b, kShim, "section.attributes_reserved");
    expect_rule(parse(b, kShim), "section.attributes", kError, {"Attributes 0x80000001", "exactly 0x1"});
}

TEST_CASE("rule section.memory_size_ne_raw: GCE wants BFV/CFV MemoryDataSize == RawDataSize") {
    TdvfBuilder b;
    b.sections[1].memory_data_size = 0x2000;
    b.sections[1].memory_address = 0xfff00000;
    expect_rule(parse(b, kGce), "section.memory_size_ne_raw", kError, {"section 1 (CFV)", "MemoryDataSize 0x2000", "RawDataSize 0x1000"});
    expect_absent(b, kQemu, "section.memory_size_ne_raw");
    expect_absent(b, kShim, "section.memory_size_ne_raw");
}

TEST_CASE("rule section.attributes: td-shim fixes the attributes per type") {
    struct Case {
        std::size_t index;
        std::uint32_t type, attributes;
        const char* want;
    };
    for (Case c : {Case{0, 0, 0, "exactly 0x1"}, Case{0, 0, 3, "exactly 0x1"}, Case{1, 1, 1, "exactly 0x0"}, Case{2, 2, 1, "exactly 0x0"},
                   Case{3, 3, 1, "exactly 0x0"}}) {
        TdvfBuilder b;
        b.sections[c.index].attributes = c.attributes;
        INFO("section " << c.index << " attributes " << c.attributes);
        expect_rule(parse(b, kShim), "section.attributes", kError,
                    {"section " + std::to_string(c.index), "Attributes 0x" + std::to_string(c.attributes), c.want});
        expect_absent(b, kQemu, "section.attributes");
    }
    TdvfBuilder b;
    b.sections.push_back(td_shim_section(4, 0x900000, 0));  // PERM_MEM must be PAGE_AUG
    expect_rule(parse(b, kShim), "section.attributes", kError, {"section 4 (PERM_MEM)", "exactly 0x2"});
    b.sections.back() = td_shim_section(5, 0x900000, 2);  // PAYLOAD may only be MR_EXTEND
    expect_rule(parse(b, kShim), "section.attributes", kError, {"section 4 (PAYLOAD)", "Attributes 0x2"});
    b.sections.back() = td_shim_section(5, 0x900000, 1);
    expect_absent(b, kShim, "section.attributes");
}

TEST_CASE("rule section.data_offset_nonzero: td-shim sections without data have DataOffset 0") {
    TdvfBuilder b;
    b.sections[2].data_offset = 0x100;
    expect_rule(parse(b, kShim), "section.data_offset_nonzero", kError, {"section 2 (TD_HOB)", "DataOffset 0x100"});
    expect_absent(b, kQemu, "section.data_offset_nonzero");  // QEMU never reads it for a TD_HOB
    expect_absent(b, kGce, "section.data_offset_nonzero");
}

TEST_CASE("rule section.td_info_memory: td-shim TD_INFO has no memory range") {
    TdvfBuilder b;
    b.sections.push_back({0x1000, 0x100, 0x1000, 0, 7, 0});
    expect_rule(parse(b, kShim), "section.td_info_memory", kError, {"section 4 (TD_INFO)", "MemoryAddress 0x1000", "MemoryDataSize 0x0"});
    b.sections.back().memory_address = 0;
    TdvfImage ok = parse(b, kShim);
    INFO(test::dump(ok));
    CHECK_FALSE(ok.has_errors());
}

TEST_CASE("rule section.td_info_outside_bfv: td-shim TD_INFO / TD_PARAMS data inside the BFV") {
    TdvfBuilder b;
    b.sections.push_back({0x0, 0x100, 0, 0, 8, 0});  // in the CFV
    expect_rule(parse(b, kShim), "section.td_info_outside_bfv", kError, {"section 4 (TD_PARAMS)", "DataOffset 0x0", "RawDataSize 0x100"});
    b.sections.back().data_offset = 0x3f80;
    b.sections.back().raw_data_size = 0x100;  // runs past the BFV end at 0x4000
    expect_rule(parse(b, kShim), "section.td_info_outside_bfv", kError, {"DataOffset 0x3f80"});
}

// ---- the set of sections ----------------------------------------------------------

TEST_CASE("rule sections.td_hob_missing") {
    TdvfBuilder b;
    b.sections[2].type = 3;
    expect_everywhere(b, "sections.td_hob_missing", kError, {"no TD_HOB"});
    CHECK_THAT(test::with_rule(parse(b), "sections.td_hob_missing")[0].message, TDX_CONTAINS("TDVF metadata doesn't specify TD_HOB location."));
    // td-shim: a PERM_MEM section replaces the TD_HOB.
    b.sections.push_back(td_shim_section(4, 0x900000, kAttrPageAug));
    expect_absent(b, kShim, "sections.td_hob_missing");
    expect_rule(parse(b, kQemu), "sections.td_hob_missing", kError, {"no TD_HOB"});
}

TEST_CASE("rule sections.td_hob_multiple") {
    TdvfBuilder b;
    b.sections[3].type = 2;
    expect_rule(parse(b, kQemu), "sections.td_hob_multiple", kWarning, {"2 TD_HOB sections (2, 3)", "section 2"});
    expect_rule(parse(b, kGce), "sections.td_hob_multiple", kError, {"2 TD_HOB"});
    expect_rule(parse(b, kShim), "sections.td_hob_multiple", kError, {"2 TD_HOB"});
}

TEST_CASE("rule sections.bfv_missing") {
    TdvfBuilder b;
    b.sections[0].type = 1;
    b.sections[0].attributes = 0;
    expect_rule(parse(b, kQemu), "sections.bfv_missing", kWarning, {"no BFV"});
    expect_rule(parse(b, kGce), "sections.bfv_missing", kError, {"no BFV"});
    expect_rule(parse(b, kShim), "sections.bfv_missing", kError, {"no BFV"});
}

TEST_CASE("rule sections.fv_size_sum: GCE wants CFV + BFV to tile the file") {
    TdvfBuilder b;
    b.sections[1].raw_data_size = 0x800;
    expect_rule(parse(b, kGce), "sections.fv_size_sum", kError, {"0x3800", "file size 0x4000"});
    expect_absent(b, kQemu, "sections.fv_size_sum");
    expect_absent(b, kShim, "sections.fv_size_sum");
}

TEST_CASE("rule sections.gpa_overlap") {
    TdvfBuilder b;
    b.sections[3].memory_address = 0x808000;  // TEMP_MEM [0x808000, 0x80e000) covers the TD_HOB
    expect_rule(parse(b, kQemu), "sections.gpa_overlap", kWarning,
                {"section 2 (TD_HOB) GPA [0x809000, 0x80b000)", "section 3 (TEMP_MEM) GPA [0x808000, 0x80e000)"});
    expect_rule(parse(b, kShim), "sections.gpa_overlap", kWarning, {"section 2 (TD_HOB)"});
    expect_rule(parse(b, kGce), "sections.gpa_overlap", kError, {"section 2 (TD_HOB)"});

    // Touching ranges do not overlap; zero-sized ranges never do.
    b.sections[3].memory_address = 0x80b000;
    expect_absent(b, kGce, "sections.gpa_overlap");
    b.sections[3].memory_address = 0x809000;
    b.sections[3].memory_data_size = 0;
    expect_absent(b, kGce, "sections.gpa_overlap");

    // Each overlapping section is reported once, against the furthest-reaching one.
    b = TdvfBuilder{};
    b.sections[2] = {0, 0, 0x800000, 0x10000, 2, 0};
    b.sections[3] = {0, 0, 0x801000, 0x1000, 3, 0};
    b.sections.push_back({0, 0, 0x805000, 0x1000, 3, 0});
    TdvfImage img = parse(b, kGce);
    auto f = test::with_rule(img, "sections.gpa_overlap");
    REQUIRE(f.size() == 2);
    CHECK_THAT(f[0].message, TDX_CONTAINS("section 3"));
    CHECK_THAT(f[1].message, TDX_CONTAINS("section 4"));
}

TEST_CASE("rule sections.singleton: td-shim allows one PAYLOAD, PAYLOAD_PARAM, TD_INFO, TD_PARAMS") {
    TdvfBuilder b;
    b.sections.push_back(td_shim_section(5, 0x900000, 0));
    b.sections.push_back(td_shim_section(5, 0x901000, 0));
    expect_rule(parse(b, kShim), "sections.singleton", kError, {"PAYLOAD appears 2 times", "sections 4, 5"});
    expect_absent(b, kQemu, "sections.singleton");
}

TEST_CASE("rule sections.payload_param_without_payload: td-shim") {
    TdvfBuilder b;
    b.sections.push_back(td_shim_section(6, 0x900000, 0));
    expect_rule(parse(b, kShim), "sections.payload_param_without_payload", kError, {"PAYLOAD_PARAM section 4"});
    b.sections.push_back(td_shim_section(5, 0x901000, 0));
    expect_absent(b, kShim, "sections.payload_param_without_payload");
}

TEST_CASE("a td-shim image with every section type passes td-shim and fails QEMU") {
    TdvfBuilder b;
    b.sections.push_back(td_shim_section(4, 0x900000, kAttrPageAug));
    b.sections.push_back(td_shim_section(5, 0x901000, 0));
    b.sections.push_back(td_shim_section(6, 0x902000, 0));
    b.sections.push_back({0x1000, 0x100, 0, 0, 7, 0});
    b.sections.push_back({0x1100, 0x100, 0, 0, 8, 0});
    TdvfImage shim = parse(b, kShim);
    INFO(test::dump(shim));
    CHECK(shim.findings.empty());
    TdvfImage q = parse(b, kQemu);
    CHECK(test::with_rule(q, "section.type").size() == 5);
}

TEST_CASE("every broken rule is reported, not just the first") {
    TdvfBuilder b;
    b.version = 3;
    b.metadata_guid = false;
    b.sections[0].memory_address = 0xffffd800;
    b.sections[1].raw_data_size = 0;
    b.sections[2].raw_data_size = 0x10;
    b.sections[3].memory_data_size = 0x6800;
    b.sections[3].type = 12;
    TdvfImage img = parse(b, kGce);
    INFO(test::dump(img));
    for (const char* rule :
         {"descriptor.version", "descriptor.metadata_guid", "section.address_alignment", "section.raw_size_zero", "section.raw_size_nonzero",
          "section.size_alignment", "section.type", "sections.fv_size_sum", "section.memory_size_ne_raw"})
        CHECK(has_rule(img, rule));
}
