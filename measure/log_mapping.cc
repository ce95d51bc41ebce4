#include "measure/log_mapping.h"

#include "base/error.h"
#include "measure/event_types.h"

namespace tdx {

std::optional<int> rtmr_of_index(std::uint32_t index, LogMapping mapping) {
    if (mapping == LogMapping::Tdx) {
        if (index >= 1 && index <= 4) return static_cast<int>(index) - 1;
        return std::nullopt;
    }
    if (index == 1 || index == 7) return 0;
    if (index >= 2 && index <= 6) return 1;
    if (index >= 8 && index <= 15) return 2;
    return std::nullopt;
}

std::optional<int> rtmr_of_event(const TcgEvent& e, LogMapping mapping) {
    if (e.type == ev::kNoAction) return std::nullopt;
    return rtmr_of_index(e.index, mapping);
}

std::string rtmr_name(int rtmr) { return "rtmr" + std::to_string(rtmr); }

void require_sha384(const TcgEventLog& log, const std::string& name) {
    std::string algs;
    for (const TcgAlgorithm& a : log.algorithms) {
        if (a.id == kTpmAlgSha384) return;
        algs += (algs.empty() ? "" : ", ") + hex_u64(a.id) + "/" + std::to_string(a.digest_size) + " bytes";
    }
    fail(name + ": the log has no SHA-384 digests (its Spec ID event lists " + algs +
         "); RTMRs are SHA-384 registers, so it cannot be replayed");
}

RtmrReplay replay_rtmrs(const TcgEventLog& log, LogMapping mapping, const std::string& name) {
    require_sha384(log, name);
    RtmrReplay r;
    for (const TcgEvent& e : log.events) {
        const std::optional<int> rtmr = rtmr_of_event(e, mapping);
        if (!rtmr) {
            ++r.not_replayed;
            continue;
        }
        const std::optional<Digest384> d = e.sha384();
        if (!d) {
            fail(name + ": record at offset " + hex_u64(e.offset) + " (index " + std::to_string(e.index) + ", " + event_type_name(e.type) +
                 ") has no SHA-384 digest to extend into " + rtmr_name(*rtmr));
        }
        const auto i = static_cast<std::size_t>(*rtmr);
        extend_register(r.value[i], *d);
        ++r.events[i];
    }
    return r;
}

}  // namespace tdx
