#include "measure/tcg_event_log.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/limits.h"
#include "measure/event_types.h"

namespace tdx {
namespace {

// Bounds on untrusted sizes. A real firmware log holds a few hundred events
// of at most a few KiB each; these bounds (and the event-count and event-size
// limits) only keep a hostile or corrupt input from making the parser allocate without end.
constexpr std::uint32_t kMaxAlgorithms = 16;
// The Spec ID event: fixed fields, kMaxAlgorithms entries and at most 255
// bytes of vendor data, far below this.
constexpr std::uint64_t kMaxSpecIdEventSize = 0x10000;
constexpr std::uint16_t kMaxDigestSize = 64;  // SHA-512 is the largest TCG digest
constexpr std::uint32_t kEndMarker = 0xFFFFFFFFu;
constexpr std::uint64_t kSha1DigestSize = 20;

constexpr char kSpecIdSignature[16] = "Spec ID Event03";        // includes the NUL
constexpr char kLegacySpecIdSignature[16] = "Spec ID Event00";  // SHA-1-only log

std::string hex16(std::uint16_t v) {
    std::ostringstream s;
    s << "0x";
    s.width(4);
    s.fill('0');
    s << std::hex << v;
    return s.str();
}

// Digest size of the algorithms whose size is fixed by their definition
// (TCG Algorithm Registry); 0 for others.
std::uint16_t known_digest_size(std::uint16_t alg) {
    switch (alg) {
        case kTpmAlgSha1: return 20;
        case kTpmAlgSha256: return 32;
        case kTpmAlgSha384: return 48;
        case kTpmAlgSha512: return 64;
        case 0x0012: return 32;  // SM3_256
        case 0x0027: return 32;  // SHA3_256
        case 0x0028: return 48;  // SHA3_384
        case 0x0029: return 64;  // SHA3_512
        default: return 0;
    }
}

// Reads fields of one record, turning a short read into an error that names
// the file, the record offset and the field.
class RecordCursor {
public:
    // max_event_size: the event-size limit, or none for the Spec ID header,
    // which has a fixed bound of its own.
    RecordCursor(Bytes log, std::uint64_t record_offset, const std::string& name, std::optional<std::uint64_t> max_event_size)
        : log_(log),
          pos_(record_offset),
          max_event_size_(max_event_size.value_or(kMaxSpecIdEventSize)),
          is_header_(!max_event_size),
          context_(name + ": record at offset " + hex_u64(record_offset)) {}

    const std::string& context() const { return context_; }
    std::uint64_t pos() const { return pos_; }
    std::uint64_t remaining() const { return log_.size() - pos_; }

    [[noreturn]] void error(const std::string& what) const { fail(context_ + ": " + what); }

    void need(std::uint64_t n, const std::string& field) const {
        if (n > remaining()) {
            error(field + " runs past the end of the log (" + std::to_string(n) + " bytes needed at offset " + hex_u64(pos_) + ", " +
                  std::to_string(remaining()) + " left)");
        }
    }
    std::uint8_t u8(const char* field) {
        need(1, field);
        auto v = load_u8(log_, pos_, field);
        pos_ += 1;
        return v;
    }
    std::uint16_t le16(const char* field) {
        need(2, field);
        auto v = load_le16(log_, pos_, field);
        pos_ += 2;
        return v;
    }
    std::uint32_t le32(const char* field) {
        need(4, field);
        auto v = load_le32(log_, pos_, field);
        pos_ += 4;
        return v;
    }
    Bytes bytes(std::uint64_t n, const std::string& field) {
        need(n, field);
        Bytes b = slice(log_, pos_, n, context_ + ": " + field);
        pos_ += n;
        return b;
    }
    // An event size field followed by that many bytes of event data.
    Bytes sized_event(const char* field) {
        std::uint64_t at = pos_;
        std::uint32_t size = le32(field);
        if (size > max_event_size_) {
            const std::string what = std::string(field) + " " + hex_u64(size) + " (at offset " + hex_u64(at) + ")";
            if (is_header_) error(what + " exceeds the " + hex_u64(max_event_size_) + " bytes a Spec ID event can hold");
            error(exceeded_message(Limit::EventSize, "", what));
        }
        if (size > remaining()) {
            error(std::string(field) + " " + hex_u64(size) + " (at offset " + hex_u64(at) + ") runs past the end of the log (" +
                  std::to_string(remaining()) + " bytes left)");
        }
        return bytes(size, "event data");
    }

private:
    Bytes log_;
    std::uint64_t pos_;
    std::uint64_t max_event_size_;
    bool is_header_;
    std::string context_;
};

// Decodes the TCG_EfiSpecIDEvent structure carried by the first record.
std::vector<TcgAlgorithm> parse_spec_id(Bytes event, const RecordCursor& rec, TcgSpecId& info) {
    const std::string where = "Spec ID event";
    auto bad = [&](const std::string& what) { rec.error(where + ": " + what); };
    std::uint64_t pos = 0;
    auto need = [&](std::uint64_t n, const char* field) {
        if (n > event.size() - pos) {
            bad(std::string(field) + " runs past the end of the " + std::to_string(event.size()) + "-byte event (" + std::to_string(n) +
                " bytes needed at event offset " + hex_u64(pos) + ")");
        }
    };

    need(16, "signature");
    Bytes sig = slice(event, pos, 16, rec.context() + ": Spec ID signature");
    pos += 16;
    if (std::memcmp(sig.data(), kSpecIdSignature, 16) != 0) {
        if (std::memcmp(sig.data(), kLegacySpecIdSignature, 16) == 0) {
            bad("signature is \"Spec ID Event00\": a SHA-1-only (TCG 1.2 format) log, not a crypto-agile TCG2 log");
        }
        std::string shown;
        for (std::uint8_t c : sig) {
            if (c == 0) break;
            shown += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
        }
        bad("signature \"" + shown + "\" is not \"Spec ID Event03\"; not a TCG2 crypto-agile log");
    }
    need(4 + 4 + 4, "platformClass, version, uintnSize and numberOfAlgorithms");
    info.platform_class = load_le32(event, pos, "platformClass");
    info.version_minor = load_u8(event, pos + 4, "specVersionMinor");
    info.version_major = load_u8(event, pos + 5, "specVersionMajor");
    info.errata = load_u8(event, pos + 6, "specErrata");
    info.uintn_size = load_u8(event, pos + 7, "uintnSize");
    pos += 8;
    std::uint32_t count = load_le32(event, pos, "numberOfAlgorithms");
    pos += 4;
    if (count == 0) bad("numberOfAlgorithms is 0");
    if (count > kMaxAlgorithms) {
        bad("numberOfAlgorithms " + std::to_string(count) + " exceeds the limit of " + std::to_string(kMaxAlgorithms));
    }
    std::vector<TcgAlgorithm> algs;
    std::set<std::uint16_t> seen;
    for (std::uint32_t i = 0; i < count; ++i) {
        need(4, "digest size table");
        TcgAlgorithm a;
        a.id = load_le16(event, pos, "algorithmId");
        a.digest_size = load_le16(event, pos + 2, "digestSize");
        pos += 4;
        const std::string entry = "algorithm " + std::to_string(i) + " (id " + hex16(a.id) + ")";
        if (!seen.insert(a.id).second) bad(entry + " is listed twice");
        if (a.digest_size == 0 || a.digest_size > kMaxDigestSize) {
            bad(entry + " has digest size " + std::to_string(a.digest_size) + ", outside 1.." + std::to_string(kMaxDigestSize));
        }
        std::uint16_t expected = known_digest_size(a.id);
        if (expected != 0 && expected != a.digest_size) {
            bad(entry + " has digest size " + std::to_string(a.digest_size) + ", but that algorithm's digests are " + std::to_string(expected) +
                " bytes");
        }
        algs.push_back(a);
    }
    need(1, "vendorInfoSize");
    std::uint8_t vendor_size = load_u8(event, pos, "vendorInfoSize");
    pos += 1;
    need(vendor_size, "vendorInfo");
    Bytes vendor = slice(event, pos, vendor_size, rec.context() + ": vendorInfo");
    info.vendor_info.assign(vendor.begin(), vendor.end());
    pos += vendor_size;
    if (pos != event.size()) {
        bad(std::to_string(event.size() - pos) + " unexpected bytes after vendorInfo (event size " + std::to_string(event.size()) +
            ", structure ends at " + std::to_string(pos) + ")");
    }
    return algs;
}

bool is_end_marker(Bytes log, std::uint64_t offset) {
    // The unused tail of a pre-allocated log area reads 0xFF. A tail shorter
    // than a record header that is all 0xFF is treated the same way.
    std::uint64_t left = log.size() - offset;
    if (left >= 8) {
        return load_le32(log, offset, "PCR index") == kEndMarker || load_le32(log, offset + 4, "event type") == kEndMarker;
    }
    for (std::uint64_t i = offset; i < log.size(); ++i) {
        if (load_u8(log, i, "tail") != 0xFF) return false;
    }
    return true;
}

// Zero bytes where a record would start: a log area filled with zeros after
// its last event (CCEL tables are handed out padded to their full length).
// An all-zero header is no event (PCR 0, type 0 with no digest: every
// crypto-agile record carries at least one), so the log ends there; it is
// never read as a run of empty records. Non-zero bytes after such a header
// are not padding, and are refused rather than skipped unseen.
bool is_zero_padding(Bytes log, std::uint64_t offset, const std::string& name) {
    const std::uint64_t header = std::min<std::uint64_t>(12, log.size() - offset);
    for (std::uint64_t i = offset; i < offset + header; ++i)
        if (load_u8(log, i, "record header") != 0) return false;
    for (std::uint64_t i = offset + header; i < log.size(); ++i)
        if (load_u8(log, i, "padding") != 0)
            fail(name + ": record at offset " + hex_u64(offset) + ": an all-zero record header (PCR index 0, event type 0, no digest) " +
                 "starts zero padding, but a non-zero byte follows at offset " + hex_u64(i));
    return true;
}

// A measurements.json given where the binary log goes: text whose first
// non-blank byte opens an object or an array. A binary log starts with the
// little-endian PCR index of its header record (0 or 1), never with these.
bool looks_like_json(Bytes log) {
    for (std::uint64_t i = 0; i < log.size(); ++i) {
        const std::uint8_t c = load_u8(log, i, "first byte");
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        return c == '{' || c == '[';
    }
    return false;
}

}  // namespace

std::string tcg_algorithm_name(std::uint16_t id) {
    switch (id) {
        case kTpmAlgSha1: return "sha1";
        case kTpmAlgSha256: return "sha256";
        case kTpmAlgSha384: return "sha384";
        case kTpmAlgSha512: return "sha512";
        case 0x0012: return "sm3_256";
        case 0x0027: return "sha3_256";
        case 0x0028: return "sha3_384";
        case 0x0029: return "sha3_512";
        default: return hex16(id);
    }
}

std::optional<Digest384> TcgEvent::sha384() const {
    auto it = digests.find(kTpmAlgSha384);
    if (it == digests.end() || it->second.size() != 48) return std::nullopt;
    Digest384 d{};
    std::memcpy(d.data(), it->second.data(), d.size());
    return d;
}

TcgEventLog parse_tcg2_event_log(Bytes log, const std::string& name) {
    const std::uint64_t max_event_size = limit(Limit::EventSize), max_events = limit(Limit::EventCount);
    if (log.empty()) fail(name + ": the event log is empty");
    if (looks_like_json(log))
        fail(name + ": this is a JSON document, not a binary TCG event log (give measurements.json to --expected, or a CCEL/TPM log here)");
    TcgEventLog out;

    // Record 0: legacy TCG_PCClientPCREvent with the Spec ID event. It is a
    // format header, not a measurement: it is not reported in `events`.
    if (is_end_marker(log, 0)) fail(name + ": the log area holds no events (it starts with 0xFFFFFFFF)");
    RecordCursor header(log, 0, name, std::nullopt);
    out.spec_id.header_index = header.le32("PCR index");
    std::uint32_t header_type = header.le32("event type");
    if (header_type != ev::kNoAction) {
        header.error("the first record has event type " + hex_u64(header_type) + " (" + event_type_name(header_type) +
                     "), not EV_NO_ACTION with the Spec ID event; not a TCG2 crypto-agile log");
    }
    header.bytes(kSha1DigestSize, "SHA-1 digest");
    out.algorithms = parse_spec_id(header.sized_event("event size"), header, out.spec_id);
    std::uint64_t offset = header.pos();

    while (offset < log.size()) {
        if (is_end_marker(log, offset) || is_zero_padding(log, offset, name)) break;
        if (out.events.size() >= max_events) exceeded(Limit::EventCount, name + ": record at offset " + hex_u64(offset), "the number of events");
        RecordCursor rec(log, offset, name, max_event_size);
        TcgEvent e;
        e.offset = offset;
        e.index = rec.le32("PCR index");
        e.type = rec.le32("event type");
        std::uint32_t count = rec.le32("digest count");
        if (count > out.algorithms.size()) {
            rec.error("digest count " + std::to_string(count) + " exceeds the " + std::to_string(out.algorithms.size()) +
                      " algorithms listed in the Spec ID event");
        }
        for (std::uint32_t i = 0; i < count; ++i) {
            std::uint16_t alg = rec.le16("digest algorithm id");
            const TcgAlgorithm* spec = nullptr;
            for (const auto& a : out.algorithms) {
                if (a.id == alg) spec = &a;
            }
            const std::string what = "digest " + std::to_string(i) + " (algorithm " + hex16(alg) + ")";
            if (spec == nullptr) rec.error(what + ": the Spec ID event does not list this algorithm");
            if (e.digests.count(alg) != 0) rec.error(what + ": the record has two digests of this algorithm");
            Bytes d = rec.bytes(spec->digest_size, what);
            e.digests.emplace(alg, std::vector<std::uint8_t>(d.begin(), d.end()));
        }
        Bytes data = rec.sized_event("event size");
        e.data.assign(data.begin(), data.end());
        offset = rec.pos();
        out.events.push_back(std::move(e));
    }
    out.end_offset = offset;
    return out;
}

Digest384 replay_sha384(const TcgEventLog& log, std::uint32_t index) {
    Digest384 reg{};
    for (const auto& e : log.events) {
        if (e.index != index || e.type == ev::kNoAction) continue;
        auto d = e.sha384();
        if (!d) {
            fail("record at offset " + hex_u64(e.offset) + " (index " + std::to_string(index) + ", " + event_type_name(e.type) +
                 ") has no SHA-384 digest to replay");
        }
        extend_register(reg, *d);
    }
    return reg;
}

std::optional<TaggedEvent> parse_tagged_event(Bytes data) {
    if (data.size() < 8) return std::nullopt;
    TaggedEvent t;
    t.id = load_le32(data, 0, "tagged event id");
    std::uint32_t size = load_le32(data, 4, "tagged event data size");
    if (size > data.size() - 8) return std::nullopt;
    Bytes payload = slice(data, 8, size, "tagged event data");
    t.data.assign(payload.begin(), payload.end());
    return t;
}

}  // namespace tdx
