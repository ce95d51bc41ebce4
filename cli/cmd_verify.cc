// tdximage verify: rebuild a published image from its recipe and lock (or
// take a directory of boot files) and check its measurements against what was
// published; on a mismatch, say which register, which event and which input.
#include <stdlib.h>

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "builder/file_hash.h"
#include "builder/image_build.h"
#include "builder/recipe.h"
#include "builder/recipe_search.h"
#include "cli/app.h"
#include "cli/build_pipeline.h"
#include "cli/commands.h"
#include "cli/report_json.h"
#include "measure/base/digest.h"
#include "measure/base/error.h"
#include "measure/base/file_io.h"
#include "measure/measurement_diff.h"

namespace tdx::cli {
namespace {
namespace fs = std::filesystem;

struct VerifyArgs {
    BuildArgs build;
    std::string expect_mrtd, expect_file, expect_dir, image;
    bool json = false;
};

std::string text_of(const fs::path& p) {
    const std::vector<std::uint8_t> b = read_file(p);
    return std::string(b.begin(), b.end());
}

// What build may name its boot files: the firmware, the kernel, and the
// initramfs under any of its compressions.
std::vector<std::string> boot_file_names() {
    std::vector<std::string> names = {"OVMF.fd", "vmlinuz"};
    for (builder::Compression c : {builder::Compression::Gzip, builder::Compression::Zstd, builder::Compression::Xz, builder::Compression::None})
        names.push_back(builder::initramfs_file_name(c));
    return names;
}

// The boot files of an image directory: name -> SHA-256.
std::map<std::string, std::string> boot_files(const fs::path& dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (const std::string& n : boot_file_names())
        if (fs::is_regular_file(dir / n, ec)) out[n] = builder::hash_file(dir / n).sha256;
    return out;
}

// A published directory's boot files as its manifest records them (falling
// back to hashing the files themselves).
std::map<std::string, std::string> published_boot_files(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_regular_file(dir / "manifest.json", ec)) {
        std::map<std::string, std::string> out;
        try {
            const auto m = nlohmann::json::parse(text_of(dir / "manifest.json"));
            for (const auto& o : m.at("outputs")) {
                const std::string name = o.at("name").get<std::string>();
                if (name == "OVMF.fd" || name == "vmlinuz" || name.rfind("initramfs.cpio", 0) == 0) out[name] = o.at("sha256").get<std::string>();
            }
            return out;
        } catch (const nlohmann::json::exception& e) {
            fail((dir / "manifest.json").string() + ": not a tdximage manifest: " + e.what(), ErrorKind::BadInput);
        }
    }
    return boot_files(dir);
}

PublishedMeasurements expected_of(const VerifyArgs& a) {
    const int given = !a.expect_mrtd.empty() + !a.expect_file.empty() + !a.expect_dir.empty();
    if (given != 1) fail("give exactly one of --expect-mrtd HEX, --expect FILE.json, --expect-dir DIR", ErrorKind::Usage);
    if (!a.expect_mrtd.empty()) {
        std::string m = a.expect_mrtd;
        for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (m.size() != 96 || m.find_first_not_of("0123456789abcdef") != std::string::npos)
            fail("--expect-mrtd: '" + a.expect_mrtd + "' is not 96 hex digits (an MR_TD is SHA-384)", ErrorKind::Usage);
        PublishedMeasurements p;
        p.mrtd = m;
        return p;
    }
    const fs::path f = !a.expect_file.empty() ? fs::path(a.expect_file) : fs::path(a.expect_dir) / "measurements.json";
    return parse_published_measurements(text_of(f), f.string());
}

// Measures an existing directory of boot files with the recipe's command
// line, memory and profile, as `build` would have.
MeasureReport measure_image_dir(const fs::path& dir, const builder::Recipe& recipe) {
    for (const std::string& n : boot_file_names()) {
        std::error_code ec;
        if (n.rfind("initramfs.cpio", 0) == 0 && fs::is_regular_file(dir / n, ec)) return measure(recipe_measure_request(recipe, dir, n));
    }
    fail(dir.string() + ": no initramfs.cpio[.gz|.zst|.xz] in the image directory", ErrorKind::BadInput);
}

struct TempDirectory {
    fs::path path;
    TempDirectory() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = (fs::path(base && *base ? base : "/tmp") / "tdximage-verify-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) fail("cannot create a temporary directory for the rebuild under " + fs::path(tmpl).parent_path().string(), ErrorKind::Io);
        path = tmpl;
    }
    ~TempDirectory() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

int run_verify(VerifyArgs a) {
    const PublishedMeasurements expected = expected_of(a);
    const builder::Recipe recipe = builder::load_recipe(builder::find_recipe(a.build.recipe).file);
    std::unique_ptr<TempDirectory> tmp;
    fs::path image_dir;
    MeasureReport report;
    if (!a.image.empty()) {
        image_dir = a.image;
        report = measure_image_dir(image_dir, recipe);
    } else {
        // A rebuild uses the lock only: verifying never re-resolves.
        a.build.locked = true;
        a.build.quiet = a.build.quiet || a.json;
        if (a.build.out.empty()) {
            tmp = std::make_unique<TempDirectory>();
            a.build.out = (tmp->path / "image").string();
        }
        const BuildOutcome built = build_into_directory(a.build);
        image_dir = built.out_dir;
        report = built.report;
    }
    const PublishedMeasurements actual = parse_published_measurements(measure_report_json(report).dump(), "rebuilt measurements");
    const MeasurementDiff diff = diff_measurements(expected, actual);

    std::vector<std::string> differing_files;
    if (!a.expect_dir.empty()) {
        const auto published = published_boot_files(a.expect_dir), rebuilt = boot_files(image_dir);
        for (const auto& [name, sha] : published) {
            const auto it = rebuilt.find(name);
            if (it == rebuilt.end() || it->second != sha) differing_files.push_back(name);
        }
        for (const auto& [name, sha] : rebuilt)
            if (!published.count(name)) differing_files.push_back(name);
    }
    const int status = !diff.any_compared ? kExitTrouble : diff.all_equal ? kExitOk : kExitDifferent;

    if (a.json) {
        nlohmann::json regs = nlohmann::json::array();
        for (const RegisterDiff& d : diff.registers) {
            nlohmann::json j = {{"register", d.name}, {"expected", d.expected}, {"actual", d.actual}, {"compared", d.compared}, {"equal", d.equal}};
            if (!d.explanation.empty()) j["explanation"] = d.explanation;
            auto ev = [](const std::optional<ExpectedEvent>& e) {
                if (!e) return nlohmann::json(nullptr);
                return nlohmann::json{{"index", e->index}, {"type", e->type}, {"kind", e->kind}, {"digest", to_hex(e->digest)}, {"description", e->description}};
            };
            if (d.expected_event || d.actual_event) j["first_differing_event"] = {{"expected", ev(d.expected_event)}, {"actual", ev(d.actual_event)}};
            regs.push_back(std::move(j));
        }
        const char* verdict = status == kExitOk ? "verified" : status == kExitDifferent ? "mismatch" : "undecided";
        std::cout << nlohmann::json{{"schema", "tdximage.verify/v1"}, {"verdict", verdict}, {"registers", regs}, {"differing_files", differing_files}}.dump(2)
                  << "\n";
        return status;
    }
    std::string compared;
    int n_compared = 0;
    for (const RegisterDiff& d : diff.registers)
        if (d.compared) compared += (n_compared++ ? ", " : "") + d.name;
    if (status == kExitTrouble) {
        std::cout << "undecided: the published values and the rebuild have no register in common\n";
        return status;
    }
    if (status == kExitOk) {
        std::cout << "verified: " << compared << " of " << recipe.name << (n_compared == 1 ? " matches the published value\n" : " match the published values\n");
        return status;
    }
    std::cout << "MISMATCH: " << recipe.name << " does not reproduce the published values\n";
    for (const RegisterDiff& d : diff.registers) {
        if (!d.compared) continue;
        if (d.equal) {
            std::cout << "  " << d.name << "  matches\n";
            continue;
        }
        std::cout << "  " << d.name << "  differs\n    published " << d.expected << "\n    rebuilt   " << d.actual << "\n";
        if (!d.explanation.empty()) std::cout << "    " << d.explanation << "\n";
        if (d.expected_event) std::cout << "    published event: " << d.expected_event->description << "  " << to_hex(d.expected_event->digest).substr(0, 16) << "…\n";
        if (d.actual_event) std::cout << "    rebuilt event:   " << d.actual_event->description << "  " << to_hex(d.actual_event->digest).substr(0, 16) << "…\n";
    }
    if (!differing_files.empty()) {
        std::cout << "  files that differ from the published image:";
        for (const std::string& f : differing_files) std::cout << " " << f;
        std::cout << "\n  (tdximage diff PUBLISHED_DIR REBUILT_DIR names what differs inside them)\n";
    }
    return status;
}

}  // namespace

void add_verify_command(CLI::App& app, Runners& runners) {
    auto a = std::make_shared<VerifyArgs>();
    CLI::App* c = app.add_subcommand("verify", "Rebuild an image from its recipe and lock and check its MR_TD/RTMRs against published values");
    c->add_option("RECIPE", a->build.recipe, "recipe file the image was built from, or the name of a shipped recipe")->required();
    c->add_option("--lock", a->build.lock, "its lockfile (default: RECIPE.lock, or ./NAME.yaml.lock for a shipped recipe given by name); verify never re-resolves");
    c->add_option("--expect-mrtd", a->expect_mrtd, "the published MR_TD (96 hex digits, e.g. the content of mr_td.hex)");
    c->add_option("--expect", a->expect_file, "the published measurements.json");
    c->add_option("--expect-dir", a->expect_dir, "the published output directory (its measurements.json and manifest.json)");
    c->add_option("--image", a->image, "measure this directory of boot files instead of rebuilding");
    c->add_option("--agent", a->build.agent, "the agent the image was built with (as for build)");
    c->add_option("--agent-arg", a->build.agent_args, "its arguments (as for build)")->each([a](const std::string&) { a->build.agent_args_given = true; });
    c->add_option("--out", a->build.out, "keep the rebuilt image here (default: a temporary directory, removed)");
    c->add_option("--cache-dir", a->build.cache_dir, "download cache (default: $XDG_CACHE_HOME/tdximage or ~/.cache/tdximage)");
    c->add_flag("--offline", a->build.offline, "never use the network: every input must be in the cache");
    c->add_flag("--quiet", a->build.quiet, "no progress on stderr");
    c->add_flag("--json", a->json, "print a JSON document (schema tdximage.verify/v1)");
    runners[c] = [a] { return run_verify(*a); };
}

}  // namespace tdx::cli
