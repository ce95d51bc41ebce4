// tdximage eventlog show|replay|compare: read a TD's CCEL (or a TPM log),
// replay it to RTMR values, and compare it event by event with what
// `tdximage measure` predicted, naming the first event that differs and the
// inputs it depends on.
#include <filesystem>
#include <iostream>
#include <set>

#include "base/file_io.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/eventlog_report.h"
#include "measure/measurements_json.h"

namespace tdx::cli {
namespace {

struct EventlogArgs {
    std::string log;
    std::string expected;
    std::string registers;
    bool json = false;
    bool tpm = false;
};

// The log named by `path`: parsed, checked for a SHA-384 bank and replayed.
// Errors name the path as given (stderr); documents name the file only.
LoadedLog load_log(const std::string& path, bool tpm) {
    InputFile f(path);
    LoadedLog l;
    l.file = std::filesystem::path(path).filename().string();
    l.path = path;
    l.size = f.size();
    l.mapping = tpm ? LogMapping::Tpm : LogMapping::Tdx;
    l.log = parse_tcg2_event_log(f.bytes(), path);
    l.replay = replay_rtmrs(l.log, l.mapping, path);
    l.gaps = read_prediction_gaps(l.log);
    return l;
}

std::vector<int> parse_registers(const std::string& text) {
    std::set<int> regs;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        const std::string word = text.substr(start, comma - start);
        int r = -1;
        for (int i = 0; i < 4; ++i)
            if (word == "rtmr" + std::to_string(i)) r = i;
        if (r < 0) fail("--registers: '" + word + "' is not one of rtmr0, rtmr1, rtmr2, rtmr3", ErrorKind::Usage);
        regs.insert(r);
        start = comma + 1;
    }
    return {regs.begin(), regs.end()};
}

void flush_stdout() {
    std::cout.flush();
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
}

std::string dump(const nlohmann::json& j) { return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"; }

int run_show(const EventlogArgs& a) {
    const LoadedLog l = load_log(a.log, a.tpm);
    if (a.json) std::cout << dump(eventlog_json(l, true));
    else
        print_eventlog_show(std::cout, l);
    flush_stdout();
    return kExitOk;
}

int run_replay(const EventlogArgs& a) {
    const LoadedLog l = load_log(a.log, a.tpm);
    if (a.json) std::cout << dump(eventlog_json(l, false));
    else
        print_eventlog_replay(std::cout, l);
    flush_stdout();
    return kExitOk;
}

int run_compare(const EventlogArgs& a) {
    // Usage errors first, before any file is read.
    std::vector<int> registers;
    if (!a.registers.empty()) registers = parse_registers(a.registers);
    const LoadedLog l = load_log(a.log, a.tpm);
    const ExpectedMeasurements expected = parse_measurements(read_text_document(a.expected), a.expected).registers;
    if (a.registers.empty()) registers = default_compared_registers(l.log, l.mapping, expected);

    const LogComparison c = compare_event_log(l.log, l.mapping, a.log, expected, registers);
    const std::string expected_file = std::filesystem::path(a.expected).filename().string();
    if (a.json) std::cout << dump(eventlog_compare_json(l, expected_file, c));
    else
        print_eventlog_compare(std::cout, l, expected_file, c);
    flush_stdout();
    if (c.verdict == Verdict::Match) return kExitOk;
    if (c.verdict == Verdict::Different) return kExitDifferent;
    std::string undecided;
    for (const RegisterComparison& r : c.registers)
        if (r.verdict == Verdict::Undecided) undecided += (undecided.empty() ? "" : ", ") + rtmr_name(r.rtmr);
    std::cerr << "tdximage: cannot decide: "
              << (registers.empty() ? "no register to compare (the expected document predicts none and the log extends none)"
                                    : undecided + " not predicted by " + a.expected + "; choose the registers with --registers")
              << "\n";
    return kExitTrouble;
}

}  // namespace

void add_eventlog_command(CLI::App& app, Runners& runners) {
    CLI::App* evlog = app.add_subcommand("eventlog", "Show, replay and check a TD's event log (CCEL) or a TPM event log");
    evlog->require_subcommand(1);
    const char* tpm_help = "the log is a TPM log (PCR numbers, mapped to RTMRs as TDVF maps them) instead of a TD's CCEL (MR indices)";

    auto show = std::make_shared<EventlogArgs>();
    CLI::App* s = evlog->add_subcommand("show",
                                        "Every event with its register, type, SHA-384 digest and decoded data; then the replayed registers");
    s->add_option("LOG", show->log, "binary TCG2 event log (/sys/firmware/acpi/tables/data/CCEL, binary_bios_measurements)")->required();
    s->add_flag("--json", show->json, "print a JSON document (schema tdximage.eventlog/v1)");
    s->add_flag("--tpm", show->tpm, tpm_help);
    runners[s] = [show] { return run_show(*show); };

    auto replay = std::make_shared<EventlogArgs>();
    CLI::App* r = evlog->add_subcommand("replay", "The RTMR values the log replays to (SHA-384)");
    r->add_option("LOG", replay->log, "binary TCG2 event log")->required();
    r->add_flag("--json", replay->json, "print a JSON document (schema tdximage.eventlog/v1, without events)");
    r->add_flag("--tpm", replay->tpm, tpm_help);
    runners[r] = [replay] { return run_replay(*replay); };

    auto compare = std::make_shared<EventlogArgs>();
    CLI::App* c = evlog->add_subcommand("compare",
                                        "Check the log against a measurements.json, register by register, naming the first differing event");
    c->add_option("LOG", compare->log, "binary TCG2 event log")->required();
    c->add_option("--expected", compare->expected, "measurements.json from `tdximage measure --json` or --out-dir")->required();
    c->add_option(
        "--registers", compare->registers,
        "comma-separated registers to compare (rtmr0,rtmr1,rtmr2,rtmr3); default: those the document predicts and those the log extends");
    c->add_flag("--json", compare->json, "print a JSON document (schema tdximage.eventlog-compare/v1)");
    c->add_flag("--tpm", compare->tpm, tpm_help);
    c->footer(
        "Exit status: 0 every compared register matches; 1 a register differs; 2 a compared register is not predicted, "
        "or an input is unreadable or malformed.");
    runners[c] = [compare] { return run_compare(*compare); };
}

}  // namespace tdx::cli
