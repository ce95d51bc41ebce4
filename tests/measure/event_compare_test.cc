// Comparing logs with predictions: register mapping, verdicts, the first
// differing event, extra and missing events, unpredicted registers, and the
// validation of the expected document.
#include "measure/event_compare.h"

#include <string>
#include <vector>

#include "base/error.h"
#include "measure/event_types.h"
#include "measure/measurements_json.h"
#include "tests/measure/eventlog_scenario.h"
#include "tests/support/catch.h"

using namespace tdx;
using namespace tdx::test;
using nlohmann::json;

namespace {

TcgEventLog parse(const std::vector<std::uint8_t>& b) { return parse_tcg2_event_log(Bytes(b.data(), b.size()), "ccel.bin"); }

struct Run {
    TcgEventLog log;
    ExpectedMeasurements expected;
    LogComparison result;
};

Run compare(const BootInputs& actual, const BootInputs& predicted, bool predict_rtmr0 = true, std::vector<int> regs = {}) {
    Run r;
    r.log = parse(ccel_of(actual));
    r.expected = parse_expected_measurements(measurements_json(boot_events(predicted), predict_rtmr0), "measurements.json");
    if (regs.empty()) regs = default_compared_registers(r.log, LogMapping::Tdx, r.expected);
    r.result = compare_event_log(r.log, LogMapping::Tdx, "ccel.bin", r.expected, regs);
    return r;
}

const RegisterComparison& reg(const Run& r, int rtmr) {
    for (const RegisterComparison& c : r.result.registers)
        if (c.rtmr == rtmr) return c;
    FAIL("register not compared");
    throw 0;
}

}  // namespace

TEST_CASE("event_compare: MR index and PCR mappings") {
    CHECK(!rtmr_of_index(0, LogMapping::Tdx));
    for (std::uint32_t i = 1; i <= 4; ++i) CHECK(rtmr_of_index(i, LogMapping::Tdx) == static_cast<int>(i) - 1);
    CHECK(!rtmr_of_index(5, LogMapping::Tdx));
    const std::vector<std::pair<std::uint32_t, std::optional<int>>> tpm = {
        {0, std::nullopt}, {1, 0}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 0}, {8, 2}, {9, 2}, {15, 2}, {16, std::nullopt},
        {23, std::nullopt}};
    for (auto [pcr, rtmr] : tpm) {
        INFO(pcr);
        CHECK(rtmr_of_index(pcr, LogMapping::Tpm) == rtmr);
    }
    TcgEvent no_action;
    no_action.index = 1;
    no_action.type = ev::kNoAction;
    CHECK(!rtmr_of_event(no_action, LogMapping::Tdx));
}

TEST_CASE("event_compare: a TPM log is replayed into RTMRs in log order") {
    // PCR 0 and 17 and EV_NO_ACTION are skipped; PCR 7 and 1 share RTMR0.
    std::vector<MeasuredEvent> tdx_order;
    std::vector<std::uint8_t> log = write_tdx_event_log({});
    auto add = [&](std::uint32_t pcr, std::uint32_t type, const std::string& what) {
        scenario_detail::put_le(log, pcr, 4);
        scenario_detail::put_le(log, type, 4);
        scenario_detail::put_le(log, 1, 4);
        scenario_detail::put_le(log, kTpmAlgSha384, 2);
        const Digest384 d = sha384(std::string_view(what));
        log.insert(log.end(), d.begin(), d.end());
        scenario_detail::put_le(log, 0, 4);
        const auto rtmr = rtmr_of_index(pcr, LogMapping::Tpm);
        if (rtmr && type != ev::kNoAction) tdx_order.push_back({*rtmr, type, d, what, EventKind::Action, {}});
    };
    add(0, ev::kSCrtmVersion, "crtm");
    add(7, ev::kEfiVariableDriverConfig, "SecureBoot");
    add(4, ev::kEfiBootServicesApplication, "kernel");
    add(1, ev::kEfiVariableBoot, "BootOrder");
    add(9, ev::kEventTag, "cmdline");
    add(17, ev::kEfiAction, "drtm");
    add(7, ev::kNoAction, "ignored");
    const TcgEventLog parsed = parse(log);
    const RtmrReplay r = replay_rtmrs(parsed, LogMapping::Tpm, "tpm.log");
    CHECK(r.events == std::array<std::size_t, 4>{2, 1, 1, 0});
    CHECK(r.not_replayed == 3);
    for (int i = 0; i < 4; ++i) CHECK(r.value[static_cast<std::size_t>(i)] == replay(tdx_order, i));
}

TEST_CASE("event_compare: identical inputs match in every register") {
    const Run r = compare({}, {});
    CHECK(r.result.verdict == Verdict::Match);
    REQUIRE(r.result.registers.size() == 3);  // rtmr0-2; the log has no RTMR3 events and nothing predicts it
    for (const RegisterComparison& c : r.result.registers) {
        INFO(c.rtmr);
        CHECK(c.verdict == Verdict::Match);
        CHECK(c.events_compared);
        CHECK(!c.first_difference);
        CHECK(c.actual.size() == c.expected.size());
    }
}

TEST_CASE("event_compare: a changed command line differs at the load options event of RTMR2") {
    BootInputs b;
    b.cmdline = "console=ttyS0 root=/dev/vda2";
    const Run r = compare(b, {});
    CHECK(r.result.verdict == Verdict::Different);
    CHECK(reg(r, 0).verdict == Verdict::Match);
    CHECK(reg(r, 1).verdict == Verdict::Match);
    const RegisterComparison& c = reg(r, 2);
    CHECK(c.verdict == Verdict::Different);
    REQUIRE(c.first_difference == std::optional<std::size_t>(0));
    CHECK(c.expected[0].kind == "load_options");
    CHECK(c.expected[0].depends_on.front() == "kernel command line");
    CHECK(r.log.events[c.actual[0]].type == ev::kEventTag);
    CHECK(c.reason == "rtmr2 event 0 (load_options) differs");
}

TEST_CASE("event_compare: a changed initrd differs at the initrd event") {
    BootInputs b;
    b.initrd = "initrd B";
    const Run r = compare(b, {});
    const RegisterComparison& c = reg(r, 2);
    CHECK(c.verdict == Verdict::Different);
    REQUIRE(c.first_difference == std::optional<std::size_t>(1));
    CHECK(c.expected[1].kind == "initrd");
    CHECK(c.expected[1].depends_on == std::vector<std::string>{"initrd contents"});
}

TEST_CASE("event_compare: a changed memory size differs at the TD HOB event of RTMR0") {
    BootInputs b;
    b.memory_size = 4ull << 30;
    const Run r = compare(b, {});
    const RegisterComparison& c = reg(r, 0);
    CHECK(c.verdict == Verdict::Different);
    REQUIRE(c.first_difference == std::optional<std::size_t>(0));
    CHECK(c.expected[0].kind == "td_hob");
    CHECK(c.expected[0].depends_on.front() == "memory size");
    CHECK(c.differing == std::vector<std::size_t>{0});  // every other RTMR0 event still matches
    CHECK(reg(r, 1).verdict == Verdict::Match);
    CHECK(reg(r, 2).verdict == Verdict::Match);
}

TEST_CASE("event_compare: extra and missing events at the end of a register") {
    const auto events = boot_events({});
    auto expected = parse_expected_measurements(measurements_json(events), "m.json");

    auto more = events;
    more.push_back(scenario_detail::digest_event(2, ev::kEventTag, {1, 2, 3}, "extra", EventKind::Initrd, {}));
    TcgEventLog log = parse(write_tdx_event_log(more));
    auto res = compare_event_log(log, LogMapping::Tdx, "ccel.bin", expected, {2});
    REQUIRE(res.registers.size() == 1);
    CHECK(res.registers[0].verdict == Verdict::Different);
    CHECK(res.registers[0].first_difference == std::optional<std::size_t>(2));
    CHECK(res.registers[0].actual.size() == 3);
    CHECK(res.registers[0].reason == "the log has 1 event more than predicted, from rtmr2 event 2");

    auto fewer = events;
    fewer.pop_back();
    log = parse(write_tdx_event_log(fewer));
    res = compare_event_log(log, LogMapping::Tdx, "ccel.bin", expected, {2});
    CHECK(res.registers[0].verdict == Verdict::Different);
    CHECK(res.registers[0].first_difference == std::optional<std::size_t>(1));
    CHECK(res.registers[0].reason == "the log lacks 1 predicted event, from rtmr2 event 1 (initrd)");
}

TEST_CASE("event_compare: an unpredicted RTMR0 is undecided unless its known prefix differs") {
    SECTION("prefix matches: undecided, and chosen by default because the log has RTMR0 events") {
        const Run r = compare({}, {}, false);
        CHECK(r.result.verdict == Verdict::Undecided);
        const RegisterComparison& c = reg(r, 0);
        CHECK(c.verdict == Verdict::Undecided);
        CHECK(!c.expected_value);
        CHECK(c.expected.size() == kRtmr0KnownPrefix);
        CHECK(!c.first_difference);
        CHECK_THAT(c.reason, TDX_CONTAINS("does not predict rtmr0 (RTMR0 includes QEMU's ACPI tables"));
        CHECK_THAT(c.reason, TDX_CONTAINS("the 8 events it lists for it match the log"));
        CHECK(reg(r, 1).verdict == Verdict::Match);
    }
    SECTION("leaving RTMR0 out decides") {
        const Run r = compare({}, {}, false, {1, 2});
        CHECK(r.result.verdict == Verdict::Match);
    }
    SECTION("a different TD HOB inside the known prefix is a difference") {
        BootInputs b;
        b.memory_size = 1ull << 30;
        const Run r = compare(b, {}, false);
        const RegisterComparison& c = reg(r, 0);
        CHECK(c.verdict == Verdict::Different);
        CHECK(c.first_difference == std::optional<std::size_t>(0));
        CHECK_THAT(c.reason, TDX_CONTAINS("rtmr0 event 0 (td_hob) differs; rtmr0 as a whole is not predicted"));
        CHECK(r.result.verdict == Verdict::Different);
    }
    SECTION("a register nothing predicts and the log does not extend is left out by default") {
        const Run r = compare({}, {});
        for (const RegisterComparison& c : r.result.registers) CHECK(c.rtmr != 3);
        const auto forced = compare_event_log(r.log, LogMapping::Tdx, "ccel.bin", r.expected, {3});
        CHECK(forced.verdict == Verdict::Undecided);
        CHECK_THAT(forced.registers[0].reason, TDX_CONTAINS("no reason given"));
    }
}

TEST_CASE("event_compare: a value without events is compared by value only") {
    const auto events = boot_events({});
    json doc = measurements_json(events);
    json kept = json::array();
    for (const json& e : doc["events"])
        if (e["register"] != "rtmr1") kept.push_back(e);
    doc["events"] = kept;
    const auto expected = parse_expected_measurements(doc, "m.json");
    const TcgEventLog log = parse(write_tdx_event_log(events));
    auto res = compare_event_log(log, LogMapping::Tdx, "ccel.bin", expected, {1});
    CHECK(res.verdict == Verdict::Match);
    doc["rtmr1"] = std::string(96, '0').replace(0, 1, "1");
    res = compare_event_log(log, LogMapping::Tdx, "ccel.bin", parse_expected_measurements(doc, "m.json"), {1});
    CHECK(res.verdict == Verdict::Different);
    CHECK(!res.registers[0].events_compared);
    CHECK_THAT(res.registers[0].reason, TDX_CONTAINS("only the values were compared"));
}

TEST_CASE("event_compare: a log without SHA-384 cannot be compared") {
    std::vector<std::uint8_t> log;
    scenario_detail::put_le(log, 0, 4);
    scenario_detail::put_le(log, ev::kNoAction, 4);
    log.insert(log.end(), 20, 0);
    const std::string sig("Spec ID Event03", 16);
    std::vector<std::uint8_t> spec(sig.begin(), sig.end());
    spec.insert(spec.end(), {0, 0, 0, 0, 0, 2, 0, 2, 1, 0, 0, 0, 0x0b, 0, 32, 0, 0});
    scenario_detail::put_le(log, spec.size(), 4);
    log.insert(log.end(), spec.begin(), spec.end());
    const TcgEventLog parsed = parse(log);
    const auto expected = parse_expected_measurements(measurements_json(boot_events({})), "m.json");
    CHECK_THROWS_WITH(compare_event_log(parsed, LogMapping::Tdx, "sha256.log", expected, {1}),
                      TDX_CONTAINS("sha256.log: the log has no SHA-384 digests (its Spec ID event lists 0xb/32 bytes)"));
}

TEST_CASE("expected_measurements: the document is validated key by key") {
    const json good = measurements_json(boot_events({}));
    REQUIRE_NOTHROW(parse_expected_measurements(good, "m.json"));
    struct Case {
        const char* what;
        std::function<void(json&)> edit;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"not an object", [](json& j) { j = json::array(); }, "m.json: (document): expected a JSON object, found an array"},
        {"wrong schema", [](json& j) { j["schema"] = "tdximage.ovmf/v1"; },
         "m.json: schema: \"tdximage.ovmf/v1\" is not \"tdximage.measurements/v1\""},
        {"no schema", [](json& j) { j.erase("schema"); }, "m.json: schema: missing"},
        {"no rtmr1", [](json& j) { j.erase("rtmr1"); }, "m.json: rtmr1: missing"},
        {"rtmr2 not hex", [](json& j) { j["rtmr2"] = "xyz"; }, "m.json: rtmr2: expected 96 hex digits (a SHA-384 value), found \"xyz\""},
        {"rtmr0 a number", [](json& j) { j["rtmr0"] = 5; }, "m.json: rtmr0: expected 96 hex digits, found a number"},
        {"notes not an object", [](json& j) { j["notes"] = "x"; }, "m.json: notes: expected an object, found a string"},
        {"no events", [](json& j) { j.erase("events"); }, "m.json: events: missing"},
        {"bad register", [](json& j) { j["events"][3]["register"] = "pcr7"; }, "m.json: events[3].register: \"pcr7\" is not one of rtmr0"},
        {"index out of order", [](json& j) { j["events"][3]["index"] = 7; }, "m.json: events[3].index: 7, but it is event 3 of rtmr0"},
        {"negative index", [](json& j) { j["events"][0]["index"] = -1; }, "m.json: events[0].index: expected a non-negative integer"},
        {"bad digest", [](json& j) { j["events"][1]["digest"] = "00"; }, "m.json: events[1].digest: expected 96 hex digits"},
        {"no kind", [](json& j) { j["events"][2].erase("kind"); }, "m.json: events[2].kind: missing"},
        {"depends_on not strings", [](json& j) { j["events"][2]["depends_on"] = json::array({1}); },
         "m.json: events[2].depends_on[0]: expected a string"},
        {"value and events disagree", [](json& j) { j["rtmr1"] = std::string(96, 'f'); },
         "m.json: rtmr1: the events listed for rtmr1 replay to"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        json j = good;
        c.edit(j);
        CHECK_THROWS_WITH(parse_expected_measurements(j, "m.json"), TDX_CONTAINS(c.message));
    }
    CHECK_THROWS_WITH(parse_measurements("{\"schema\": ", "m.json"), TDX_CONTAINS("m.json: not valid JSON"));
    CHECK_THROWS_WITH(parse_measurements("", "m.json"), TDX_CONTAINS("m.json: not valid JSON"));
}
