// The CCEL writer: its header is TDVF's, its records parse back with the
// project's parser and replay to the registers the events replay to.
#include "measure/tcg_event_log_writer.h"

#include <string>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "measure/event_types.h"
#include "measure/log_mapping.h"
#include "measure/tcg_event_log.h"
#include "measure/uefi_variable.h"
#include "tests/support/catch.h"

using namespace tdx;

namespace {

MeasuredEvent event(int rtmr, std::uint32_t type, const std::string& preimage, EventKind kind, std::vector<std::uint8_t> data) {
    return {rtmr, type, sha384(std::string_view(preimage)), preimage, kind, std::move(data)};
}

std::vector<MeasuredEvent> sample_events() {
    const auto sb = uefi_variable_data(efi_global_variable_guid(), "SecureBoot", {});
    std::vector<MeasuredEvent> e;
    e.push_back({0, ev::kEfiVariableDriverConfig, sha384(Bytes(sb.data(), sb.size())), "SecureBoot", EventKind::SecureBootVariable, sb});
    e.push_back(separator_event(0, "separator"));
    e.push_back(event(1, ev::kEfiBootServicesApplication, "kernel", EventKind::Kernel, std::vector<std::uint8_t>(32 + 4, 0)));
    e.push_back(event(1, ev::kEfiAction, kCallingEfiApplication, EventKind::Action,
                      std::vector<std::uint8_t>(kCallingEfiApplication, kCallingEfiApplication + 40)));
    e.push_back(event(2, ev::kEventTag, "cmdline", EventKind::LoadOptions, {0xed, 0x22, 0x3b, 0x8f, 1, 0, 0, 0, 0}));
    e.push_back(event(0, ev::kEfiVariableBoot, "boot order", EventKind::BootOrder, {}));  // interleaved on purpose
    e.push_back(event(3, ev::kEventTag, "runtime", EventKind::Action, {}));
    return e;
}

}  // namespace

TEST_CASE("tcg_event_log_writer: header bytes are TDVF's SetupCcEventLog header") {
    const auto log = write_tdx_event_log({});
    const std::string hex = to_hex(Bytes(log.data(), log.size()));
    // PCRIndex 1, EV_NO_ACTION, 20 zero bytes, event size 33, then the Spec ID
    // event: signature, platformClass 0, 2.0 errata 0, uintnSize 2, one
    // algorithm 0x000c/48, vendorInfoSize 0.
    CHECK(hex ==
          "01000000"
          "03000000" +
              std::string(40, '0') + "21000000" +
              "53706563204944204576656e74303300"
              "00000000"
              "00020002"
              "01000000"
              "0c003000"
              "00");
    auto parsed = parse_tcg2_event_log(Bytes(log.data(), log.size()), "ccel");
    CHECK(parsed.events.empty());
    CHECK(parsed.spec_id.header_index == 1);
    CHECK(parsed.spec_id.version_major == 2);
    CHECK(parsed.spec_id.version_minor == 0);
    CHECK(parsed.spec_id.errata == 0);
    CHECK(parsed.spec_id.uintn_size == 2);
    CHECK(parsed.spec_id.platform_class == 0);
    CHECK(parsed.spec_id.vendor_info.empty());
    CHECK(parsed.end_offset == log.size());
}

TEST_CASE("tcg_event_log_writer: records parse back and replay to the same registers") {
    const auto events = sample_events();
    const auto log = write_tdx_event_log(events);
    const auto parsed = parse_tcg2_event_log(Bytes(log.data(), log.size()), "ccel");
    REQUIRE(parsed.algorithms.size() == 1);
    CHECK(parsed.algorithms[0].id == kTpmAlgSha384);
    CHECK(parsed.algorithms[0].digest_size == 48);
    REQUIRE(parsed.events.size() == events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        INFO(i);
        const TcgEvent& e = parsed.events[i];
        CHECK(e.index == static_cast<std::uint32_t>(events[i].rtmr + 1));
        CHECK(e.type == events[i].type);
        CHECK(e.digests.size() == 1);
        REQUIRE(e.sha384().has_value());
        CHECK(*e.sha384() == events[i].digest);
        CHECK(e.data == events[i].data);
    }
    const RtmrReplay r = replay_rtmrs(parsed, LogMapping::Tdx, "ccel");
    for (int i = 0; i < 4; ++i) {
        INFO(i);
        CHECK(replay_sha384(parsed, static_cast<std::uint32_t>(i + 1)) == replay(events, i));
        CHECK(r.value[static_cast<std::size_t>(i)] == replay(events, i));
    }
    CHECK(r.events == std::array<std::size_t, 4>{3, 2, 1, 1});
    CHECK(r.not_replayed == 0);
}

TEST_CASE("tcg_event_log_writer: refuses registers outside RTMR0-3") {
    auto bad = sample_events();
    bad[1].rtmr = 4;
    CHECK_THROWS_WITH(write_tdx_event_log(bad), TDX_CONTAINS("event 1 (separator): RTMR 4 is not 0..3"));
    bad[1].rtmr = -1;
    CHECK_THROWS_AS(write_tdx_event_log(bad), Error);
}
