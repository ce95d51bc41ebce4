// GUIDs, the GUID table walk, locating the descriptor, the happy path and
// load_tdvf. Per-rule tests are in tdvf_rules_test.cc, malformed and
// truncated inputs in tdvf_robust_test.cc.
#include <string>

#include "base/error.h"
#include "ovmf/tdvf.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/ovmf/tdvf_test_util.h"
#include "tests/support/catch.h"

using namespace tdx;
using namespace tdx::ovmf;
using tdx::test::expect_rule;
using tdx::test::kError;
using tdx::test::kWarning;
using tdx::test::parse;
using tdx::test::TdvfBuilder;

TEST_CASE("Guid parses and formats in the mixed-endian on-disk order") {
    Guid g = Guid::parse("96b582de-1fb2-45f7-baea-a366c55a082d");
    const std::array<std::uint8_t, 16> want = {0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d};
    CHECK(g.bytes == want);
    CHECK(g.to_string() == "96b582de-1fb2-45f7-baea-a366c55a082d");
    CHECK(g == footer_guid());
    // Upper case is accepted and formatted back in lower case.
    CHECK(Guid::parse("E9EAF9F3-168E-44D5-A8EB-7F4D8738F6AE") == tdx_metadata_guid());
    CHECK(tdx_metadata_guid().bytes[0] == 0xf3);
    CHECK(tdx_metadata_guid().bytes[5] == 0x16);
    CHECK(tdx_metadata_offset_guid().to_string() == "e47a6535-984a-4798-865e-4685a7bf8ec2");
    CHECK(tdx_metadata_offset_guid().bytes[0] == 0x35);
}

TEST_CASE("Guid::parse rejects malformed text") {
    for (const char* bad :
         {"", "96b582de1fb245f7baeaa366c55a082d", "96b582de-1fb2-45f7-baea-a366c55a082", "96b582de-1fb2-45f7-baea-a366c55a082dd",
          "96b582de_1fb2-45f7-baea-a366c55a082d", "96b582dg-1fb2-45f7-baea-a366c55a082d", "96b582de-1fb2-45f7-baea-a366c55a08-d"}) {
        INFO(bad);
        CHECK_THROWS_AS(Guid::parse(bad), tdx::Error);
    }
}

TEST_CASE("known GUID table entries have names") {
    CHECK(guid_table_entry_name(footer_guid()) == "table footer");
    CHECK(guid_table_entry_name(tdx_metadata_offset_guid()) == "TDX metadata offset");
    CHECK(guid_table_entry_name(Guid::parse("00f771de-1a7e-4fcb-890e-68c77e2fb44e")) == "SEV-ES reset block");
    CHECK(guid_table_entry_name(Guid::parse("7255371f-3a3b-4b04-927b-1da6efa8d454")) == "SEV hash table block");
    CHECK(guid_table_entry_name(Guid::parse("4c2eb361-7d9b-4cc3-8081-127c90d3d294")) == "SEV secret block");
    CHECK(guid_table_entry_name(Guid::parse("dc886566-984a-4798-a75e-5585a7bf67cc")) == "SEV metadata offset");
    CHECK(guid_table_entry_name(Guid::parse("784fa70e-3176-4677-8a20-04b68699e374")) == "IGVM metadata offset");
    CHECK(guid_table_entry_name(Guid::parse("00000000-0000-0000-0000-000000000000")).empty());
}

TEST_CASE("section type names") {
    CHECK(section_type_name(0) == "BFV");
    CHECK(section_type_name(1) == "CFV");
    CHECK(section_type_name(2) == "TD_HOB");
    CHECK(section_type_name(3) == "TEMP_MEM");
    CHECK(section_type_name(4) == "PERM_MEM");
    CHECK(section_type_name(8) == "TD_PARAMS");
    CHECK(section_type_name(9) == "UNKNOWN(9)");
    CHECK(section_type_name(0xffffffff) == "UNKNOWN(4294967295)");
}

TEST_CASE("happy path: every field of a well-formed image, no findings at any level") {
    TdvfBuilder b;
    for (LintLevel level : test::kAllLevels) {
        INFO(test::level_name(level));
        TdvfImage img = parse(b, level);
        INFO(test::dump(img));
        CHECK(img.findings.empty());
        CHECK_FALSE(img.has_errors());
        CHECK(img.file_size == 0x4000);

        CHECK(img.guid_table_footer);
        CHECK(img.guid_table_size == 22 + 22 + 18);
        CHECK(img.guid_table_offset == b.table_offset());
        REQUIRE(img.guid_table.size() == 2);
        CHECK(img.guid_table[0].guid == tdx_metadata_offset_guid());
        CHECK(img.guid_table[0].length == 22);
        CHECK(img.guid_table[0].offset == b.table_offset());
        CHECK(img.guid_table[0].payload == std::vector<std::uint8_t>{0xf0, 0x0f, 0x00, 0x00});  // 0x4000 - 0x3010
        CHECK(img.guid_table[1].guid.to_string() == "00f771de-1a7e-4fcb-890e-68c77e2fb44e");
        CHECK(img.guid_table[1].offset == b.table_offset() + 22);
        CHECK(img.guid_table[1].payload == std::vector<std::uint8_t>{0x00, 0xb0, 0x80, 0x00});

        REQUIRE(img.descriptor);
        const TdvfDescriptor& d = *img.descriptor;
        CHECK(d.file_offset == 0x3010);
        CHECK(d.signature == 0x46564454);
        CHECK(d.length == 16 + 4 * 32);
        CHECK(d.version == 1);
        CHECK(d.section_count == 4);
        CHECK(d.metadata_guid_present);
        CHECK_FALSE(d.legacy_pointer);
        REQUIRE(d.sections.size() == 4);
        const auto want = TdvfBuilder::default_sections();
        for (std::size_t i = 0; i < 4; ++i) {
            INFO("section " << i);
            CHECK(d.sections[i].data_offset == want[i].data_offset);
            CHECK(d.sections[i].raw_data_size == want[i].raw_data_size);
            CHECK(d.sections[i].memory_address == want[i].memory_address);
            CHECK(d.sections[i].memory_data_size == want[i].memory_data_size);
            CHECK(d.sections[i].type == want[i].type);
            CHECK(d.sections[i].attributes == want[i].attributes);
        }
        CHECK(d.sections[0].mr_extend());
        CHECK_FALSE(d.sections[0].page_aug());
        CHECK_FALSE(d.sections[1].mr_extend());
    }
}

TEST_CASE("GUID table entries are listed in file order with their payloads") {
    TdvfBuilder b;
    b.entries_before_tdx = {{Guid::parse("4c2eb361-7d9b-4cc3-8081-127c90d3d294"), {1, 2, 3, 4, 5, 6, 7, 8}, {}}};
    b.entries_after_tdx.push_back({Guid::parse("dc886566-984a-4798-a75e-5585a7bf67cc"), {9, 9, 9, 9}, {}});
    TdvfImage img = parse(b);
    INFO(test::dump(img));
    CHECK(img.findings.empty());
    REQUIRE(img.guid_table.size() == 4);
    CHECK(guid_table_entry_name(img.guid_table[0].guid) == "SEV secret block");
    CHECK(img.guid_table[0].length == 26);
    CHECK(img.guid_table[0].payload == std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(img.guid_table[1].guid == tdx_metadata_offset_guid());
    CHECK(guid_table_entry_name(img.guid_table[3].guid) == "SEV metadata offset");
    for (std::size_t i = 1; i < img.guid_table.size(); ++i)
        CHECK(img.guid_table[i].offset == img.guid_table[i - 1].offset + img.guid_table[i - 1].length);
    CHECK(img.guid_table_size == 26 + 22 + 22 + 22 + 18);
}

TEST_CASE("a table with only the footer has no entries and no TDX entry") {
    TdvfBuilder b;
    b.tdx_entry = false;
    b.entries_after_tdx.clear();
    TdvfImage img = parse(b);
    CHECK(img.guid_table_footer);
    CHECK(img.guid_table_size == 18);
    CHECK(img.guid_table.empty());
    expect_rule(img, "tdx_metadata.missing", kError, {"e47a6535-984a-4798-865e-4685a7bf8ec2", "0 GUID table entries"});
    CHECK_FALSE(img.descriptor);
}

TEST_CASE("QEMU's choice among duplicate TDX entries: the one nearest the footer") {
    TdvfBuilder b;
    // A second TDX entry after the real one (nearer the footer) points 0x40
    // bytes before EOF, into the table, where there is no "TDVF".
    b.entries_after_tdx.push_back({tdx_metadata_offset_guid(), {0x40, 0, 0, 0}, {}});
    TdvfImage img = parse(b);
    expect_rule(img, "guid_table.duplicate", kWarning, {"e47a6535", "TDX metadata offset", "2 times"});
    expect_rule(img, "descriptor.signature", kError, {"file offset 0x3fc0"});
    CHECK_FALSE(img.descriptor);

    TdvfImage gce = parse(b, LintLevel::Gce);
    expect_rule(gce, "guid_table.duplicate", kError, {"2 times"});
}

TEST_CASE("legacy pointer: used only without a footer, re-checked, reported as a warning") {
    TdvfBuilder b;
    b.footer = false;
    b.legacy_pointer = 0x3010;
    for (LintLevel level : test::kAllLevels) {
        TdvfImage img = parse(b, level);
        INFO(test::dump(img));
        expect_rule(img, "tdx_metadata.legacy_pointer", kWarning, {"EOF-0x20", "0x3010", "QEMU"});
        CHECK_FALSE(img.has_errors());
        REQUIRE(img.descriptor);
        CHECK(img.descriptor->legacy_pointer);
        CHECK(img.descriptor->file_offset == 0x3010);
        CHECK(img.descriptor->sections.size() == 4);
        CHECK_FALSE(img.guid_table_footer);
        CHECK(img.guid_table.empty());
    }

    SECTION("pointer to bytes without the TDVF signature") {
        b.legacy_pointer = 0x3000;
        TdvfImage img = parse(b);
        expect_rule(img, "guid_table.missing", kError, {"96b582de-1fb2-45f7-baea-a366c55a082d", "legacy"});
        CHECK_FALSE(test::has_rule(img, "tdx_metadata.legacy_pointer"));
        CHECK_FALSE(img.descriptor);
    }
    SECTION("pointer past the end of the file") {
        b.legacy_pointer = 0x3ff8;  // "TDVF" would fit, the 16-byte header would not
        TdvfImage img = parse(b);
        expect_rule(img, "guid_table.missing", kError, {"EOF-0x30"});
        CHECK_FALSE(img.descriptor);
        b.legacy_pointer = 0xfffffff0;
        CHECK_FALSE(parse(b).descriptor);
    }
    SECTION("no fallback when the footer is there but the TDX entry is not") {
        b.footer = true;
        b.tdx_entry = false;
        TdvfImage img = parse(b);
        expect_rule(img, "tdx_metadata.missing", kError, {"e47a6535"});
        CHECK_FALSE(test::has_rule(img, "tdx_metadata.legacy_pointer"));
        CHECK_FALSE(img.descriptor);
    }
}

TEST_CASE("no footer and no legacy pointer") {
    TdvfBuilder b;
    b.footer = false;
    TdvfImage img = parse(b);
    expect_rule(img, "guid_table.missing", kError, {"96b582de-1fb2-45f7-baea-a366c55a082d", "0x3fd0"});
    CHECK(img.findings.size() == 1);
    CHECK_FALSE(img.descriptor);
    CHECK(img.guid_table.empty());
}

TEST_CASE("load_tdvf returns the image or throws listing every error") {
    TdvfBuilder b;
    auto good = b.build();
    TdvfImage img = load_tdvf(Bytes(good.data(), good.size()), "good.fd");
    REQUIRE(img.descriptor);

    // Warnings alone do not stop loading.
    b.sections[3].attributes = kAttrPageAug;
    auto warn = b.build();
    TdvfImage w = load_tdvf(Bytes(warn.data(), warn.size()), "warn.fd");
    CHECK(test::has_rule(w, "section.page_aug"));

    b = TdvfBuilder{};
    b.version = 7;
    b.sections[2].memory_address = 0x809001;
    auto bad = b.build();
    try {
        load_tdvf(Bytes(bad.data(), bad.size()), "bad.fd");
        FAIL("load_tdvf accepted a broken image");
    } catch (const tdx::Error& e) {
        const std::string msg = e.what();
        CHECK(msg.rfind("bad.fd: ", 0) == 0);
        CHECK_THAT(msg, TDX_CONTAINS("(2 errors)"));
        CHECK_THAT(msg, TDX_CONTAINS("\n  descriptor.version: descriptor at file offset 0x3010: Version 7 is not 1"));
        CHECK_THAT(msg, TDX_CONTAINS("\n  section.address_alignment: section 2 (TD_HOB): MemoryAddress 0x809001 is not 4 KiB aligned"));
    }

    b = TdvfBuilder{};
    b.footer = false;
    auto none = b.build();
    CHECK_THROWS_WITH(load_tdvf(Bytes(none.data(), none.size()), "none.fd"),
                      TDX_CONTAINS("none.fd: not a TDVF image that passes the qemu checks (1 error):\n  guid_table.missing: "));

    // Level-specific errors make load_tdvf fail only at that level.
    b = TdvfBuilder{};
    b.metadata_guid = false;
    auto nog = b.build();
    CHECK_NOTHROW(load_tdvf(Bytes(nog.data(), nog.size()), "x", LintLevel::Qemu));
    CHECK_THROWS_WITH(load_tdvf(Bytes(nog.data(), nog.size()), "x", LintLevel::Gce), TDX_CONTAINS("descriptor.metadata_guid"));
}
