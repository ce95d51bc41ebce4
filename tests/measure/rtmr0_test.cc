#include "measure/rtmr0.h"

#include "measure/event_types.h"
#include "tests/measure/acpi_fixture.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/catch.h"

using namespace tdx;

namespace {

struct Fixture {
    std::vector<std::uint8_t> fw;
    ovmf::TdvfImage image;
    test::TempDir dir;
    AcpiBlobs acpi;
    Fixture() {
        test::TdvfBuilder b;
        b.sections.push_back({0, 0, 0x800000, 0x2000, 2, 0});  // TD_HOB
        fw = b.build();
        image = ovmf::parse_tdvf(Bytes(fw.data(), fw.size()));
        test::AcpiFixture(2).write(dir.path());
        acpi = load_acpi_dir(dir.path());
    }
    Rtmr0Input input(FirmwareLayout layout, bool with_acpi) const {
        Rtmr0Input in;
        in.firmware = Bytes(fw.data(), fw.size());
        in.image = &image;
        in.firmware_name = "fw.fd";
        in.memory_size = 1ull << 30;
        in.layout = layout;
        in.acpi = with_acpi ? &acpi : nullptr;
        return in;
    }
};

std::vector<EventKind> kinds(const Rtmr0Result& r) {
    std::vector<EventKind> k;
    for (const MeasuredEvent& e : r.events) {
        CHECK(e.rtmr == 0);
        k.push_back(e.kind);
    }
    return k;
}

using K = EventKind;

}  // namespace

TEST_CASE("RTMR0 event list per firmware layout") {
    Fixture f;
    const std::vector<EventKind> common{K::TdHob,
                                        K::Cfv,
                                        K::SecureBootVariable,
                                        K::SecureBootVariable,
                                        K::SecureBootVariable,
                                        K::SecureBootVariable,
                                        K::SecureBootVariable,
                                        K::Separator,
                                        K::AcpiLoader,
                                        K::AcpiBlob,
                                        K::AcpiBlob,
                                        K::BootOrder,
                                        K::BootOption};
    SECTION("2024.11: 13 events") {
        Rtmr0Result r = measure_rtmr0(f.input(FirmwareLayout::Edk2_202411, true));
        CHECK(r.unavailable.empty());
        CHECK(kinds(r) == common);
        CHECK(r.events[0].type == ev::kEfiHandoffTables2);
        CHECK(r.events[1].type == ev::kEfiPlatformFirmwareBlob2);
        CHECK(r.events[8].description.find("etc/table-loader") != std::string::npos);
        CHECK(r.events[9].description.find("etc/acpi/rsdp") != std::string::npos);
        CHECK(r.events[11].type == ev::kEfiVariableBoot);
        // The ACPI digests are of the raw blobs.
        CHECK(r.events[10].digest == sha384(Bytes(f.acpi.allocated[1].bytes.data(), f.acpi.allocated[1].bytes.size())));
    }
    SECTION("pre-2024.11: the ReadyToBoot separator closes RTMR0") {
        Rtmr0Result r = measure_rtmr0(f.input(FirmwareLayout::Edk2Pre202411, true));
        std::vector<EventKind> want = common;
        want.push_back(K::Separator);
        CHECK(kinds(r) == want);
    }
    SECTION("without ACPI: the known prefix and the reason") {
        Rtmr0Result r = measure_rtmr0(f.input(FirmwareLayout::Edk2_202411, false));
        CHECK(r.events.size() == 8);
        CHECK(r.unavailable.find("--acpi-dir") != std::string::npos);
    }
    SECTION("2025.05: TD HOB and CFV only, and why") {
        Rtmr0Result r = measure_rtmr0(f.input(FirmwareLayout::Edk2_202505, true));
        CHECK(kinds(r) == std::vector<EventKind>{K::TdHob, K::Cfv});
        CHECK(r.unavailable.find("fw_cfg") != std::string::npos);
    }
}

TEST_CASE("RTMR0: memory size changes only the TD HOB event, Secure Boot data changes its variable") {
    Fixture f;
    Rtmr0Input a = f.input(FirmwareLayout::Edk2_202411, true);
    Rtmr0Input b = a;
    b.memory_size = 4ull << 30;
    Rtmr0Result ra = measure_rtmr0(a), rb = measure_rtmr0(b);
    CHECK(ra.events[0].digest != rb.events[0].digest);
    for (std::size_t i = 1; i < ra.events.size(); ++i) CHECK(ra.events[i].digest == rb.events[i].digest);

    Rtmr0Input c = a;
    c.secure_boot[0].data = {1};
    Rtmr0Result rc = measure_rtmr0(c);
    CHECK(rc.events[2].digest != ra.events[2].digest);
    CHECK(rc.events[3].digest == ra.events[3].digest);
    CHECK(rc.events[2].description == "SecureBoot (1 bytes)");
}
