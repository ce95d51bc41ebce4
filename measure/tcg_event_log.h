// TCG2 "crypto agile" event logs (TCG PC Client Platform Firmware Profile,
// section 10): the format of a TPM's binary_bios_measurements and of a TD's
// CCEL log. The first record is a legacy SHA-1-format TCG_PCClientPCREvent
// carrying the "Spec ID Event03" structure, which lists the digest algorithms
// and their sizes; every further record is a TCG_PCR_EVENT2.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/digest.h"

namespace tdx {

inline constexpr std::uint16_t kTpmAlgSha1 = 0x0004;
inline constexpr std::uint16_t kTpmAlgSha256 = 0x000B;
inline constexpr std::uint16_t kTpmAlgSha384 = 0x000C;
inline constexpr std::uint16_t kTpmAlgSha512 = 0x000D;

// "sha1", "sha256", "sha384", "sha512", "sm3_256", "sha3_256", ...; "0x0042" for others.
std::string tcg_algorithm_name(std::uint16_t id);

struct TcgAlgorithm {
    std::uint16_t id = 0;
    std::uint16_t digest_size = 0;
};

struct TcgEvent {
    std::uint64_t offset = 0;                                    // file offset of the record
    std::uint32_t index = 0;                                     // PCR index (TPM) or MR index (TDX CCEL)
    std::uint32_t type = 0;                                      // EV_* value, see measure/event_types.h
    std::map<std::uint16_t, std::vector<std::uint8_t>> digests;  // algorithm id -> digest
    std::vector<std::uint8_t> data;                              // the event data
    std::optional<Digest384> sha384() const;
};

// The header fields of the Spec ID event besides its algorithm table.
struct TcgSpecId {
    std::uint32_t header_index = 0;  // PCRIndex of the header record: 0 in a TPM log, 1 in TDVF's CCEL
    std::uint32_t platform_class = 0;
    std::uint8_t version_major = 0;
    std::uint8_t version_minor = 0;
    std::uint8_t errata = 0;
    std::uint8_t uintn_size = 0;
    std::vector<std::uint8_t> vendor_info;
};

struct TcgEventLog {
    std::vector<TcgAlgorithm> algorithms;  // from the Spec ID event
    std::vector<TcgEvent> events;          // every record after the Spec ID event, EV_NO_ACTION included
    TcgSpecId spec_id;
    std::uint64_t end_offset = 0;  // where the records stop: the input's end, the 0xFF end marker or zero padding
};

// Parses a crypto-agile log. Stops at the end of the input, at a record
// whose index or type is 0xFFFFFFFF (the unused tail of a pre-allocated log
// area; a tail shorter than a record header that is all 0xFF counts too), or
// where only zero bytes remain (a zero-filled log area; zeros followed by
// anything else are an error).
// A record may carry at most one digest per algorithm of the Spec ID table,
// and no other. Throws tdx::Error naming `name`, the record offset and the
// field for malformed input. The records after the Spec ID event and each
// record's event data are bounded by the limits event-count and event-size
// (base/limits.h).
TcgEventLog parse_tcg2_event_log(Bytes log, const std::string& name);

// Replays the SHA-384 digests of `index` (skipping EV_NO_ACTION) from a zero
// register: R = SHA384(R || digest).
Digest384 replay_sha384(const TcgEventLog& log, std::uint32_t index);

// Parses an EV_EVENT_TAG payload (TCG_PCClientTaggedEvent: u32 id, u32 size, data).
struct TaggedEvent {
    std::uint32_t id = 0;
    std::vector<std::uint8_t> data;
};
std::optional<TaggedEvent> parse_tagged_event(Bytes data);

}  // namespace tdx
