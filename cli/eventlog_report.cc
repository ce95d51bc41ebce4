#include "cli/eventlog_report.h"

#include <algorithm>
#include <iomanip>
#include <set>

#include "measure/event_data.h"
#include "measure/event_types.h"

namespace tdx::cli {
namespace {

using nlohmann::json;

std::string mapping_name(LogMapping m) { return m == LogMapping::Tdx ? "tdx" : "tpm"; }

std::string mapping_text(LogMapping m) {
    if (m == LogMapping::Tdx) return "TDX MR indices: 1-4 -> rtmr0-3; MR index 0 (MRTD) and EV_NO_ACTION are not replayed";
    return "TPM PCRs as TDVF maps them: pcr1,7 -> rtmr0, pcr2-6 -> rtmr1, pcr8-15 -> rtmr2; pcr0 (MRTD), other PCRs and "
           "EV_NO_ACTION are not replayed";
}

std::string events_word(std::size_t n) { return std::to_string(n) + (n == 1 ? " event" : " events"); }

// "rtmr1", "pcr4 -> rtmr1", "pcr0 (MRTD)", "mr0 (MRTD)", "mr7 (no RTMR)"; EV_NO_ACTION is marked.
std::string register_label(const TcgEvent& e, LogMapping m) {
    const std::optional<int> r = rtmr_of_index(e.index, m);
    std::string s;
    if (m == LogMapping::Tdx) s = r ? rtmr_name(*r) : e.index == 0 ? "mr0 (MRTD)" : "mr" + std::to_string(e.index) + " (no RTMR)";
    else
        s = "pcr" + std::to_string(e.index) + (r ? " -> " + rtmr_name(*r) : e.index == 0 ? " (MRTD)" : " (no RTMR)");
    if (e.type == ev::kNoAction) s += " (not extended)";
    return s;
}

json algorithms_json(const TcgEventLog& log) {
    json a = json::array();
    for (const TcgAlgorithm& alg : log.algorithms)
        a.push_back({{"id", hex_u64(alg.id)}, {"name", tcg_algorithm_name(alg.id)}, {"digest_size", alg.digest_size}});
    return a;
}

std::string algorithms_text(const TcgEventLog& log) {
    std::string s;
    for (const TcgAlgorithm& alg : log.algorithms)
        s += (s.empty() ? "" : ", ") + tcg_algorithm_name(alg.id) + " (" + hex_u64(alg.id) + ", " + std::to_string(alg.digest_size) +
             "-byte digests)";
    return s;
}

std::optional<std::string> sha384_hex(const TcgEvent& e) {
    const std::optional<Digest384> d = e.sha384();
    if (!d) return std::nullopt;
    return to_hex(*d);
}

json event_json(const TcgEventLog& log, std::size_t number, LogMapping m, DecodeBudget& budget) {
    const TcgEvent& e = log.events[number];
    const std::optional<int> r = rtmr_of_event(e, m);
    DecodedEventData d = decode_event_data(e.type, Bytes(e.data.data(), e.data.size()), budget);
    json digests = json::object();
    for (const auto& [alg, bytes] : e.digests) digests[tcg_algorithm_name(alg)] = to_hex(Bytes(bytes.data(), bytes.size()));
    const std::optional<std::string> sha = sha384_hex(e);
    return {{"number", number},
            {"offset", hex_u64(e.offset)},
            {"log_index", e.index},
            {"register", r ? json(rtmr_name(*r)) : json(nullptr)},
            {"type", event_type_name(e.type)},
            {"type_value", hex_u64(e.type)},
            {"digest", sha ? json(*sha) : json(nullptr)},
            {"digests", digests},
            {"data_size", e.data.size()},
            {"data", std::move(d.detail)},
            {"summary", std::move(d.summary)}};
}

json expected_event_json(const ExpectedEvent& e) {
    return {{"index", e.index},          {"type", e.type}, {"digest", to_hex(e.digest)}, {"description", e.description}, {"kind", e.kind},
            {"depends_on", e.depends_on}};
}

// Why a predicted log's register is incomplete; "" when it is not.
std::string gap_of(const LoadedLog& l, std::size_t rtmr) {
    for (const PredictionGap& g : l.gaps)
        if (static_cast<std::size_t>(g.rtmr) == rtmr) return g.why.empty() ? "incomplete" : g.why;
    return "";
}

json registers_json(const LoadedLog& l) {
    json regs = json::object();
    for (std::size_t i = 0; i < 4; ++i) {
        const std::string gap = gap_of(l, i);
        json r = {{"value", gap.empty() ? json(to_hex(l.replay.value[i])) : json(nullptr)}, {"events", l.replay.events[i]}};
        if (!gap.empty()) r["incomplete"] = gap;
        regs[rtmr_name(static_cast<int>(i))] = r;
    }
    return regs;
}

// The SHA-384 bank of every PCR a TPM log extends.
std::vector<std::pair<std::uint32_t, Digest384>> pcr_values(const TcgEventLog& log) {
    std::set<std::uint32_t> pcrs;
    for (const TcgEvent& e : log.events)
        if (e.type != ev::kNoAction) pcrs.insert(e.index);
    std::vector<std::pair<std::uint32_t, Digest384>> out;
    for (std::uint32_t p : pcrs) out.emplace_back(p, replay_sha384(log, p));
    return out;
}

void print_registers(std::ostream& out, const LoadedLog& l) {
    out << "replayed registers (SHA-384)\n";
    for (std::size_t i = 0; i < 4; ++i) {
        const std::string gap = gap_of(l, i);
        if (gap.empty())
            out << "  " << rtmr_name(static_cast<int>(i)) << "  " << to_hex(l.replay.value[i]) << "  " << events_word(l.replay.events[i])
                << "\n";
        else
            out << "  " << rtmr_name(static_cast<int>(i)) << "  (incomplete prediction, no value: " << gap << "; "
                << events_word(l.replay.events[i]) << " of it are in this log)\n";
    }
    if (l.mapping == LogMapping::Tpm) {
        out << "PCRs (SHA-384 bank)\n";
        for (const auto& [p, v] : pcr_values(l.log)) {
            std::string name = "pcr" + std::to_string(p);
            out << "  " << std::left << std::setw(6) << name << " " << to_hex(v) << "\n";
        }
    }
}

// Two lines: the first continues the caller's label, the second starts with `indent`.
void print_actual_event(std::ostream& out, const TcgEventLog& log, std::size_t number, const std::string& indent, DecodeBudget& budget) {
    const TcgEvent& e = log.events[number];
    const DecodedEventData d = decode_event_data(e.type, Bytes(e.data.data(), e.data.size()), budget);
    const std::optional<std::string> sha = sha384_hex(e);
    out << event_type_name(e.type) << "  " << (sha ? *sha : "(no SHA-384 digest)") << "\n"
        << indent << "record #" << number << " at offset " << hex_u64(e.offset) << ": " << d.summary << "\n";
}

void print_expected_event(std::ostream& out, const ExpectedEvent& e, const std::string& indent) {
    out << e.type << "  " << to_hex(e.digest) << "\n" << indent << e.description << "  [" << e.kind << "]\n";
}

std::string verdict_word(Verdict v) { return v == Verdict::Different ? "DIFFERENT" : to_string(v); }

}  // namespace

json eventlog_json(const LoadedLog& l, bool with_events) {
    json j;
    j["schema"] = "tdximage.eventlog/v1";
    j["file"] = l.file;
    j["size"] = l.size;
    j["mapping"] = mapping_name(l.mapping);
    j["algorithms"] = algorithms_json(l.log);
    const TcgSpecId& s = l.log.spec_id;
    j["spec_id"] = {{"header_index", s.header_index},
                    {"platform_class", s.platform_class},
                    {"spec_version", std::to_string(s.version_major) + "." + std::to_string(s.version_minor)},
                    {"spec_errata", s.errata},
                    {"uintn_size", s.uintn_size},
                    {"vendor_info", to_hex(Bytes(s.vendor_info.data(), s.vendor_info.size()))}};
    j["end_offset"] = hex_u64(l.log.end_offset);
    j["record_count"] = l.log.events.size();
    j["not_replayed"] = l.replay.not_replayed;
    j["registers"] = registers_json(l);
    if (l.mapping == LogMapping::Tpm) {
        json pcrs = json::object();
        for (const auto& [p, v] : pcr_values(l.log)) pcrs["pcr" + std::to_string(p)] = to_hex(v);
        j["pcrs"] = pcrs;
    }
    if (with_events) {
        DecodeBudget budget(l.path);
        json events = json::array();
        for (std::size_t i = 0; i < l.log.events.size(); ++i) events.push_back(event_json(l.log, i, l.mapping, budget));
        j["events"] = std::move(events);
    }
    return j;
}

void print_eventlog_show(std::ostream& out, const LoadedLog& l) {
    const TcgSpecId& s = l.log.spec_id;
    out << "event log   " << l.file << " (" << l.size << " bytes, " << l.log.events.size() << " records after the header, ending at "
        << hex_u64(l.log.end_offset) << ")\n"
        << "format      TCG2 crypto-agile, Spec ID Event03: platform class " << s.platform_class << ", TCG PFP " << int{s.version_major} << "."
        << int{s.version_minor} << " errata " << int{s.errata} << ", UINTN size " << int{s.uintn_size} << ", header index " << s.header_index
        << "\n"
        << "algorithms  " << algorithms_text(l.log) << "; digests shown: sha384\n"
        << "registers   " << mapping_text(l.mapping) << "\n\n";
    DecodeBudget budget(l.path);
    for (std::size_t i = 0; i < l.log.events.size(); ++i) {
        const TcgEvent& e = l.log.events[i];
        const DecodedEventData d = decode_event_data(e.type, Bytes(e.data.data(), e.data.size()), budget);
        const std::optional<std::string> sha = sha384_hex(e);
        out << "#" << std::left << std::setw(4) << i << " " << std::setw(8) << hex_u64(e.offset) << " " << std::setw(22)
            << register_label(e, l.mapping) << " " << event_type_name(e.type) << "\n"
            << "      sha384  " << (sha ? *sha : "(none)") << "\n"
            << "      data    " << d.summary << "\n";
    }
    if (!l.log.events.empty()) out << "\n";
    print_registers(out, l);
}

void print_eventlog_replay(std::ostream& out, const LoadedLog& l) {
    for (std::size_t i = 0; i < 4; ++i) {
        const std::string gap = gap_of(l, i);
        // "-" where a value would be: a script reading the second column
        // gets no hex string the TD would never report.
        if (gap.empty()) out << rtmr_name(static_cast<int>(i)) << " " << to_hex(l.replay.value[i]) << "\n";
        else
            out << rtmr_name(static_cast<int>(i)) << " - (incomplete prediction, no value: " << gap << ")\n";
    }
    if (l.mapping == LogMapping::Tpm)
        for (const auto& [p, v] : pcr_values(l.log)) out << "pcr" << p << " " << to_hex(v) << "\n";
}

json eventlog_compare_json(const LoadedLog& l, const std::string& expected_file, const LogComparison& c) {
    json j;
    j["schema"] = "tdximage.eventlog-compare/v1";
    j["log"] = {{"file", l.file}, {"size", l.size}, {"mapping", mapping_name(l.mapping)}, {"record_count", l.log.events.size()}};
    j["expected"] = {{"file", expected_file}};
    j["verdict"] = to_string(c.verdict);
    DecodeBudget budget(l.path);
    json regs = json::array();
    json compared = json::array();
    for (const RegisterComparison& r : c.registers) {
        compared.push_back(rtmr_name(r.rtmr));
        json x;
        x["register"] = rtmr_name(r.rtmr);
        x["verdict"] = to_string(r.verdict);
        x["reason"] = r.reason;
        x["actual"] = {{"value", to_hex(r.actual_value)}, {"events", r.actual.size()}};
        x["expected"] = {{"value", r.expected_value ? json(to_hex(*r.expected_value)) : json(nullptr)}, {"events", r.expected.size()}};
        x["events_compared"] = r.events_compared;
        json extra = json::array();
        json missing = json::array();
        if (r.first_difference) {
            const std::size_t i = *r.first_difference;
            json diff = {{"index", i}};
            diff["actual"] = i < r.actual.size() ? event_json(l.log, r.actual[i], l.mapping, budget) : json(nullptr);
            diff["expected"] = i < r.expected.size() ? expected_event_json(r.expected[i]) : json(nullptr);
            diff["depends_on"] = i < r.expected.size() ? json(r.expected[i].depends_on) : json::array();
            x["first_difference"] = diff;
            x["differing"] = r.differing;
            for (std::size_t k = r.expected.size(); k < r.actual.size(); ++k) extra.push_back(event_json(l.log, r.actual[k], l.mapping, budget));
            for (std::size_t k = r.actual.size(); k < r.expected.size(); ++k) missing.push_back(expected_event_json(r.expected[k]));
        } else {
            x["first_difference"] = nullptr;
            x["differing"] = json::array();
        }
        x["extra"] = extra;
        x["missing"] = missing;
        regs.push_back(x);
    }
    j["registers"] = regs;
    j["compared"] = compared;
    return j;
}

void print_eventlog_compare(std::ostream& out, const LoadedLog& l, const std::string& expected_file, const LogComparison& c) {
    out << "log       " << l.file << " (" << (l.mapping == LogMapping::Tdx ? "TDX MR indices" : "TPM PCRs mapped to RTMRs") << ", "
        << l.log.events.size() << " records)\n"
        << "expected  " << expected_file << "\n\n";
    DecodeBudget budget(l.path);
    for (const RegisterComparison& r : c.registers) {
        out << rtmr_name(r.rtmr) << "  " << std::left << std::setw(10) << verdict_word(r.verdict) << " ";
        if (r.verdict == Verdict::Match) {
            out << to_hex(r.actual_value) << "  (" << events_word(r.actual.size()) << ")\n";
            continue;
        }
        out << r.reason << "\n";
        out << "       log       " << to_hex(r.actual_value) << "  (" << events_word(r.actual.size()) << ")\n";
        out << "       expected  " << (r.expected_value ? to_hex(*r.expected_value) : "not predicted") << "  (" << events_word(r.expected.size())
            << " listed)\n";
        if (!r.first_difference) continue;
        const std::size_t i = *r.first_difference;
        out << "       first difference at " << rtmr_name(r.rtmr) << " event " << i << ":\n";
        if (i < r.actual.size()) {
            out << "         log       ";
            print_actual_event(out, l.log, r.actual[i], std::string(19, ' '), budget);
        } else {
            out << "         log       (no event: the log's " << rtmr_name(r.rtmr) << " ends here)\n";
        }
        if (i < r.expected.size()) {
            out << "         expected  ";
            print_expected_event(out, r.expected[i], std::string(19, ' '));
            std::string deps;
            for (const std::string& d : r.expected[i].depends_on) deps += (deps.empty() ? "" : "; ") + d;
            out << "         depends on: " << (deps.empty() ? "(nothing listed)" : deps) << "\n";
        } else {
            out << "         expected  (no event: the prediction for " << rtmr_name(r.rtmr) << " ends here)\n";
        }
        const std::size_t common = std::min(r.actual.size(), r.expected.size());
        if (common > 0) {
            out << "       events at the same position in both: " << common << ", differing: ";
            if (r.differing.empty()) out << "none";
            for (std::size_t k = 0; k < r.differing.size() && k < 12; ++k)
                out << (k ? ", " : "") << r.differing[k] << " (" << r.expected[r.differing[k]].kind << ")";
            if (r.differing.size() > 12) out << ", ... (" << r.differing.size() << " in all)";
            out << "\n";
        }
        if (r.actual.size() > r.expected.size()) {
            out << "       extra events in the log (past the predicted " << events_word(r.expected.size()) << "):\n";
            for (std::size_t k = r.expected.size(); k < r.actual.size(); ++k) {
                const TcgEvent& e = l.log.events[r.actual[k]];
                const std::optional<std::string> sha = sha384_hex(e);
                out << "         " << rtmr_name(r.rtmr) << " event " << k << ": " << event_type_name(e.type) << " "
                    << (sha ? *sha : "(no SHA-384)") << " " << decode_event_data(e.type, Bytes(e.data.data(), e.data.size()), budget).summary
                    << "\n";
            }
        }
        if (r.expected.size() > r.actual.size()) {
            out << "       predicted events missing from the log:\n";
            for (std::size_t k = r.actual.size(); k < r.expected.size(); ++k)
                out << "         " << rtmr_name(r.rtmr) << " event " << k << ": " << r.expected[k].type << " " << to_hex(r.expected[k].digest)
                    << " " << r.expected[k].description << " [" << r.expected[k].kind << "]\n";
        }
    }
    std::string different, undecided, matched;
    for (const RegisterComparison& r : c.registers) {
        std::string& list = r.verdict == Verdict::Different ? different : r.verdict == Verdict::Undecided ? undecided : matched;
        list += (list.empty() ? "" : ", ") + rtmr_name(r.rtmr);
    }
    out << "\nresult: ";
    if (c.registers.empty()) out << "undecided: no register to compare\n";
    else if (c.verdict == Verdict::Match)
        out << "match (" << matched << ")\n";
    else if (c.verdict == Verdict::Different)
        out << "DIFFERENT (" << different << ")" << (undecided.empty() ? "" : "; undecided: " + undecided) << "\n";
    else
        out << "undecided (" << undecided << ": not predicted; leave out with --registers)" << (matched.empty() ? "" : "; match: " + matched)
            << "\n";
}

}  // namespace tdx::cli
