#include "measure/tcg_event_log_writer.h"

#include <limits>
#include <string>

#include "base/error.h"
#include "measure/event_types.h"
#include "measure/tcg_event_log.h"

namespace tdx {
namespace {

void put_bytes(std::vector<std::uint8_t>& out, Bytes b) { out.insert(out.end(), b.begin(), b.end()); }

std::vector<std::uint8_t> spec_id_event() {
    std::vector<std::uint8_t> e;
    static constexpr char kSignature[16] = "Spec ID Event03";  // NUL included
    for (char c : kSignature) e.push_back(static_cast<std::uint8_t>(c));
    append_le(e, 0, 4);  // platformClass: client (TDVF's PcdTpmPlatformClass default)
    e.push_back(0);      // specVersionMinor
    e.push_back(2);      // specVersionMajor
    e.push_back(0);      // specErrata
    e.push_back(2);      // uintnSize: UINTN is two UINT32s
    append_le(e, 1, 4);  // numberOfAlgorithms
    append_le(e, kTpmAlgSha384, 2);
    append_le(e, 48, 2);
    e.push_back(0);  // vendorInfoSize
    return e;
}

// NUL included, as TCG's own EV_NO_ACTION signatures ("StartupLocality").
constexpr char kGapSignature[] = "tdximage prediction";
constexpr char kGapPrefix[] = "incomplete rtmr";

}  // namespace

std::vector<PredictionGap> read_prediction_gaps(const TcgEventLog& log) {
    std::vector<PredictionGap> out;
    const std::string sig(kGapSignature, sizeof kGapSignature), prefix = kGapPrefix;
    for (const TcgEvent& e : log.events) {
        if (e.type != ev::kNoAction) continue;
        const std::string data(e.data.begin(), e.data.end());
        if (data.compare(0, sig.size(), sig) != 0) continue;
        const std::string text = data.substr(sig.size());
        if (text.compare(0, prefix.size(), prefix) != 0 || text.size() < prefix.size() + 3 || text[prefix.size()] < '0' ||
            text[prefix.size()] > '3' || text.compare(prefix.size() + 1, 2, ": ") != 0)
            continue;
        out.push_back({text[prefix.size()] - '0', text.substr(prefix.size() + 3)});
    }
    return out;
}

std::vector<std::uint8_t> write_tdx_event_log(const std::vector<MeasuredEvent>& events, const std::vector<PredictionGap>& gaps) {
    std::vector<std::uint8_t> out;
    const std::vector<std::uint8_t> spec = spec_id_event();
    // TDVF writes MR index 1 here, not the PCR 0 of a TPM log ("PCRIndex 0
    // maps to MrIndex 1" in SetupCcEventLog); parsers ignore the field.
    append_le(out, 1, 4);
    append_le(out, ev::kNoAction, 4);
    out.insert(out.end(), 20, 0);
    append_le(out, spec.size(), 4);
    put_bytes(out, Bytes(spec.data(), spec.size()));

    for (const PredictionGap& g : gaps) {
        if (g.rtmr < 0 || g.rtmr > 3) fail("prediction gap: RTMR " + std::to_string(g.rtmr) + " is not 0..3");
        std::string data(kGapSignature, sizeof kGapSignature);
        data += kGapPrefix + std::to_string(g.rtmr) + ": " + g.why;
        append_le(out, static_cast<std::uint64_t>(g.rtmr) + 1, 4);
        append_le(out, ev::kNoAction, 4);
        append_le(out, 1, 4);
        append_le(out, kTpmAlgSha384, 2);
        out.insert(out.end(), 48, 0);
        append_le(out, data.size(), 4);
        put_bytes(out, Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
    }

    for (std::size_t i = 0; i < events.size(); ++i) {
        const MeasuredEvent& e = events[i];
        if (e.rtmr < 0 || e.rtmr > 3)
            fail("event " + std::to_string(i) + " (" + e.description + "): RTMR " + std::to_string(e.rtmr) + " is not 0..3");
        if (e.data.size() > std::numeric_limits<std::uint32_t>::max())
            fail("event " + std::to_string(i) + " (" + e.description + "): " + std::to_string(e.data.size()) +
                 " bytes of data do not fit a u32 size");
        append_le(out, static_cast<std::uint64_t>(e.rtmr) + 1, 4);
        append_le(out, e.type, 4);
        append_le(out, 1, 4);  // digest count
        append_le(out, kTpmAlgSha384, 2);
        put_bytes(out, Bytes(e.digest.data(), e.digest.size()));
        append_le(out, e.data.size(), 4);
        put_bytes(out, Bytes(e.data.data(), e.data.size()));
    }
    return out;
}

}  // namespace tdx
