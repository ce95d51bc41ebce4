#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/catch.h"

#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"
#include "measure/event_types.h"
#include "measure/tcg_event_log.h"

using namespace tdx;

namespace {

using Buf = std::vector<std::uint8_t>;

// A minimal writer of TCG2 crypto-agile logs, independent of the parser.
struct LogWriter {
    Buf b;

    void u8(std::uint8_t v) { b.push_back(v); }
    void le16(std::uint16_t v) {
        for (int i = 0; i < 2; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void le32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void raw(const Buf& v) { b.insert(b.end(), v.begin(), v.end()); }
    void raw(const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }

    // The Spec ID event body (TCG_EfiSpecIDEvent).
    static Buf spec_id_body(const std::vector<std::pair<std::uint16_t, std::uint16_t>>& algs,
                            const std::string& signature = std::string("Spec ID Event03", 16), const Buf& vendor = {}) {
        LogWriter w;
        w.raw(signature);
        w.le32(0);  // platformClass
        w.u8(0);    // specVersionMinor
        w.u8(2);    // specVersionMajor
        w.u8(0);    // specErrata
        w.u8(2);    // uintnSize
        w.le32(static_cast<std::uint32_t>(algs.size()));
        for (auto [id, size] : algs) {
            w.le16(id);
            w.le16(size);
        }
        w.u8(static_cast<std::uint8_t>(vendor.size()));
        w.raw(vendor);
        return w.b;
    }

    // Record 0: the legacy SHA-1-format header carrying `body`.
    void header(const Buf& body, std::uint32_t type = ev::kNoAction) {
        le32(0);
        le32(type);
        raw(Buf(20, 0));
        le32(static_cast<std::uint32_t>(body.size()));
        raw(body);
    }

    // A TCG_PCR_EVENT2; returns its offset.
    std::size_t event(std::uint32_t index, std::uint32_t type, const std::vector<std::pair<std::uint16_t, Buf>>& digests, const Buf& data) {
        std::size_t at = b.size();
        le32(index);
        le32(type);
        le32(static_cast<std::uint32_t>(digests.size()));
        for (const auto& [alg, d] : digests) {
            le16(alg);
            raw(d);
        }
        le32(static_cast<std::uint32_t>(data.size()));
        raw(data);
        return at;
    }

    Bytes bytes() const { return Bytes(b.data(), b.size()); }
};

Buf text(const std::string& s) { return Buf(s.begin(), s.end()); }

Buf digest_of(const std::string& s) {
    auto d = sha384(s);
    return Buf(d.begin(), d.end());
}

Buf sha256_of(const std::string& s) {
    auto d = sha256(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    return Buf(d.begin(), d.end());
}

// The extend rule, computed here by hashing an explicit 96-byte buffer.
Buf extend(const Buf& reg, const Buf& digest) {
    Buf cat = reg;
    cat.insert(cat.end(), digest.begin(), digest.end());
    auto d = sha384(Bytes(cat.data(), cat.size()));
    return Buf(d.begin(), d.end());
}

std::string hex_of(const Buf& b) { return to_hex(Bytes(b.data(), b.size())); }

const std::vector<std::pair<std::uint16_t, std::uint16_t>> kOnlySha384 = {{kTpmAlgSha384, 48}};
const std::vector<std::pair<std::uint16_t, std::uint16_t>> kSha256Sha384 = {{kTpmAlgSha256, 32}, {kTpmAlgSha384, 48}};

// A valid one-algorithm log with a few events; the tests below corrupt copies of it.
LogWriter small_log() {
    LogWriter w;
    w.header(LogWriter::spec_id_body(kOnlySha384));
    w.event(4, ev::kEfiAction, {{kTpmAlgSha384, digest_of("a")}}, text("a"));
    return w;
}

}  // namespace

TEST_CASE("tcg_event_log: one-algorithm log with EV_NO_ACTION records and a 0xFF tail") {
    LogWriter w;
    w.header(LogWriter::spec_id_body(kOnlySha384));
    std::size_t spec_end = w.b.size();
    std::size_t o1 = w.event(0, ev::kNoAction, {{kTpmAlgSha384, Buf(48, 0)}}, text("StartupLocality\0\3"));
    std::size_t o2 = w.event(2, ev::kEfiBootServicesApplication, {{kTpmAlgSha384, digest_of("kernel")}}, Buf(10, 0xAB));
    std::size_t o3 = w.event(2, ev::kEfiAction, {{kTpmAlgSha384, digest_of("Calling EFI Application from Boot Option")}},
                             text("Calling EFI Application from Boot Option"));
    w.event(2, ev::kNoAction, {{kTpmAlgSha384, digest_of("ignored")}}, text("not extended"));
    w.event(3, ev::kSeparator, {{kTpmAlgSha384, digest_of(std::string(4, '\0'))}}, Buf(4, 0));
    w.event(2, ev::kEfiAction, {{kTpmAlgSha384, digest_of("Exit Boot Services Invocation")}}, text("Exit Boot Services Invocation"));
    std::size_t used = w.b.size();
    w.raw(Buf(4096, 0xFF));

    auto log = parse_tcg2_event_log(w.bytes(), "ccel.bin");
    REQUIRE(log.algorithms.size() == 1);
    CHECK(log.algorithms[0].id == kTpmAlgSha384);
    CHECK(log.algorithms[0].digest_size == 48);
    REQUIRE(log.events.size() == 6);
    CHECK(spec_end == o1);
    CHECK(log.events[0].offset == o1);
    CHECK(log.events[0].type == ev::kNoAction);
    CHECK(log.events[1].offset == o2);
    CHECK(log.events[1].index == 2);
    CHECK(log.events[1].type == ev::kEfiBootServicesApplication);
    CHECK(log.events[1].data == Buf(10, 0xAB));
    CHECK(log.events[2].offset == o3);
    CHECK(log.events[2].data == text("Calling EFI Application from Boot Option"));
    const auto kernel_digest = log.events[1].sha384();
    REQUIRE(kernel_digest.has_value());
    CHECK(Buf(kernel_digest->begin(), kernel_digest->end()) == digest_of("kernel"));
    CHECK(log.events[5].offset + 4 + 4 + 4 + 2 + 48 + 4 + 29 == used);

    // Replay of index 2 from zero skips EV_NO_ACTION and other indices.
    Buf reg(48, 0);
    reg = extend(reg, digest_of("kernel"));
    reg = extend(reg, digest_of("Calling EFI Application from Boot Option"));
    reg = extend(reg, digest_of("Exit Boot Services Invocation"));
    CHECK(to_hex(replay_sha384(log, 2)) == hex_of(reg));
    CHECK(to_hex(replay_sha384(log, 3)) == hex_of(extend(Buf(48, 0), digest_of(std::string(4, '\0')))));
    // An index without events replays to zero; index 0 has only EV_NO_ACTION.
    CHECK(to_hex(replay_sha384(log, 0)) == std::string(96, '0'));
    CHECK(to_hex(replay_sha384(log, 7)) == std::string(96, '0'));
}

TEST_CASE("tcg_event_log: two-algorithm log keeps both digests and replays SHA-384") {
    LogWriter w;
    w.header(LogWriter::spec_id_body(kSha256Sha384, std::string("Spec ID Event03", 16), Buf{1, 2, 3}));
    w.event(9, ev::kEventTag, {{kTpmAlgSha256, sha256_of("cmdline")}, {kTpmAlgSha384, digest_of("cmdline")}},
            Buf{0xED, 0x22, 0x3B, 0x8F, 4, 0, 0, 0, 'a', 'b', 'c', 0});
    // Digest order inside a record need not follow the Spec ID table.
    w.event(9, ev::kEventTag, {{kTpmAlgSha384, digest_of("initrd")}, {kTpmAlgSha256, sha256_of("initrd")}}, Buf{});
    w.event(0, ev::kNoAction, {{kTpmAlgSha256, Buf(32, 0)}, {kTpmAlgSha384, Buf(48, 0)}}, Buf(3, 0));

    auto log = parse_tcg2_event_log(w.bytes(), "binary_bios_measurements");
    REQUIRE(log.algorithms.size() == 2);
    CHECK(log.algorithms[0].id == kTpmAlgSha256);
    CHECK(log.algorithms[0].digest_size == 32);
    CHECK(log.algorithms[1].id == kTpmAlgSha384);
    REQUIRE(log.events.size() == 3);
    CHECK(log.events[0].digests.at(kTpmAlgSha256) == sha256_of("cmdline"));
    CHECK(log.events[0].digests.at(kTpmAlgSha384) == digest_of("cmdline"));
    CHECK(log.events[1].digests.at(kTpmAlgSha256) == sha256_of("initrd"));
    CHECK(log.events[1].data.empty());

    Buf reg = extend(extend(Buf(48, 0), digest_of("cmdline")), digest_of("initrd"));
    CHECK(to_hex(replay_sha384(log, 9)) == hex_of(reg));

    auto tag = parse_tagged_event(Bytes(log.events[0].data.data(), log.events[0].data.size()));
    REQUIRE(tag.has_value());
    CHECK(tag->id == kLinuxLoadOptionsTagId);
    CHECK(tag->data == Buf{'a', 'b', 'c', 0});
}

TEST_CASE("tcg_event_log: the log ends at the input's end, at an 0xFFFFFFFF index or type, or at a short 0xFF tail") {
    SECTION("exact end") {
        auto w = small_log();
        CHECK(parse_tcg2_event_log(w.bytes(), "x").events.size() == 1);
    }
    SECTION("only the Spec ID event") {
        LogWriter w;
        w.header(LogWriter::spec_id_body(kOnlySha384));
        CHECK(parse_tcg2_event_log(w.bytes(), "x").events.empty());
    }
    SECTION("type 0xFFFFFFFF with a valid-looking index") {
        auto w = small_log();
        w.le32(1);
        w.le32(0xFFFFFFFF);
        w.raw(Buf(100, 0x00));
        CHECK(parse_tcg2_event_log(w.bytes(), "x").events.size() == 1);
    }
    SECTION("index 0xFFFFFFFF") {
        auto w = small_log();
        w.le32(0xFFFFFFFF);
        w.le32(ev::kEfiAction);
        CHECK(parse_tcg2_event_log(w.bytes(), "x").events.size() == 1);
    }
    SECTION("a tail of fewer than 8 bytes, all 0xFF") {
        auto w = small_log();
        w.raw(Buf(5, 0xFF));
        CHECK(parse_tcg2_event_log(w.bytes(), "x").events.size() == 1);
    }
}

TEST_CASE("tcg_event_log: a zero-filled log area ends the log instead of becoming empty records") {
    auto w = small_log();
    const std::size_t used = w.b.size();
    SECTION("64 KiB of zeros, as a padded CCEL table holds them") {
        w.raw(Buf(64 * 1024, 0));
        const TcgEventLog log = parse_tcg2_event_log(w.bytes(), "ccel.bin");
        CHECK(log.events.size() == 1);
        CHECK(log.end_offset == used);
    }
    SECTION("a zero tail shorter than a record header") {
        w.raw(Buf(5, 0));
        const TcgEventLog log = parse_tcg2_event_log(w.bytes(), "ccel.bin");
        CHECK(log.events.size() == 1);
        CHECK(log.end_offset == used);
    }
    SECTION("an all-zero header followed by anything else is refused, naming both offsets") {
        w.raw(Buf(4096, 0));
        w.b[used + 1000] = 0x42;
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "ccel.bin"),
                          TDX_CONTAINS("ccel.bin: record at offset " + hex_u64(used) + ": an all-zero record header") &&
                              TDX_CONTAINS("a non-zero byte follows at offset " + hex_u64(used + 1000)));
    }
    SECTION("a record of PCR 0 and type 0 that has a digest is still an event") {
        w.event(0, 0, {{kTpmAlgSha384, digest_of("cert")}}, text("cert"));
        w.raw(Buf(100, 0));
        CHECK(parse_tcg2_event_log(w.bytes(), "ccel.bin").events.size() == 2);
    }
}

TEST_CASE("tcg_event_log: malformed headers and Spec ID events are rejected with file, offset and field") {
    const auto spec = LogWriter::spec_id_body(kOnlySha384);

    SECTION("empty input") { CHECK_THROWS_WITH(parse_tcg2_event_log(Bytes(), "ccel.bin"), TDX_CONTAINS("ccel.bin: the event log is empty")); }
    SECTION("a JSON document (an object or an array after blanks)") {
        for (const std::string text : {"{\"schema\": \"tdximage.measurements/v1\"}", " \r\n\t[1, 2]"}) {
            const Buf b(text.begin(), text.end());
            CHECK_THROWS_WITH(parse_tcg2_event_log(Bytes(b.data(), b.size()), "m.json"),
                              TDX_CONTAINS("m.json: this is a JSON document, not a binary TCG event log"));
        }
    }
    SECTION("an all-0xFF area") {
        Buf b(64, 0xFF);
        CHECK_THROWS_WITH(parse_tcg2_event_log(Bytes(b.data(), b.size()), "ccel.bin"), TDX_CONTAINS("ccel.bin: the log area holds no events"));
    }
    SECTION("truncated first record") {
        Buf b{0, 0, 0, 0, 3, 0};
        CHECK_THROWS_WITH(parse_tcg2_event_log(Bytes(b.data(), b.size()), "log.bin"),
                          TDX_CONTAINS("log.bin: record at offset 0x0: event type runs past the end of the log"));
    }
    SECTION("first record is not EV_NO_ACTION") {
        LogWriter w;
        w.header(spec, ev::kSeparator);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("log.bin: record at offset 0x0: the first record has event type 0x4 (EV_SEPARATOR)"));
    }
    SECTION("Spec ID event size past the end") {
        LogWriter w;
        w.header(spec);
        w.b.resize(w.b.size() - 3);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("log.bin: record at offset 0x0: event size 0x21 (at offset 0x1c) runs past the "
                                       "end of the log (30 bytes left)"));
    }
    SECTION("Spec ID event size above the limit") {
        LogWriter w;
        w.header(spec);
        w.b[0x1c + 3] = 0x01;  // 0x01000021 bytes
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("event size 0x1000021 (at offset 0x1c) exceeds the 0x10000 bytes a Spec ID event can hold"));
    }
    SECTION("wrong signature") {
        LogWriter w;
        w.header(LogWriter::spec_id_body(kOnlySha384, std::string("Spec ID Event02\0", 16)));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("log.bin: record at offset 0x0: Spec ID event: signature \"Spec ID Event02\" is "
                                       "not \"Spec ID Event03\""));
    }
    SECTION("SHA-1-only log") {
        LogWriter w;
        w.header(LogWriter::spec_id_body(kOnlySha384, std::string("Spec ID Event00\0", 16)));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("a SHA-1-only (TCG 1.2 format) log"));
    }
    SECTION("Spec ID event too short for its signature") {
        LogWriter w;
        w.header(text("Spec ID"));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("Spec ID event: signature runs past the end of the 7-byte event"));
    }
    SECTION("no algorithms") {
        LogWriter w;
        w.header(LogWriter::spec_id_body({}));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("Spec ID event: numberOfAlgorithms is 0"));
    }
    SECTION("too many algorithms") {
        std::vector<std::pair<std::uint16_t, std::uint16_t>> many;
        for (std::uint16_t i = 0; i < 17; ++i) many.emplace_back(static_cast<std::uint16_t>(0x100 + i), 32);
        LogWriter w;
        w.header(LogWriter::spec_id_body(many));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("numberOfAlgorithms 17 exceeds the limit of 16"));
    }
    SECTION("algorithm count larger than the event") {
        LogWriter w;
        Buf body = LogWriter::spec_id_body(kOnlySha384);
        body[24] = 3;  // numberOfAlgorithms, but only one entry follows
        w.header(body);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("Spec ID event: digest size table runs past the end of the 33-byte event"));
    }
    SECTION("duplicate algorithm") {
        LogWriter w;
        w.header(LogWriter::spec_id_body({{kTpmAlgSha384, 48}, {kTpmAlgSha384, 48}}));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("algorithm 1 (id 0x000c) is listed twice"));
    }
    SECTION("digest size zero") {
        LogWriter w;
        w.header(LogWriter::spec_id_body({{0x0042, 0}}));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("algorithm 0 (id 0x0042) has digest size 0, outside 1..64"));
    }
    SECTION("digest size too large") {
        LogWriter w;
        w.header(LogWriter::spec_id_body({{0x0042, 65}}));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("has digest size 65, outside 1..64"));
    }
    SECTION("digest size that contradicts the algorithm") {
        LogWriter w;
        w.header(LogWriter::spec_id_body({{kTpmAlgSha384, 32}}));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("algorithm 0 (id 0x000c) has digest size 32, but that algorithm's digests are 48 bytes"));
    }
    SECTION("an unknown algorithm with a plausible size is accepted") {
        LogWriter w;
        w.header(LogWriter::spec_id_body({{0x0042, 24}}));
        w.event(1, ev::kEfiAction, {{0x0042, Buf(24, 7)}}, text("x"));
        auto log = parse_tcg2_event_log(w.bytes(), "log.bin");
        REQUIRE(log.events.size() == 1);
        CHECK(!log.events[0].sha384().has_value());
        CHECK_THROWS_WITH(replay_sha384(log, 1), TDX_CONTAINS("record at offset 0x41 (index 1, EV_EFI_ACTION) has no SHA-384"));
    }
    SECTION("vendor info past the end of the event") {
        LogWriter w;
        Buf body = LogWriter::spec_id_body(kOnlySha384);
        body.back() = 4;  // vendorInfoSize, no vendor bytes follow
        w.header(body);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("Spec ID event: vendorInfo runs past the end of the 33-byte event"));
    }
    SECTION("bytes after the vendor info") {
        LogWriter w;
        Buf body = LogWriter::spec_id_body(kOnlySha384);
        body.push_back(0);
        w.header(body);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("Spec ID event: 1 unexpected bytes after vendorInfo"));
    }
}

TEST_CASE("tcg_event_log: malformed TCG_PCR_EVENT2 records are rejected with file, offset and field") {
    LogWriter base;
    base.header(LogWriter::spec_id_body(kSha256Sha384));
    const std::size_t rec = base.b.size();  // offset of the first record
    const std::string at = "log.bin: record at offset 0x" + [&] {
        char s[16];
        std::snprintf(s, sizeof s, "%zx", rec);
        return std::string(s);
    }() + ": ";

    SECTION("digest count above the Spec ID table") {
        LogWriter w = base;
        w.le32(4);
        w.le32(ev::kEfiAction);
        w.le32(3);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(at + "digest count 3 exceeds the 2 algorithms listed in the Spec ID event"));
    }
    SECTION("unknown algorithm in a record") {
        LogWriter w = base;
        w.event(4, ev::kEfiAction, {{kTpmAlgSha1, Buf(20, 0)}}, text("x"));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(at + "digest 0 (algorithm 0x0004): the Spec ID event does not list this algorithm"));
    }
    SECTION("two digests of one algorithm") {
        LogWriter w = base;
        w.event(4, ev::kEfiAction, {{kTpmAlgSha384, Buf(48, 0)}, {kTpmAlgSha384, Buf(48, 0)}}, text("x"));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(at + "digest 1 (algorithm 0x000c): the record has two digests of this algorithm"));
    }
    SECTION("digest past the end") {
        LogWriter w = base;
        w.event(4, ev::kEfiAction, {{kTpmAlgSha256, Buf(32, 0)}, {kTpmAlgSha384, Buf(48, 0)}}, text("x"));
        w.b.resize(rec + 12 + 2 + 32 + 2 + 20);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(at + "digest 1 (algorithm 0x000c) runs past the end of the log (48 bytes needed"));
    }
    SECTION("event size past the end") {
        LogWriter w = base;
        w.event(4, ev::kEfiAction, {{kTpmAlgSha384, Buf(48, 0)}}, Buf(0x40, 1));
        w.b.resize(w.b.size() - 1);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS(at + "event size 0x40 (at offset 0x"));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS(") runs past the end of the log (63 bytes left)"));
    }
    SECTION("event size above the 16 MiB limit") {
        LogWriter w = base;
        w.event(4, ev::kEfiAction, {{kTpmAlgSha384, Buf(48, 0)}}, Buf{});
        store_le32(std::span<std::uint8_t>(w.b), w.b.size() - 4, 0x01000001);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS(at + "event size 0x1000001"));
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS("exceeds the limit event-size (16 MiB); if the input is legitimate, "
                                       "raise it with --limit event-size=VALUE"));
    }
    SECTION("event size just at a custom limit is accepted, one above is not") {
        LogWriter w = base;
        w.event(4, ev::kEfiAction, {{kTpmAlgSha384, Buf(48, 0)}}, Buf(8, 0));
        {
            tdx::ScopedLimit limit(tdx::Limit::EventSize, 8);
            CHECK(parse_tcg2_event_log(w.bytes(), "log.bin").events.size() == 1);
        }
        tdx::ScopedLimit limit(tdx::Limit::EventSize, 7);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS("event size 0x8 (at offset"));
    }
    SECTION("more events than the limit") {
        LogWriter w = base;
        for (int i = 0; i < 4; ++i) w.event(4, ev::kEfiAction, {}, Buf{});
        tdx::ScopedLimit limit(tdx::Limit::EventCount, 4);
        CHECK(parse_tcg2_event_log(w.bytes(), "log.bin").events.size() == 4);
        w.event(4, ev::kEfiAction, {}, Buf{});
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(": the number of events exceeds the limit event-count (4); "
                                       "if the input is legitimate, raise it with --limit event-count=VALUE"));
    }
    SECTION("a truncated record header that is not 0xFF padding") {
        LogWriter w = base;
        w.raw(Buf{4, 0, 0, 0, 7, 0});
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(at + "event type runs past the end of the log (4 bytes needed"));
    }
    SECTION("a record cut after its digest count") {
        LogWriter w = base;
        w.le32(4);
        w.le32(ev::kEfiAction);
        w.le32(1);
        w.le16(kTpmAlgSha384);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"),
                          TDX_CONTAINS(at + "digest 0 (algorithm 0x000c) runs past the end of the log"));
    }
    SECTION("a record missing its event size field") {
        LogWriter w = base;
        w.le32(4);
        w.le32(ev::kEfiAction);
        w.le32(0);
        w.le16(0);
        CHECK_THROWS_WITH(parse_tcg2_event_log(w.bytes(), "log.bin"), TDX_CONTAINS(at + "event size runs past the end of the log"));
    }
}

TEST_CASE("tcg_event_log: parse_tagged_event") {
    Buf ok{0xEC, 0x22, 0x3B, 0x8F, 0x0D, 0, 0, 0};
    for (char c : std::string("Linux initrd")) ok.push_back(static_cast<std::uint8_t>(c));
    ok.push_back(0);
    auto t = parse_tagged_event(Bytes(ok.data(), ok.size()));
    REQUIRE(t.has_value());
    CHECK(t->id == kLinuxInitrdTagId);
    CHECK(t->data.size() == 13);
    CHECK(std::memcmp(t->data.data(), "Linux initrd", 13) == 0);

    Buf empty{1, 0, 0, 0, 0, 0, 0, 0};
    auto e = parse_tagged_event(Bytes(empty.data(), empty.size()));
    REQUIRE(e.has_value());
    CHECK(e->id == 1);
    CHECK(e->data.empty());

    Buf short_header{1, 2, 3, 4, 5, 6, 7};
    CHECK(!parse_tagged_event(Bytes(short_header.data(), short_header.size())).has_value());
    Buf too_long{1, 0, 0, 0, 5, 0, 0, 0, 'a', 'b'};
    CHECK(!parse_tagged_event(Bytes(too_long.data(), too_long.size())).has_value());
    Buf huge{1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(!parse_tagged_event(Bytes(huge.data(), huge.size())).has_value());
}

TEST_CASE("tcg_event_log: header fields and where the records end") {
    LogWriter w;
    w.header(LogWriter::spec_id_body(kSha256Sha384, std::string("Spec ID Event03", 16), Buf{7, 8}));
    w.event(1, ev::kEfiAction, {{kTpmAlgSha384, digest_of("a")}}, text("a"));
    const std::size_t used = w.b.size();
    w.raw(Buf(64, 0xFF));
    auto log = parse_tcg2_event_log(w.bytes(), "ccel.bin");
    CHECK(log.spec_id.header_index == 0);
    CHECK(log.spec_id.platform_class == 0);
    CHECK(log.spec_id.version_major == 2);
    CHECK(log.spec_id.version_minor == 0);
    CHECK(log.spec_id.uintn_size == 2);
    CHECK(log.spec_id.vendor_info == Buf{7, 8});
    CHECK(log.end_offset == used);
    CHECK(tcg_algorithm_name(kTpmAlgSha384) == "sha384");
    CHECK(tcg_algorithm_name(0x0042) == "0x0042");
}

TEST_CASE("tcg_event_log: corrupted and truncated logs parse or throw tdx::Error, nothing else") {
    LogWriter w;
    w.header(LogWriter::spec_id_body(kSha256Sha384));
    w.event(0, ev::kNoAction, {{kTpmAlgSha256, Buf(32, 0)}, {kTpmAlgSha384, Buf(48, 0)}}, text("StartupLocality\0\3"));
    for (int i = 0; i < 6; ++i)
        w.event(static_cast<std::uint32_t>(i % 4 + 1), ev::kEfiAction, {{kTpmAlgSha256, sha256_of("x")}, {kTpmAlgSha384, digest_of("x")}},
                text(std::string(static_cast<std::size_t>(i) * 7, 'x')));
    const Buf good = w.b;

    std::uint64_t state = 0x9e3779b97f4a7c15ull;
    auto next = [&] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint32_t>(state >> 33);
    };
    int parsed = 0, rejected = 0;
    for (int round = 0; round < 3000; ++round) {
        Buf b = good;
        switch (round % 3) {
            case 0: b.resize(next() % b.size()); break;                               // truncation anywhere
            case 1: b[next() % b.size()] = static_cast<std::uint8_t>(next()); break;  // one byte
            default:                                                                  // a size or count field set to something absurd
                for (int k = 0; k < 4; ++k) b[(next() % (b.size() / 4)) * 4 + static_cast<std::size_t>(k)] = 0xFF;
        }
        try {
            auto log = parse_tcg2_event_log(Bytes(b.data(), b.size()), "fuzz.bin");
            ++parsed;
            CHECK(log.end_offset <= b.size());
        } catch (const Error& e) {
            ++rejected;
            CHECK_THAT(std::string(e.what()), TDX_CONTAINS("fuzz.bin"));
        }
    }
    CHECK(parsed + rejected == 3000);
    CHECK(rejected > 1000);
}
