// tdximage verify: rebuild a published image from its recipe and lock (or
// take a directory of boot files) and check its measurements against what was
// published; on a mismatch, say which register, which event and which input.
//
// Nothing published is trusted: a published directory's files are hashed and
// measured here, and its documents (manifest.json, measurements.json, the
// .hex files) are claims checked against those files. "verified" is printed
// only for a set of registers that covers the firmware, the kernel and the
// agent, unless the operator asks for less with --partial, and then the same
// line says what was not verified.
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/temp_dir.h"
#include "base/text_list.h"
#include "builder/build_pipeline.h"
#include "builder/image_build.h"
#include "builder/published_dir.h"
#include "builder/recipe/recipe.h"
#include "builder/recipe/recipe_search.h"
#include "cli/app.h"
#include "cli/build_args.h"
#include "cli/commands.h"
#include "cli/report_json.h"
#include "cli/stderr_reporter.h"
#include "measure/coverage.h"
#include "measure/measurements_compare.h"
#include "measure/measurements_json.h"

namespace tdx::cli {
namespace {
namespace fs = std::filesystem;

struct VerifyArgs {
    BuildArgs build;
    std::string expect_mrtd, expect_file, expect_dir, image;
    bool json = false;
    bool partial = false;
};

// What the operator expects, and where it came from.
struct Expectation {
    PublishedMeasurements values;
    std::optional<builder::PublishedDir> dir;  // --expect-dir: the files and their claims
};

Expectation expected_of(const VerifyArgs& a) {
    const int given = !a.expect_mrtd.empty() + !a.expect_file.empty() + !a.expect_dir.empty();
    if (given != 1) fail("give exactly one of --expect-mrtd HEX, --expect FILE.json, --expect-dir DIR", ErrorKind::Usage);
    Expectation e;
    if (!a.expect_mrtd.empty()) {
        std::string m = a.expect_mrtd;
        for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (m.size() != 96 || m.find_first_not_of("0123456789abcdef") != std::string::npos)
            fail("--expect-mrtd: '" + a.expect_mrtd + "' is not 96 hex digits (an MR_TD is SHA-384)", ErrorKind::Usage);
        e.values.mrtd = m;
        return e;
    }
    if (!a.expect_file.empty()) {
        e.values = parse_measurements(read_text_document(a.expect_file), a.expect_file);
        return e;
    }
    e.dir = builder::check_published_dir(a.expect_dir);
    if (!e.dir->measurements)
        fail((fs::path(a.expect_dir) / "measurements.json").string() + ": missing; a published directory holds the values it claims there",
             ErrorKind::BadInput);
    e.values = parse_measurements(*e.dir->measurements, (fs::path(a.expect_dir) / "measurements.json").string());
    return e;
}

// The registers the expectation gives a value for.
std::vector<std::string> given_registers(const PublishedMeasurements& p) {
    std::vector<std::string> names;
    if (p.mrtd) names.push_back("MR_TD");
    for (int r = 0; r <= 2; ++r)
        if (p.registers.rtmr[r]) names.push_back("RTMR" + std::to_string(r));
    return names;
}

std::string described(const std::vector<RegisterCoverage>& regs) {
    std::vector<std::string> parts;
    for (const RegisterCoverage& r : regs) parts.push_back(r.name + " (" + r.summary + ")");
    return join_names(parts);
}

std::string quoted_args(const std::vector<std::string>& args) {
    if (args.empty()) return "none";
    std::string s;
    for (const std::string& x : args) s += (s.empty() ? "'" : " '") + x + "'";
    return s;
}

// What the published manifest says about the agent, checked against what the
// operator passed. A missing --agent for an image that has one is refused
// before any work: the rebuild could only differ.
std::vector<std::string> agent_notes(const VerifyArgs& a, const Expectation& e) {
    std::vector<std::string> notes;
    if (!e.dir || !e.dir->manifest || !e.dir->manifest->agent_recorded) return notes;
    const builder::PublishedManifest& m = *e.dir->manifest;
    const std::string where = (fs::path(a.expect_dir) / "manifest.json").string();
    // --image measures files as they are: no agent is needed.
    if (m.agent && a.build.agent.empty() && a.image.empty()) {
        std::string pass = "--agent PATH/" + m.agent->name;
        for (const std::string& x : m.agent->args) pass += " --agent-arg '" + x + "'";
        fail(where + ": the published image was built with the agent " + m.agent->name + " (sha256 " + m.agent->sha256 + ", " +
                 std::to_string(m.agent->size) + " bytes) and arguments: " + quoted_args(m.agent->args) + "; rebuild with it: " + pass,
             ErrorKind::Usage);
    }
    if (!m.agent) {
        notes.push_back(where + " says the image was built without an agent (/init runs " + m.init_program + ")" +
                        (a.build.agent.empty() ? "" : ", but --agent was given"));
        return notes;
    }
    if (a.build.agent.empty()) return notes;
    const std::string sha = to_hex(sha256(Bytes(read_file(a.build.agent))));
    if (sha != m.agent->sha256)
        notes.push_back("the agent given (" + a.build.agent + ", sha256 " + sha + ") is not the one " + where + " names (" + m.agent->name +
                        ", sha256 " + m.agent->sha256 + ")");
    if (a.build.agent_args != m.agent->args)
        notes.push_back("the agent arguments given (" + quoted_args(a.build.agent_args) + ") are not the ones " + where + " names (" +
                        quoted_args(m.agent->args) + ")");
    return notes;
}

PublishedMeasurements as_published(const MeasureReport& r, const std::string& name) {
    return parse_measurements(render_measurements(r).dump(), name);
}

// The published boot files, measured here as the recipe says they boot; the
// identities the measurement hashed must be the files hashed before (a file
// replaced in between is a finding, not a silent switch).
MeasureReport measure_published_files(const builder::PublishedDir& d, const builder::Recipe& recipe,
                                      std::vector<builder::ClaimFinding>& findings) {
    if (d.initramfs_name.empty()) fail(d.dir.string() + ": no initramfs.cpio[.gz|.zst|.xz] in the image directory", ErrorKind::BadInput);
    MeasureReport r = measure(builder::recipe_measure_request(recipe, d.dir, d.initramfs_name));
    for (const std::optional<InputIdentity>& id : {std::optional<InputIdentity>(r.ovmf), r.kernel, r.initrd}) {
        if (!id) continue;
        const auto it = d.boot_files.find(id->file);
        if (it != d.boot_files.end() && it->second != id->sha256)
            findings.push_back({id->file, "the file hashed before measuring it", it->second, id->sha256});
    }
    return r;
}

struct Outcome {
    MeasurementDiff diff;                            // expected values vs the rebuild
    std::optional<MeasurementDiff> published_files;  // the published files measured vs the rebuild
    bool files_match_claims = true;                  // the published files measure as their measurements.json says
    std::vector<builder::ClaimFinding> findings;     // claims that do not hold
    std::vector<std::string> differing_files;        // published (hashed here) vs rebuilt
    std::vector<RegisterCoverage> coverage;
    std::vector<std::string> compared;
    std::vector<RegisterCoverage> not_verified;
    std::vector<std::string> notes;
    std::optional<builder::ManifestAgent> agent;
    bool agent_recorded = false;
    std::string agent_uncovered;  // why no compared register covers the agent ("" when one does)
    int status = kExitOk;
};

std::string not_compared_reason(const RegisterDiff& d) {
    const std::string why_not_computed = d.name == "RTMR0" ? " (it needs QEMU's ACPI tables for the VM shape; see docs/operators.md)" : "";
    if (d.expected.empty() && d.actual.empty())
        return "the published values do not include it, and the rebuild does not compute it" + why_not_computed;
    if (d.expected.empty()) return "the published values do not include it";
    return "the rebuild does not compute it" + why_not_computed;
}

void print_register_diffs(const MeasurementDiff& diff, const char* left, const char* right) {
    for (const RegisterDiff& d : diff.registers) {
        if (!d.compared) continue;
        if (d.equal) {
            std::cout << "  " << d.name << "  matches\n";
            continue;
        }
        std::cout << "  " << d.name << "  differs\n    " << left << d.expected << "\n    " << right << d.actual << "\n";
        if (!d.explanation.empty()) std::cout << "    " << d.explanation << "\n";
        if (d.expected_event)
            std::cout << "    published event: " << d.expected_event->description << "  " << to_hex(d.expected_event->digest).substr(0, 16)
                      << "…\n";
        if (d.actual_event)
            std::cout << "    rebuilt event:   " << d.actual_event->description << "  " << to_hex(d.actual_event->digest).substr(0, 16) << "…\n";
    }
}

nlohmann::json registers_json(const MeasurementDiff& diff) {
    nlohmann::json regs = nlohmann::json::array();
    for (const RegisterDiff& d : diff.registers) {
        nlohmann::json j = {{"register", d.name}, {"expected", d.expected}, {"actual", d.actual}, {"compared", d.compared}, {"equal", d.equal}};
        if (!d.explanation.empty()) j["explanation"] = d.explanation;
        auto ev = [](const std::optional<ExpectedEvent>& e) {
            if (!e) return nlohmann::json(nullptr);
            return nlohmann::json{
                {"index", e->index}, {"type", e->type}, {"kind", e->kind}, {"digest", to_hex(e->digest)}, {"description", e->description}};
        };
        if (d.expected_event || d.actual_event)
            j["first_differing_event"] = {{"expected", ev(d.expected_event)}, {"actual", ev(d.actual_event)}};
        regs.push_back(std::move(j));
    }
    return regs;
}

void print_json(const Outcome& o) {
    nlohmann::json claims = nlohmann::json::array();
    for (const builder::ClaimFinding& f : o.findings)
        claims.push_back({{"file", f.file}, {"claim", f.claim}, {"claimed", f.claimed}, {"actual", f.actual}, {"message", f.message()}});
    nlohmann::json not_verified = nlohmann::json::array();
    for (const RegisterCoverage& r : o.not_verified) not_verified.push_back({{"register", r.name}, {"covers", r.inputs}});
    nlohmann::json agent = nullptr;
    if (o.agent) agent = {{"name", o.agent->name}, {"sha256", o.agent->sha256}, {"size", o.agent->size}, {"args", o.agent->args}};
    const char* verdict = o.status == kExitOk ? "verified" : o.status == kExitDifferent ? "mismatch" : "undecided";
    nlohmann::json doc = {{"schema", "tdximage.verify/v1"},
                          {"verdict", verdict},
                          {"registers", registers_json(o.diff)},
                          {"compared", o.compared},
                          {"partial", !o.not_verified.empty()},
                          {"not_verified", not_verified},
                          {"claims", claims},
                          {"differing_files", o.differing_files},
                          {"notes", o.notes},
                          {"agent_uncovered", o.agent_uncovered.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.agent_uncovered)},
                          {"published_agent", o.agent_recorded ? agent : nlohmann::json("not recorded")}};
    doc.update(coverage_json(o.coverage));
    if (o.published_files) {
        doc["published_files"] = registers_json(*o.published_files);
        doc["published_files_match_their_values"] = o.files_match_claims;
    }
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_text(const Outcome& o, const std::string& image_name) {
    const std::string compared = comma_list(o.compared);
    if (o.status == kExitTrouble) {
        std::cout << "undecided: the published values and the rebuild have no register in common\n";
        return;
    }
    if (o.status == kExitOk) {
        std::cout << "verified: " << compared << " of " << image_name
                  << (o.compared.size() == 1 ? " matches the published value" : " match the published values");
        if (!o.not_verified.empty())
            std::cout << "; NOT verified: " << described(o.not_verified)
                      << ", so a TD with other such inputs (any agent, if RTMR2 is among them) passes too";
        else if (!o.agent_uncovered.empty())
            std::cout << "; NOT covered: the agent (" << o.agent_uncovered << "), so a TD with any agent passes too";
        std::cout << "\n";
    } else {
        std::cout << "MISMATCH: " << image_name << " does not reproduce the published image\n";
        print_register_diffs(o.diff, "published ", "rebuilt   ");
    }
    if (!o.findings.empty()) {
        std::cout << "  published claims that do not hold (" << o.findings.size() << "):\n";
        for (const builder::ClaimFinding& f : o.findings) std::cout << "    " << f.message() << "\n";
    }
    // Shown when the files measure otherwise than their own measurements.json
    // says; when they agree, the register lines above already tell it.
    if (o.published_files && !o.files_match_claims) {
        std::cout << "  the published files themselves, measured here, against the rebuild:\n";
        print_register_diffs(*o.published_files, "published files ", "rebuilt         ");
    }
    if (!o.differing_files.empty()) {
        std::cout << "  files that differ from the published image:";
        for (const std::string& f : o.differing_files) std::cout << " " << f;
        std::cout << "\n  (tdximage diff PUBLISHED_DIR REBUILT_DIR names what differs inside them)\n";
    }
    for (const std::string& n : o.notes) std::cout << "  note: " << n << "\n";
    std::cout << "  compared:     " << (compared.empty() ? "nothing" : compared) << "\n";
    for (const RegisterCoverage& c : o.coverage) {
        const bool was = std::find(o.compared.begin(), o.compared.end(), c.name) != o.compared.end();
        std::string reason;
        for (const RegisterDiff& d : o.diff.registers)
            if (d.name == c.name && !d.compared) reason = ": " + not_compared_reason(d);
        std::cout << "    " << c.name << (c.name.size() < 6 ? "   " : "  ") << (was ? "covers " : "NOT compared, it covers ") << c.summary
                  << reason << "\n";
    }
    if (o.agent_recorded) {
        if (o.agent)
            std::cout << "  agent:        " << o.agent->name << " (sha256 " << o.agent->sha256 << ", " << o.agent->size
                      << " bytes), arguments: " << quoted_args(o.agent->args) << " (as the published manifest records it)\n";
        else
            std::cout << "  agent:        none (the published manifest records that /init runs the recipe's init.program)\n";
    }
}

int run_verify(VerifyArgs a) {
    const Expectation expected = expected_of(a);
    const builder::Recipe recipe = builder::load_recipe(builder::find_recipe(a.build.recipe).file);

    Outcome o;
    // Refuse before any work when the expectation cannot cover the image.
    o.compared = given_registers(expected.values);
    const std::vector<RegisterCoverage> missing = uncovered(register_coverage({find_profile(recipe.profile), true}), o.compared);
    if (!missing.empty() && !a.partial)
        fail("the expected values give only " + join_names(o.compared) + "; they do not cover " + described(missing) +
                 ", so an image with another kernel, command line or agent on the same firmware would pass. Compare " +
                 join_names(pin_set(register_coverage({find_profile(recipe.profile), true}))) +
                 " (--expect-dir DIR or --expect measurements.json), or pass --partial to check only what was given and say so",
             ErrorKind::Usage);
    o.notes = agent_notes(a, expected);
    if (expected.dir && expected.dir->manifest) {
        o.agent_recorded = expected.dir->manifest->agent_recorded;
        o.agent = expected.dir->manifest->agent;
    }
    if (expected.dir) o.findings = expected.dir->findings;

    std::unique_ptr<TempDir> tmp;
    MeasureReport report;
    std::map<std::string, std::string> rebuilt_files;
    if (!a.image.empty()) {
        // The image under test is a directory someone handed over: its own
        // claims are checked like a published directory's.
        const builder::PublishedDir image = builder::check_published_dir(a.image);
        for (const builder::ClaimFinding& f : image.findings) o.findings.push_back(f);
        report = measure_published_files(image, recipe, o.findings);
        rebuilt_files = image.boot_files;
    } else {
        // A rebuild uses the lock only: verifying never re-resolves.
        a.build.locked = true;
        a.build.quiet = a.build.quiet || a.json;
        if (a.build.out.empty()) {
            tmp = std::make_unique<TempDir>("tdximage-verify");
            a.build.out = (tmp->path() / "image").string();
        }
        StderrReporter reporter(a.build.quiet);
        builder::BuildRequest request = a.build;
        request.reporter = &reporter;
        const builder::BuildOutcome built = builder::build_into_directory(request);
        report = built.report;
        rebuilt_files = builder::hash_boot_files(built.out_dir);
    }
    const PublishedMeasurements actual = as_published(report, "rebuilt measurements");
    o.diff = compare_measurements(expected.values, actual);
    o.coverage = report.coverage;
    o.compared.clear();
    for (const RegisterDiff& d : o.diff.registers)
        if (d.compared) o.compared.push_back(d.name);
    o.not_verified = uncovered(o.coverage, o.compared);
    bool agent_uncovered = true;
    for (const RegisterCoverage& c : o.coverage)
        if (c.covers_agent && std::find(o.compared.begin(), o.compared.end(), c.name) != o.compared.end()) agent_uncovered = false;
    if (agent_uncovered) {
        o.agent_uncovered = o.not_verified.empty() ? "Linux " + report.kernel_version.substr(0, report.kernel_version.find(' ')) +
                                                         " does not measure its command line and initramfs into RTMR2"
                                                   : "RTMR2 was not compared";
        if (!a.partial && o.not_verified.empty())
            fail("no register compared covers the agent (" + o.agent_uncovered + "); pass --partial to verify the rest and say so",
                 ErrorKind::Usage);
    }

    if (expected.dir) {
        const MeasureReport published = measure_published_files(*expected.dir, recipe, o.findings);
        const PublishedMeasurements measured = as_published(published, "the published files");
        o.published_files = compare_measurements(measured, actual);
        o.files_match_claims = compare_measurements(expected.values, measured).all_equal;
        for (const auto& [name, sha] : expected.dir->boot_files) {
            const auto it = rebuilt_files.find(name);
            if (it == rebuilt_files.end() || it->second != sha) o.differing_files.push_back(name);
        }
        for (const auto& [name, sha] : rebuilt_files)
            if (!expected.dir->boot_files.count(name)) o.differing_files.push_back(name);
    }
    const bool files_differ = !o.findings.empty() || !o.differing_files.empty() || (o.published_files && !o.published_files->all_equal);
    o.status = !o.diff.any_compared ? kExitTrouble : (o.diff.all_equal && !files_differ) ? kExitOk : kExitDifferent;

    if (a.json) print_json(o);
    else
        print_text(o, recipe.name);
    std::cout.flush();
    if (!std::cout) fail("cannot write to standard output", ErrorKind::Io);
    return o.status;
}

}  // namespace

void add_verify_command(CLI::App& app, Runners& runners) {
    auto a = std::make_shared<VerifyArgs>();
    CLI::App* c = app.add_subcommand("verify",
                                     "Rebuild an image from its recipe and lock and check its MR_TD/RTMRs and files against published values");
    c->add_option("RECIPE", a->build.recipe, "recipe file the image was built from, or the name of a shipped recipe")->required();
    c->add_option("--lock", a->build.lock,
                  "its lockfile (default: RECIPE.lock, or ./NAME.yaml.lock for a shipped recipe given by name); verify never re-resolves");
    c->add_option("--expect-mrtd", a->expect_mrtd, "the published MR_TD (96 hex digits); covers only the firmware, so it needs --partial");
    c->add_option("--expect", a->expect_file, "the published measurements.json");
    c->add_option("--expect-dir", a->expect_dir,
                  "the published output directory: its files are hashed and measured here, and its manifest.json, measurements.json and "
                  ".hex files are checked against them");
    c->add_option("--image", a->image, "measure this directory of boot files instead of rebuilding (its manifest's claims are checked too)");
    c->add_option("--agent", a->build.agent, "the agent the image was built with (as for build); --expect-dir's manifest says which");
    c->add_option("--agent-arg", a->build.agent_args, "its arguments (as for build)")->each([a](const std::string&) {
        a->build.agent_args_given = true;
    });
    c->add_option("--out", a->build.out, "keep the rebuilt image here (default: a temporary directory, removed)");
    c->add_option("--cache-dir", a->build.cache_dir, "download cache (default: $XDG_CACHE_HOME/tdximage or ~/.cache/tdximage)");
    c->add_flag("--offline", a->build.offline, "never use the network: every input must be in the cache");
    c->add_flag("--partial", a->partial,
                "accept expected values that do not cover the firmware, the kernel and the agent (e.g. --expect-mrtd alone); "
                "the verdict then names what was not verified");
    c->add_flag("--quiet", a->build.quiet, "no progress on stderr");
    c->add_flag("--json", a->json, "print a JSON document (schema tdximage.verify/v1)");
    runners[c] = [a] { return run_verify(*a); };
}

}  // namespace tdx::cli
