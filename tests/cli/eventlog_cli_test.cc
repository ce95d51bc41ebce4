// tdximage eventlog show|replay|compare as a user runs them: the verdicts and
// exit statuses, the first differing event named with what it depends on,
// and exit 2 with the file and the offset or key for every kind of bad input.
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "measure/event_types.h"
#include "measure/tcg_event_log.h"
#include "tests/measure/eventlog_scenario.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::test;
using nlohmann::json;

namespace {

// A directory with the expected document of inputs A and the CCEL of `actual`.
struct Files {
    TempDir dir;
    std::string log, expected;
    Files(const BootInputs& actual, const BootInputs& predicted = {}, bool predict_rtmr0 = true) {
        log = (dir / "ccel.bin").string();
        expected = (dir / "measurements.json").string();
        write_bytes(log, ccel_of(actual));
        write_text(expected, measurements_json(boot_events(predicted), predict_rtmr0).dump(2));
    }
};

RunResult compare(const Files& f, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"eventlog", "compare", f.log, "--expected", f.expected};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_tool(args);
}

// A minimal crypto-agile log: header with the given algorithm table, then raw records.
std::vector<std::uint8_t> log_with(const std::vector<std::pair<std::uint16_t, std::uint16_t>>& algs,
                                   const std::vector<std::uint8_t>& records = {}) {
    std::vector<std::uint8_t> spec;
    const std::string sig("Spec ID Event03", 16);
    spec.insert(spec.end(), sig.begin(), sig.end());
    spec.insert(spec.end(), {0, 0, 0, 0, 0, 2, 0, 2});
    scenario_detail::put_le(spec, algs.size(), 4);
    for (auto [id, size] : algs) {
        scenario_detail::put_le(spec, id, 2);
        scenario_detail::put_le(spec, size, 2);
    }
    spec.push_back(0);
    std::vector<std::uint8_t> log;
    scenario_detail::put_le(log, 1, 4);
    scenario_detail::put_le(log, ev::kNoAction, 4);
    log.insert(log.end(), 20, 0);
    scenario_detail::put_le(log, spec.size(), 4);
    log.insert(log.end(), spec.begin(), spec.end());
    log.insert(log.end(), records.begin(), records.end());
    return log;
}

std::uint32_t type_value(const std::string& name) {
    for (std::uint32_t t : {ev::kEfiHandoffTables2, ev::kEfiPlatformFirmwareBlob2, ev::kEfiVariableDriverConfig, ev::kSeparator,
                            ev::kPlatformConfigFlags, ev::kEfiVariableBoot, ev::kEfiBootServicesApplication, ev::kEfiAction, ev::kEventTag})
        if (event_type_name(t) == name) return t;
    FAIL("unknown type " + name);
    return 0;
}

// The CCEL a TD would hold for the events of a measurements.json (event data left empty).
std::vector<std::uint8_t> ccel_of_document(const json& doc) {
    std::vector<MeasuredEvent> events;
    for (const json& e : doc["events"]) {
        MeasuredEvent m;
        m.rtmr = e["register"].get<std::string>().back() - '0';
        m.type = type_value(e["type"]);
        m.digest = parse_digest384(e["digest"].get<std::string>(), "digest");
        events.push_back(m);
    }
    return write_tdx_event_log(events);
}

}  // namespace

TEST_CASE("eventlog compare: the CCEL of the predicted inputs matches, exit 0") {
    Files f({});
    auto r = compare(f);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr0  match"));
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr1  match"));
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr2  match"));
    CHECK_THAT(r.out, TDX_CONTAINS("result: match (rtmr0, rtmr1, rtmr2)"));
    CHECK(r.err.empty());

    auto j = compare(f, {"--json"});
    REQUIRE(j.exit_code == 0);
    const json doc = json::parse(j.out);
    CHECK(doc["schema"] == "tdximage.eventlog-compare/v1");
    CHECK(doc["verdict"] == "match");
    CHECK(doc["compared"] == json::array({"rtmr0", "rtmr1", "rtmr2"}));
    CHECK(doc["log"]["file"] == "ccel.bin");
    CHECK(doc["expected"]["file"] == "measurements.json");
    CHECK(j.out.find(f.dir.path().string()) == std::string::npos);  // no absolute paths
    CHECK(compare(f, {"--json"}).out == j.out);                     // deterministic
}

TEST_CASE("eventlog compare: a changed command line is the load options event of RTMR2, exit 1") {
    BootInputs b;
    b.cmdline = "console=ttyS0 root=/dev/vda1 quiet";
    Files f(b);
    auto r = compare(f);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr2  DIFFERENT  rtmr2 event 0 (load_options) differs"));
    CHECK_THAT(r.out, TDX_CONTAINS("first difference at rtmr2 event 0:"));
    CHECK_THAT(r.out, TDX_CONTAINS("tag 0x8f3b22ed (Linux load options): \"LOADED_IMAGE::LoadOptions\""));
    CHECK_THAT(r.out, TDX_CONTAINS("depends on: kernel command line; initrd present (initrd=initrd)"));
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr1  match"));
    CHECK_THAT(r.out, TDX_CONTAINS("result: DIFFERENT (rtmr2)"));

    auto j = compare(f, {"--json"});
    CHECK(j.exit_code == 1);
    const json doc = json::parse(j.out);
    CHECK(doc["verdict"] == "different");
    const json& rtmr2 = doc["registers"][2];
    CHECK(rtmr2["register"] == "rtmr2");
    CHECK(rtmr2["verdict"] == "different");
    CHECK(rtmr2["first_difference"]["index"] == 0);
    CHECK(rtmr2["first_difference"]["expected"]["kind"] == "load_options");
    CHECK(rtmr2["first_difference"]["actual"]["type"] == "EV_EVENT_TAG");
    CHECK(rtmr2["first_difference"]["actual"]["data"]["tag_name"] == "Linux load options");
    CHECK(rtmr2["first_difference"]["depends_on"][0] == "kernel command line");
    CHECK(rtmr2["actual"]["value"] != rtmr2["expected"]["value"]);
}

TEST_CASE("eventlog compare: a changed initrd is the initrd event, exit 1") {
    BootInputs b;
    b.initrd = "initrd B, a little longer";
    Files f(b);
    auto r = compare(f);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr2  DIFFERENT  rtmr2 event 1 (initrd) differs"));
    CHECK_THAT(r.out, TDX_CONTAINS("tag 0x8f3b22ec (Linux initrd)"));
    CHECK_THAT(r.out, TDX_CONTAINS("depends on: initrd contents"));
}

TEST_CASE("eventlog compare: a changed memory size is the TD HOB event of RTMR0, exit 1") {
    BootInputs b;
    b.memory_size = 4ull << 30;
    Files f(b);
    auto r = compare(f, {"--json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const json doc = json::parse(r.out);
    const json& rtmr0 = doc["registers"][0];
    CHECK(rtmr0["register"] == "rtmr0");
    CHECK(rtmr0["verdict"] == "different");
    CHECK(rtmr0["first_difference"]["index"] == 0);
    CHECK(rtmr0["first_difference"]["expected"]["kind"] == "td_hob");
    CHECK(rtmr0["first_difference"]["actual"]["data"]["description"] == "TdxTable");
    CHECK(rtmr0["first_difference"]["depends_on"][0] == "memory size");
    CHECK(doc["registers"][1]["verdict"] == "match");
    CHECK(doc["registers"][2]["verdict"] == "match");

    auto text = compare(f);
    CHECK_THAT(text.out, TDX_CONTAINS("rtmr0  DIFFERENT  rtmr0 event 0 (td_hob) differs"));
    CHECK_THAT(text.out, TDX_CONTAINS("depends on: memory size"));
    CHECK_THAT(text.out, TDX_CONTAINS("events at the same position in both: 13, differing: 0 (td_hob)"));
    CHECK(doc["registers"][0]["differing"] == json::array({0}));
}

TEST_CASE("eventlog compare: the tool's own measurements.json, memory size changed") {
    // `tdximage measure` on a synthetic firmware predicts only the TD HOB and
    // CFV of RTMR0; a log from a 4 GiB TD differs from the 2 GiB prediction
    // at the TD HOB even so, and the 2 GiB log cannot be decided.
    TempDir d;
    write_bytes(d / "fw.fd", TdvfBuilder{}.build());
    auto m2 = run_tool({"measure", "--ovmf", (d / "fw.fd").string(), "--memory", "2G", "--json"});
    auto m4 = run_tool({"measure", "--ovmf", (d / "fw.fd").string(), "--memory", "4G", "--json"});
    REQUIRE(m2.exit_code == 0);
    REQUIRE(m4.exit_code == 0);
    const json doc2 = json::parse(m2.out);
    write_text(d / "m2.json", m2.out);
    write_bytes(d / "ccel-4g.bin", ccel_of_document(json::parse(m4.out)));
    write_bytes(d / "ccel-2g.bin", ccel_of_document(doc2));

    auto diff = run_tool({"eventlog", "compare", (d / "ccel-4g.bin").string(), "--expected", (d / "m2.json").string()});
    INFO(diff.out << diff.err);
    CHECK(diff.exit_code == 1);
    CHECK_THAT(diff.out, TDX_CONTAINS("rtmr0  DIFFERENT  rtmr0 event 0 (td_hob) differs; rtmr0 as a whole is not predicted"));
    CHECK_THAT(diff.out, TDX_CONTAINS("depends on: memory size"));

    auto same = run_tool({"eventlog", "compare", (d / "ccel-2g.bin").string(), "--expected", (d / "m2.json").string()});
    INFO(same.out << same.err);
    CHECK(same.exit_code == 2);
    CHECK_THAT(same.out, TDX_CONTAINS("rtmr0  undecided"));
    CHECK_THAT(same.err, TDX_CONTAINS("cannot decide: rtmr0 not predicted by"));
}

TEST_CASE("eventlog compare: an unpredicted RTMR0 with RTMR0 events in the log is exit 2 unless left out") {
    Files f({}, {}, false);
    auto r = compare(f);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, TDX_CONTAINS("rtmr0  undecided  the expected document does not predict rtmr0 (RTMR0 includes QEMU's ACPI tables"));
    CHECK_THAT(r.out, TDX_CONTAINS("result: undecided (rtmr0: not predicted"));
    CHECK_THAT(r.err, TDX_CONTAINS("cannot decide: rtmr0 not predicted by"));

    auto narrowed = compare(f, {"--registers", "rtmr1,rtmr2"});
    CHECK(narrowed.exit_code == 0);
    CHECK_THAT(narrowed.out, TDX_CONTAINS("result: match (rtmr1, rtmr2)"));
    CHECK(narrowed.out.find("rtmr0") == std::string::npos);

    auto asked = compare(f, {"--registers", "rtmr3"});
    CHECK(asked.exit_code == 2);
    auto bad = compare(f, {"--registers", "rtmr1,pcr7"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, TDX_CONTAINS("--registers: 'pcr7' is not one of rtmr0, rtmr1, rtmr2, rtmr3"));
}

TEST_CASE("eventlog show and replay: every event decoded, the registers replayed") {
    Files f({});
    auto s = run_tool({"eventlog", "show", f.log});
    INFO(s.err);
    REQUIRE(s.exit_code == 0);
    CHECK_THAT(s.out, TDX_CONTAINS("algorithms  sha384 (0xc, 48-byte digests)"));
    CHECK_THAT(s.out, TDX_CONTAINS("header index 1"));
    CHECK_THAT(s.out, TDX_CONTAINS("rtmr0                  EV_EFI_HANDOFF_TABLES2"));
    CHECK_THAT(s.out, TDX_CONTAINS("data    \"TdxTable\", 1 table: HOB list at 0x809000"));
    CHECK_THAT(s.out, TDX_CONTAINS("data    SecureBoot (EFI global variable), 0 bytes"));
    CHECK_THAT(s.out, TDX_CONTAINS("sha384  9dc3a1f80bcec915391dcda5ffbb15e7419f77eab462bbf72b42166fb70d50325e37b36f93537a863769bcf9bedae6fb"));
    CHECK_THAT(s.out, TDX_CONTAINS("Boot0000 (EFI global variable), 62 bytes: \"UiApp\""));
    CHECK_THAT(s.out, TDX_CONTAINS("rtmr2                  EV_EVENT_TAG"));

    const auto events = boot_events({});
    auto r = run_tool({"eventlog", "replay", f.log});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "rtmr0 " + to_hex(replay(events, 0)) + "\nrtmr1 " + to_hex(replay(events, 1)) + "\nrtmr2 " + to_hex(replay(events, 2)) +
                       "\nrtmr3 " + std::string(96, '0') + "\n");

    auto sj = run_tool({"eventlog", "show", f.log, "--json"});
    REQUIRE(sj.exit_code == 0);
    const json doc = json::parse(sj.out);
    CHECK(doc["schema"] == "tdximage.eventlog/v1");
    CHECK(doc["file"] == "ccel.bin");
    CHECK(doc["mapping"] == "tdx");
    CHECK(doc["events"].size() == events.size());
    CHECK(doc["events"][0]["register"] == "rtmr0");
    CHECK(doc["events"][0]["log_index"] == 1);
    CHECK(doc["events"][0]["digest"] == to_hex(events[0].digest));
    CHECK(doc["events"][0]["data"]["format"] == "handoff_tables2");
    CHECK(doc["registers"]["rtmr2"]["value"] == to_hex(replay(events, 2)));
    CHECK(doc["registers"]["rtmr2"]["events"] == 2);

    auto rj = run_tool({"eventlog", "replay", f.log, "--json"});
    REQUIRE(rj.exit_code == 0);
    CHECK(!json::parse(rj.out).contains("events"));
    CHECK(json::parse(rj.out)["registers"] == doc["registers"]);

    // The same CCEL read as a TPM log: MR index n is PCR n.
    auto tpm = run_tool({"eventlog", "show", "--tpm", f.log});
    REQUIRE(tpm.exit_code == 0);
    CHECK_THAT(tpm.out, TDX_CONTAINS("pcr1 -> rtmr0"));
    CHECK_THAT(tpm.out, TDX_CONTAINS("PCRs (SHA-384 bank)"));
}

TEST_CASE("eventlog: bad logs and bad expected documents give exit 2 naming the file and the offset or key") {
    TempDir d;
    const auto good = ccel_of({});
    write_text(d / "m.json", measurements_json(boot_events({})).dump());
    struct Case {
        std::string name;
        std::vector<std::uint8_t> bytes;
        std::string message;
    };
    std::vector<Case> cases;
    cases.push_back({"empty.bin", {}, "empty.bin: the event log is empty"});
    cases.push_back({"truncated.bin", std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() - 30)),
                     "truncated.bin: record at offset 0x"});
    {
        std::vector<std::uint8_t> g(512);
        for (std::size_t i = 0; i < g.size(); ++i) g[i] = static_cast<std::uint8_t>(i * 151 + 7);
        cases.push_back({"garbage.bin", g, "garbage.bin: record at offset 0x0: the first record has event type"});
    }
    cases.push_back({"unknown-size.bin", log_with({{kTpmAlgSha384, 48}, {0x0042, 0}}),
                     "unknown-size.bin: record at offset 0x0: Spec ID event: algorithm 1 (id 0x0042) has digest size 0"});
    cases.push_back({"wrong-size.bin", log_with({{kTpmAlgSha384, 32}}),
                     "algorithm 0 (id 0x000c) has digest size 32, but that algorithm's digests are 48 bytes"});
    {
        std::vector<std::uint8_t> rec;
        scenario_detail::put_le(rec, 2, 4);
        scenario_detail::put_le(rec, ev::kEfiAction, 4);
        scenario_detail::put_le(rec, 1, 4);
        scenario_detail::put_le(rec, kTpmAlgSha384, 2);
        rec.insert(rec.end(), 48, 0x11);
        scenario_detail::put_le(rec, 0xfffffff0u, 4);
        rec.insert(rec.end(), 16, 'x');
        cases.push_back(
            {"absurd-size.bin", log_with({{kTpmAlgSha384, 48}}, rec), "absurd-size.bin: record at offset 0x41: event size 0xfffffff0"});
    }
    cases.push_back({"sha256-only.bin", log_with({{kTpmAlgSha256, 32}}), "sha256-only.bin: the log has no SHA-384 digests"});
    {
        // The prediction given where the log goes: said so by every command.
        const std::string text = "\n  " + measurements_json(boot_events({})).dump(2);
        cases.push_back({"measurements.json", std::vector<std::uint8_t>(text.begin(), text.end()),
                         "measurements.json: this is a JSON document, not a binary TCG event log (give measurements.json to --expected, "
                         "or a CCEL/TPM log here)"});
    }
    for (const Case& c : cases) {
        write_bytes(d / c.name, c.bytes);
        for (const std::vector<std::string>& cmd :
             {std::vector<std::string>{"eventlog", "show", (d / c.name).string()},
              std::vector<std::string>{"eventlog", "replay", "--json", (d / c.name).string()},
              std::vector<std::string>{"eventlog", "compare", (d / c.name).string(), "--expected", (d / "m.json").string()}}) {
            INFO(c.name << " " << cmd[1]);
            auto r = run_tool(cmd);
            CHECK(r.exit_code == 2);
            CHECK(r.out.empty());
            CHECK_THAT(r.err, TDX_CONTAINS(c.message));
        }
    }

    auto missing = run_tool({"eventlog", "show", (d / "nope.bin").string()});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, TDX_CONTAINS("nope.bin: cannot open"));
    auto dir = run_tool({"eventlog", "show", d.path().string()});
    CHECK(dir.exit_code == 2);
    CHECK_THAT(dir.err, TDX_CONTAINS("is a directory"));

    write_bytes(d / "good.bin", good);
    struct JsonCase {
        std::string name, text, message;
    };
    json wrong_schema = measurements_json(boot_events({}));
    wrong_schema["schema"] = "tdximage.measurements/v2";
    json bad_digest = measurements_json(boot_events({}));
    bad_digest["events"][4]["digest"] = "not hex";
    const std::vector<JsonCase> json_cases = {
        {"broken.json", "{\"schema\": \"tdximage.measurements/v1\",", "broken.json: not valid JSON"},
        {"empty.json", "", "empty.json: not valid JSON"},
        {"schema.json", wrong_schema.dump(), "schema.json: schema: \"tdximage.measurements/v2\" is not \"tdximage.measurements/v1\""},
        {"digest.json", bad_digest.dump(), "digest.json: events[4].digest: expected 96 hex digits"},
        {"array.json", "[1, 2]", "array.json: (document): expected a JSON object"},
    };
    for (const JsonCase& c : json_cases) {
        INFO(c.name);
        write_text(d / c.name, c.text);
        auto r = run_tool({"eventlog", "compare", (d / "good.bin").string(), "--expected", (d / c.name).string()});
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK_THAT(r.err, TDX_CONTAINS(c.message));
    }
    auto no_expected = run_tool({"eventlog", "compare", (d / "good.bin").string(), "--expected", (d / "none.json").string()});
    CHECK(no_expected.exit_code == 2);
    CHECK_THAT(no_expected.err, TDX_CONTAINS("none.json: cannot open"));
    auto usage = run_tool({"eventlog", "compare", (d / "good.bin").string()});
    CHECK(usage.exit_code == 2);
    CHECK_THAT(usage.err, TDX_CONTAINS("--expected"));
}
