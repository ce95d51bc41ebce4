// TCG2 crypto-agile event logs (a TD's CCEL, a TPM's binary_bios_measurements):
// the Spec ID header, every TCG_PCR_EVENT2, the replay of each register, and
// the decoders `eventlog show` runs on every record's data.
#include <cstdlib>

#include "measure/event_data.h"
#include "measure/tcg_event_log.h"
#include "measure/tcg_event_log_writer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    const Bytes bytes = fuzz::bytes_of(data, size);
    TcgEventLog log;
    try {
        log = parse_tcg2_event_log(bytes, "fuzz.log");
    } catch (const Error&) {
        // Not a log; the decoders still get the bytes below, as any record's data.
    }
    // A log without a SHA-384 bank cannot be replayed: rejected, not a finding.
    for (std::uint32_t index = 0; index < 4; ++index) fuzz::rejecting([&] { (void)replay_sha384(log, index); });
    // The markers of a predicted log (incomplete registers): never throws.
    for (const PredictionGap& g : read_prediction_gaps(log))
        if (g.rtmr < 0 || g.rtmr > 3) std::abort();
    // Best effort by contract: never throws for any bytes; only the log's
    // budget (event-log-nodes) may end the decoding.
    DecodeBudget budget("fuzz.log");
    for (const TcgEvent& e : log.events) {
        (void)e.sha384();
        (void)parse_tagged_event(Bytes(e.data.data(), e.data.size()));
        fuzz::rejecting([&] { (void)decode_event_data(e.type, Bytes(e.data.data(), e.data.size()), budget); });
    }
    if (size >= 4) {
        // Any type with any payload, beyond the pairs a parsed log holds.
        const std::uint32_t type = load_le32(bytes, 0, "type");
        DecodeBudget one("fuzz.data");
        fuzz::rejecting([&] { (void)decode_event_data(type, bytes.subspan(4), one); });
        (void)parse_tagged_event(bytes.subspan(4));
    }
    return 0;
}
