// Test helper for tests/oracle/swtpm-boot-test.sh: compares the TCG2 event
// log that OVMF and the Linux EFI stub wrote into a software TPM with the
// events `tdximage measure --json` predicts for RTMR1 and RTMR2.
//
//   tdximage_test_oracle_compare --log LOG --measure-json JSON --cmdline STRING
//       [--initrd FILE] [--proc-cmdline-file FILE] [--pcr N=HEX]... [--rtmr0 yes]
//
// With --rtmr0 yes, PCRs 1 and 7 (the RTMR0 group) are compared too, in log
// order, with tdximage's RTMR0 events minus the TD HOB and the CFV (a TPM
// boot has neither: the firmware volumes go to PCR 0 instead).
//
// PCRs 2-6 are the RTMR1 group and PCRs 8-15 the RTMR2 group (edk2's
// MapPcrToMrIndex). The TPM log has one separator per PCR 0-7 while a TD has
// its own separator list, so separators are compared by value only; every
// other event of each group must match tdximage's list one for one, in order.
// The command line and initrd digests are also recomputed here from first
// principles, so a wrong rule in both tdximage and this tool's input cannot
// pass unnoticed. Exit status: 0 all checks pass, 1 a mismatch, 2 bad usage
// or unreadable input.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "measure/event_types.h"
#include "measure/tcg_event_log.h"

namespace {

using tdx::Bytes;
using tdx::TcgEvent;

struct Options {
    std::string log;
    std::string measure_json;
    std::string cmdline;
    bool have_cmdline = false;
    std::string initrd;
    std::string proc_cmdline_file;
    std::vector<std::pair<std::uint32_t, std::string>> pcrs;
    bool rtmr0 = false;
};

struct JsonEvent {
    std::string reg;
    std::string kind;
    std::string type;
    std::string digest;
    std::string description;
};

class Checker {
public:
    void check(bool ok, const std::string& what, const std::string& detail = "") {
        std::cout << (ok ? "  ok        " : "  MISMATCH  ") << what;
        if (!detail.empty()) std::cout << "\n              " << detail;
        std::cout << "\n";
        if (!ok) ++failures_;
    }
    void note(const std::string& what) { std::cout << "  note      " << what << "\n"; }
    int failures() const { return failures_; }

private:
    int failures_ = 0;
};

std::string lower(std::string s) {
    for (auto& c : s) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

std::string sha384_hex(const TcgEvent& e) {
    auto d = e.sha384();
    return d ? tdx::to_hex(*d) : std::string("(no SHA-384 digest)");
}

// OVMF turns QEMU's ASCII command line into UCS-2 by widening each byte
// (AsciiStrToUnicodeStrS); the stub measures that buffer with its NUL.
std::string load_options_digest(const std::string& s) {
    std::vector<std::uint8_t> u;
    for (unsigned char c : s) {
        u.push_back(c);
        u.push_back(0);
    }
    u.push_back(0);
    u.push_back(0);
    return tdx::to_hex(tdx::sha384(Bytes(u.data(), u.size())));
}

std::string ascii_data(const TcgEvent& e) {
    std::string s;
    for (auto c : e.data) {
        if (c != 0) s += static_cast<char>(c);
    }
    return s;
}

std::vector<JsonEvent> read_json_events(const nlohmann::json& j, const std::string& reg, const std::string& name) {
    std::vector<JsonEvent> out;
    if (!j.contains("events") || !j["events"].is_array()) tdx::fail(name + ": no \"events\" array");
    for (const auto& e : j["events"]) {
        if (!e.is_object() || !e.contains("register") || !e["register"].is_string()) {
            tdx::fail(name + ": an event has no \"register\" string");
        }
        if (e["register"].get<std::string>() != reg) continue;
        JsonEvent je;
        je.reg = reg;
        if (!e.contains("type") || !e["type"].is_string() || !e.contains("digest") || !e["digest"].is_string()) {
            tdx::fail(name + ": a " + reg + " event lacks a \"type\" or \"digest\" string");
        }
        je.type = e["type"].get<std::string>();
        je.digest = lower(e["digest"].get<std::string>());
        if (e.contains("description") && e["description"].is_string()) je.description = e["description"].get<std::string>();
        if (e.contains("kind") && e["kind"].is_string()) je.kind = e["kind"].get<std::string>();
        out.push_back(std::move(je));
    }
    return out;
}

std::string json_register(const nlohmann::json& j, const std::string& reg, const std::string& name) {
    if (!j.contains(reg) || !j[reg].is_string()) tdx::fail(name + ": \"" + reg + "\" is not a hex string");
    return lower(j[reg].get<std::string>());
}

std::string replay_hex(const std::vector<std::string>& digests, const std::string& what) {
    tdx::Digest384 reg{};
    for (const auto& h : digests) {
        auto d = tdx::parse_digest384(h, what);
        std::vector<std::uint8_t> cat(reg.begin(), reg.end());
        cat.insert(cat.end(), d.begin(), d.end());
        reg = tdx::sha384(Bytes(cat.data(), cat.size()));
    }
    return tdx::to_hex(reg);
}

std::string describe(const TcgEvent& e) {
    std::ostringstream s;
    s << "log record 0x" << std::hex << e.offset << std::dec << " (PCR " << e.index << ", " << tdx::event_type_name(e.type) << ")";
    return s.str();
}

// Compares one register group: non-separator events one for one, separators by value.
void compare_group(Checker& c, const std::string& reg, const std::vector<const TcgEvent*>& log_events,
                   const std::vector<JsonEvent>& json_events) {
    const std::string separator = tdx::to_hex(tdx::sha384(std::string(4, '\0')));
    std::vector<const TcgEvent*> log_main;
    std::vector<JsonEvent> json_main;
    std::size_t log_seps = 0;
    std::size_t json_seps = 0;
    for (const auto* e : log_events) {
        if (e->type == tdx::ev::kSeparator) {
            ++log_seps;
            c.check(sha384_hex(*e) == separator, reg + " group: " + describe(*e) + " is SHA-384 of 4 zero bytes", sha384_hex(*e));
        } else {
            log_main.push_back(e);
        }
    }
    for (const auto& je : json_events) {
        if (je.type == "EV_SEPARATOR") {
            ++json_seps;
            c.check(je.digest == separator, reg + ": tdximage separator is SHA-384 of 4 zero bytes", je.digest);
        } else {
            json_main.push_back(je);
        }
    }
    c.note(reg + ": the TPM log has " + std::to_string(log_seps) + " separator(s) in this PCR group, tdximage lists " +
           std::to_string(json_seps) + " (a TPM measures one per PCR 0-7; compared by value only)");
    c.check(log_main.size() == json_main.size(), reg + ": " + std::to_string(log_main.size()) + " non-separator events in the log, " +
                                                     std::to_string(json_main.size()) + " from tdximage");
    std::size_t n = std::min(log_main.size(), json_main.size());
    for (std::size_t i = 0; i < n; ++i) {
        const TcgEvent& e = *log_main[i];
        const JsonEvent& je = json_main[i];
        std::string type = tdx::event_type_name(e.type);
        c.check(type == je.type && sha384_hex(e) == je.digest,
                reg + " #" + std::to_string(i) + ": " + describe(e) + " = tdximage " + je.type + " \"" + je.description + "\"",
                "log      " + sha384_hex(e) + "\n              tdximage " + je.digest);
    }
    for (std::size_t i = n; i < log_main.size(); ++i) c.check(false, reg + ": extra " + describe(*log_main[i]));
    for (std::size_t i = n; i < json_main.size(); ++i) {
        c.check(false, reg + ": extra tdximage event " + json_main[i].type + " \"" + json_main[i].description + "\"");
    }
}

int run(const Options& o) {
    Checker c;
    tdx::InputFile log_file(o.log);
    auto log = tdx::parse_tcg2_event_log(log_file.bytes(), o.log);
    auto json_bytes = tdx::read_file(o.measure_json);
    nlohmann::json j = nlohmann::json::parse(json_bytes.begin(), json_bytes.end(), nullptr, false);
    if (j.is_discarded()) tdx::fail(o.measure_json + ": not valid JSON");

    std::cout << "oracle_compare: " << o.log << " (" << log.events.size() << " records) vs " << o.measure_json << "\n";
    bool has384 = std::any_of(log.algorithms.begin(), log.algorithms.end(),
                              [](const tdx::TcgAlgorithm& a) { return a.id == tdx::kTpmAlgSha384; });
    c.check(has384, "the log has a SHA-384 bank");
    if (!has384) return 1;

    std::vector<const TcgEvent*> rtmr0_group;
    std::vector<const TcgEvent*> rtmr1_group;
    std::vector<const TcgEvent*> rtmr2_group;
    for (const auto& e : log.events) {
        if (e.type == tdx::ev::kNoAction) continue;
        if (e.index == 1 || e.index == 7) rtmr0_group.push_back(&e);
        if (e.index >= 2 && e.index <= 6) rtmr1_group.push_back(&e);
        if (e.index >= 8 && e.index <= 15) rtmr2_group.push_back(&e);
    }
    auto json_r1 = read_json_events(j, "rtmr1", o.measure_json);
    auto json_r2 = read_json_events(j, "rtmr2", o.measure_json);

    if (o.rtmr0) {
        // RTMR0: Secure Boot variables, ACPI blobs, boot variables.
        std::cout << "RTMR0 (PCR 1, 7):\n";
        c.check(j.contains("rtmr0") && j["rtmr0"].is_string(), "tdximage predicted RTMR0 (ACPI tables given)");
        std::vector<JsonEvent> json_r0;
        std::size_t acpi = 0;
        for (auto& je : read_json_events(j, "rtmr0", o.measure_json)) {
            if (je.kind == "td_hob" || je.kind == "cfv") continue;
            if (je.kind == "acpi_loader" || je.kind == "acpi_blob") ++acpi;
            json_r0.push_back(je);
        }
        std::size_t log_acpi = 0;
        for (const auto* e : rtmr0_group) {
            if (e->type == tdx::ev::kPlatformConfigFlags && ascii_data(*e) == "ACPI DATA") ++log_acpi;
        }
        c.check(acpi >= 3 && log_acpi == acpi, "ACPI DATA events: " + std::to_string(log_acpi) + " in the log, " + std::to_string(acpi) +
                                                   " predicted (loader + each allocated blob)");
        compare_group(c, "rtmr0", rtmr0_group, json_r0);
    }

    // RTMR1: kernel Authenticode, the EFI actions, separators.
    std::cout << "RTMR1 (PCR 2-6):\n";
    std::size_t kernels = 0;
    for (const auto* e : rtmr1_group) {
        if (e->type == tdx::ev::kEfiBootServicesApplication) {
            ++kernels;
            std::cout << "  kernel    " << describe(*e) << " " << sha384_hex(*e) << "\n";
        }
        if (e->type == tdx::ev::kEfiAction) {
            std::string s = ascii_data(*e);
            c.check(tdx::to_hex(tdx::sha384(s)) == sha384_hex(*e), describe(*e) + " = SHA-384 of its ASCII string without NUL: \"" + s + "\"");
        }
    }
    c.check(kernels == 1, "the log has exactly one EV_EFI_BOOT_SERVICES_APPLICATION (" + std::to_string(kernels) + ")");
    compare_group(c, "rtmr1", rtmr1_group, json_r1);

    // RTMR2: the EFI stub's tagged events.
    std::cout << "RTMR2 (PCR 8-15):\n";
    const std::string with_suffix = o.cmdline + " initrd=initrd";
    const std::string want_options = load_options_digest(with_suffix);
    std::string want_initrd;
    if (!o.initrd.empty()) {
        tdx::InputFile initrd(o.initrd);
        want_initrd = tdx::to_hex(tdx::sha384(initrd.bytes()));
    }
    std::size_t options_events = 0;
    std::size_t initrd_events = 0;
    for (const auto* e : rtmr2_group) {
        auto tag = e->type == tdx::ev::kEventTag ? tdx::parse_tagged_event(Bytes(e->data.data(), e->data.size())) : std::nullopt;
        std::string text;
        if (tag) {
            for (auto ch : tag->data) {
                if (ch != 0) text += static_cast<char>(ch);
            }
        }
        std::ostringstream id;
        if (tag) id << "tag 0x" << std::hex << tag->id;
        std::cout << "  event     " << describe(*e) << " " << id.str() << " \"" << text << "\" " << sha384_hex(*e) << "\n";
        if (tag && tag->id == tdx::kLinuxLoadOptionsTagId) {
            ++options_events;
            c.check(sha384_hex(*e) == want_options,
                    "load options digest = SHA-384(UTF-16LE(\"" + with_suffix + "\") + u16 NUL): OVMF appended \" initrd=initrd\"",
                    "log      " + sha384_hex(*e) + "\n              computed " + want_options);
            if (sha384_hex(*e) != want_options) {
                if (sha384_hex(*e) == load_options_digest(o.cmdline)) c.note("it is the command line without the suffix");
                if (sha384_hex(*e) == load_options_digest("initrd=initrd " + o.cmdline)) {
                    c.note("it is the command line with \"initrd=initrd \" prepended (edk2 >= 202508 rule)");
                }
            }
        } else if (tag && tag->id == tdx::kLinuxInitrdTagId) {
            ++initrd_events;
            if (!want_initrd.empty()) {
                c.check(sha384_hex(*e) == want_initrd, "initrd digest = SHA-384 of " + o.initrd,
                        "log      " + sha384_hex(*e) + "\n              computed " + want_initrd);
            }
        }
    }
    c.check(options_events == 1, "one load options tag (0x8f3b22ed) in the log (" + std::to_string(options_events) + ")");
    c.check(initrd_events == 1, "one initrd tag (0x8f3b22ec) in the log (" + std::to_string(initrd_events) + ")");
    compare_group(c, "rtmr2", rtmr2_group, json_r2);
    {
        std::vector<std::string> log_digests;
        for (const auto* e : rtmr2_group) log_digests.push_back(sha384_hex(*e));
        std::string from_log = replay_hex(log_digests, o.log);
        c.check(from_log == json_register(j, "rtmr2", o.measure_json), "rtmr2 replayed from the log's PCR 8-15 events = tdximage rtmr2",
                "log      " + from_log + "\n              tdximage " + json_register(j, "rtmr2", o.measure_json));
    }

    // tdximage's own consistency: its registers replay its event lists.
    std::cout << "tdximage self-consistency:\n";
    for (const auto& [reg, evs] : {std::pair{std::string("rtmr1"), json_r1}, std::pair{std::string("rtmr2"), json_r2}}) {
        std::vector<std::string> ds;
        for (const auto& e : evs) ds.push_back(e.digest);
        c.check(replay_hex(ds, o.measure_json) == json_register(j, reg, o.measure_json),
                reg + " = replay of its " + std::to_string(evs.size()) + " events");
    }

    // The guest's view.
    std::cout << "guest:\n";
    if (!o.proc_cmdline_file.empty()) {
        auto b = tdx::read_file(o.proc_cmdline_file);
        std::string seen = trim(std::string(b.begin(), b.end()));
        c.check(seen == with_suffix, "/proc/cmdline is the -append string + \" initrd=initrd\"", "\"" + seen + "\"");
    }
    for (const auto& [index, hex] : o.pcrs) {
        std::string replayed = tdx::to_hex(tdx::replay_sha384(log, index));
        c.check(replayed == lower(trim(hex)), "PCR " + std::to_string(index) + " replayed from the log = the TPM's value from sysfs",
                "replay " + replayed + "\n              sysfs  " + lower(trim(hex)));
    }

    std::cout << (c.failures() == 0 ? "oracle_compare: all checks passed\n"
                                    : "oracle_compare: " + std::to_string(c.failures()) + " check(s) FAILED\n");
    return c.failures() == 0 ? 0 : 1;
}

int usage(const char* argv0) {
    std::cerr << "usage: " << argv0
              << " --log LOG --measure-json JSON --cmdline STRING [--initrd FILE] [--proc-cmdline-file FILE]"
                 " [--pcr N=HEX]... [--rtmr0 yes]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) return usage(argv[0]);
        std::string v = argv[++i];
        if (a == "--log") {
            o.log = v;
        } else if (a == "--measure-json") {
            o.measure_json = v;
        } else if (a == "--cmdline") {
            o.cmdline = v;
            o.have_cmdline = true;
        } else if (a == "--initrd") {
            o.initrd = v;
        } else if (a == "--proc-cmdline-file") {
            o.proc_cmdline_file = v;
        } else if (a == "--rtmr0") {
            o.rtmr0 = v == "yes";
        } else if (a == "--pcr") {
            auto eq = v.find('=');
            if (eq == std::string::npos || eq == 0) return usage(argv[0]);
            o.pcrs.emplace_back(static_cast<std::uint32_t>(std::stoul(v.substr(0, eq))), v.substr(eq + 1));
        } else {
            return usage(argv[0]);
        }
    }
    if (o.log.empty() || o.measure_json.empty() || !o.have_cmdline) return usage(argv[0]);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::cerr << "oracle_compare: error: " << e.what() << "\n";
        return 2;
    }
}
