// compare_measurements and first_differing_event: the one rule verify, diff
// and `build`'s "changed since" use, on real measurements.json documents
// (rendered by the test scenario, parsed by measure's own reader).
#include "measure/measurements_compare.h"

#include <string>

#include "measure/measurements_json.h"
#include "tests/measure/eventlog_scenario.h"
#include "tests/support/catch.h"

using namespace tdx;
using namespace tdx::test;

namespace {

PublishedMeasurements published(const BootInputs& in) { return parse_measurements(measurements_json(boot_events(in)).dump(), "m.json"); }

const RegisterDiff& reg(const MeasurementDiff& d, const std::string& name) {
    for (const RegisterDiff& r : d.registers)
        if (r.name == name) return r;
    FAIL("no register " << name);
    throw;
}

}  // namespace

TEST_CASE("measurements compare: identical documents compare equal on every register") {
    const PublishedMeasurements a = published({});
    const MeasurementDiff d = compare_measurements(a, a);
    CHECK(d.any_compared);
    CHECK(d.all_equal);
    REQUIRE(d.registers.size() == 4);
    for (const RegisterDiff& r : d.registers) CHECK((r.compared && r.equal));
}

TEST_CASE("measurements compare: another initramfs differs in RTMR2 only, at the initrd event") {
    BootInputs other;
    other.initrd = "initrd B";
    const MeasurementDiff d = compare_measurements(published({}), published(other));
    CHECK_FALSE(d.all_equal);
    CHECK(reg(d, "MR_TD").equal);
    CHECK(reg(d, "RTMR0").equal);
    CHECK(reg(d, "RTMR1").equal);
    const RegisterDiff& r2 = reg(d, "RTMR2");
    CHECK_FALSE(r2.equal);
    REQUIRE(r2.expected_event);
    REQUIRE(r2.actual_event);
    CHECK(r2.expected_event->index == 1);
    CHECK(r2.actual_event->kind == "initrd");
    CHECK_THAT(r2.explanation, TDX_CONTAINS("event 1 (EV_EVENT_TAG, initrd) differs: the initramfs"));
}

TEST_CASE("measurements compare: another command line differs at RTMR2's first event") {
    BootInputs other;
    other.cmdline = "console=ttyS0 quiet";
    const MeasurementDiff d = compare_measurements(published({}), published(other));
    const RegisterDiff& r2 = reg(d, "RTMR2");
    REQUIRE(r2.actual_event);
    CHECK(r2.actual_event->index == 0);
    CHECK_THAT(r2.explanation, TDX_CONTAINS("the kernel command line"));
}

TEST_CASE("measurements compare: a register given on one side only is not compared") {
    PublishedMeasurements a = published({}), b = published({});
    b.registers.rtmr[0].reset();
    const MeasurementDiff d = compare_measurements(a, b);
    CHECK_FALSE(reg(d, "RTMR0").compared);
    CHECK(d.all_equal);  // over the registers compared
}

TEST_CASE("first differing event: type and digest decide, descriptions do not") {
    const PublishedMeasurements a = published({});
    std::vector<ExpectedEvent> x = a.registers.events_of(1), y = x;
    CHECK_FALSE(first_differing_event(x, y));
    y[1].description = "worded otherwise";
    CHECK_FALSE(first_differing_event(x, y));
    y[2].digest[0] ^= 1;
    CHECK(first_differing_event(x, y) == std::optional<std::size_t>(2));
    y = x;
    y[3].type = "EV_SEPARATOR";
    CHECK(first_differing_event(x, y) == std::optional<std::size_t>(3));
    y = x;
    y.pop_back();
    CHECK(first_differing_event(x, y) == std::optional<std::size_t>(x.size() - 1));
    CHECK(first_differing_event(y, x) == std::optional<std::size_t>(x.size() - 1));
}
