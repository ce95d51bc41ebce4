// The build pipeline, stage by stage:
//   1. recipe and arguments checked, output directory claimed
//   2. lock: read, or resolved and written; checked against the recipe and
//      against the signed indexes it pins
//   3. image: fetch, stage the root file system, initramfs, firmware and
//      kernel (build_image)
//   4. measure the assembled bytes in memory
//   5. render the outputs: values, measurements.json, launch script, SBOM,
//      manifest
//   6. commit: the output directory replaced as a whole
#include "builder/build_pipeline.h"

#include <cstdlib>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/version.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/caching_downloader.h"
#include "builder/image_build.h"
#include "builder/launch_script.h"
#include "builder/lock/lock_check.h"
#include "builder/lock/lock_recipe.h"
#include "builder/output_dir.h"
#include "builder/recipe/recipe_search.h"
#include "builder/spdx_sbom.h"
#include "measure/measurements_compare.h"
#include "measure/measurements_json.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

// SOURCE_DATE_EPOCH as the reproducible-builds spec defines it: a decimal
// integer of seconds; anything else is refused rather than ignored.
std::optional<std::int64_t> env_source_date_epoch() {
    const char* v = std::getenv("SOURCE_DATE_EPOCH");
    if (!v || !*v) return std::nullopt;
    const std::string s = v;
    if (s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos || std::stoll(s) > 0xffffffffLL)
        fail("SOURCE_DATE_EPOCH='" + s + "' is not a number of seconds between 0 and 4294967295", ErrorKind::Usage);
    return std::stoll(s);
}

Bytes text_bytes(const std::string& text) { return Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()); }

// An output's name, size and SHA-256, as the manifest lists it.
ManifestOutput identity(const std::string& name, Bytes content) { return {name, content.size(), to_hex(sha256(content))}; }

void check_agent(const std::string& agent) {
    if (agent.empty()) return;
    std::error_code ec;
    const fs::file_status st = fs::status(agent, ec);
    if (fs::is_directory(st)) fail(agent + ": --agent: is a directory; give the agent program", ErrorKind::Usage);
    if (!fs::exists(st)) fail(agent + ": --agent: no such file", ErrorKind::Usage);
    if (!fs::is_regular_file(st)) fail(agent + ": --agent: not a regular file", ErrorKind::Usage);
}

// Stage 2. The lock as read from its file, or as resolved now and written.
// A lock resolved now is parsed back from the text written, so that every
// later error names its line in the file like a lock that was read.
struct Locked {
    Lockfile lock;
    std::string text;
};

Locked lock_stage(const BuildRequest& a, const RecipeLocation& where, const Recipe& recipe, CachingDownloader& dl, Reporter& reporter) {
    const fs::path lock_path = where.lock_for(a.lock);
    std::optional<LoadedLockfile> loaded = read_lockfile(lock_path);
    Locked l;
    if (loaded) {
        l.lock = std::move(loaded->lock);
        l.text = std::move(loaded->text);
    } else {
        if (a.locked || a.offline) fail(lock_path.string() + ": no lockfile; run `tdximage lock " + a.recipe + "` first", ErrorKind::Usage);
        reporter.stage("resolving " + a.recipe + " (no lockfile yet)");
        const Lockfile resolved = lock_recipe(recipe, dl);
        l.text = render_lockfile(resolved);
        write_file_atomically(lock_path, l.text);
        reporter.note("wrote " + lock_path.string() + " (" + std::to_string(resolved.packages.size()) + " packages)");
        l.lock = parse_lockfile(l.text, lock_path.string());
    }
    check_lock_matches(recipe, l.lock, lock_path.string());
    check_lock_against_indexes(recipe, l.lock, dl, lock_path.string());
    return l;
}

// The registers that changed since the build that last wrote `dir`, read
// from its measurements.json (our own earlier output, so a file that is not
// one only means there is nothing to compare with).
std::optional<std::vector<std::string>> changed_registers(const fs::path& dir, const std::string& now) {
    std::error_code ec;
    const fs::path previous = dir / "measurements.json";
    if (fs::symlink_status(previous, ec).type() != fs::file_type::regular || fs::file_size(previous, ec) > (16u << 20)) return std::nullopt;
    try {
        const MeasurementDiff d = compare_measurements(parse_measurements(read_text_document(previous), previous.string()),
                                                       parse_measurements(now, "the new measurements"));
        std::vector<std::string> changed;
        for (const RegisterDiff& r : d.registers)
            if (r.expected != r.actual) changed.push_back(r.name);
        return changed;
    } catch (const Error&) {
        return std::nullopt;
    }
}

// Stage 5's writer: every output is staged and listed with its identity.
class Outputs {
public:
    explicit Outputs(StagedOutputDir& out) : out_(out) {}
    void put(const std::string& name, Bytes content, bool exec = false) {
        out_.write(name, content, exec);
        listed_.push_back(identity(name, content));
    }
    void put_text(const std::string& name, const std::string& text, bool exec = false) { put(name, text_bytes(text), exec); }
    const std::vector<ManifestOutput>& listed() const { return listed_; }

private:
    StagedOutputDir& out_;
    std::vector<ManifestOutput> listed_;
};

}  // namespace

MeasureRequest recipe_measure_request(const Recipe& recipe, const fs::path& dir, const std::string& initramfs_name) {
    MeasureRequest req;
    req.ovmf = dir / "OVMF.fd";
    req.kernel = dir / "vmlinuz";
    req.initrd = dir / initramfs_name;
    req.cmdline = recipe.cmdline;
    req.memory_size = recipe.vm.memory;
    req.cpus = recipe.vm.cpus;
    req.profile = find_profile(recipe.profile);
    return req;
}

BuildOutcome build_into_directory(const BuildRequest& a) {
    Reporter& reporter = a.reporter ? *a.reporter : silent_reporter();

    // 1. Recipe, arguments, output directory (refused before any work, and
    //    before a lock is written, when it is someone else's).
    const RecipeLocation where = find_recipe(a.recipe);
    const Recipe recipe = load_recipe(where.file);
    check_local_files(recipe);
    check_agent(a.agent);
    const std::optional<std::int64_t> sde = env_source_date_epoch();
    StagedOutputDir out(a.out.empty() ? fs::path("out") / recipe.name : fs::path(a.out));

    Cache cache(Cache::root_for(a.cache_dir));
    CachingDownloaderOptions dlo;
    dlo.offline = a.offline;
    dlo.reporter = &reporter;
    CachingDownloader dl(cache, dlo);

    // 2. The lock.
    const Locked locked = lock_stage(a, where, recipe, dl, reporter);

    // 3. The image: fetch, stage, initramfs, firmware and kernel.
    BuildOptions bo;
    if (!a.agent.empty()) bo.agent = fs::path(a.agent);
    if (a.agent_args_given) bo.agent_args = a.agent_args;
    bo.env_source_date_epoch = sde;
    bo.tool_version = tool_version();
    bo.on_stage = [&reporter](const std::string& s) { reporter.stage(s); };
    BuiltImage img = build_image(recipe, locked.lock, locked.text, dl, bo);

    // 4. Measure the bytes just assembled, as QEMU will load them.
    reporter.stage("measuring");
    MeasureRequest mr = recipe_measure_request(recipe, "", img.initramfs_name);
    mr.ovmf_contents = Bytes(img.ovmf);
    mr.kernel_contents = Bytes(img.kernel);
    mr.initrd_contents = Bytes(img.initramfs);
    const MeasureReport report = measure(mr);
    for (const std::string& w : report.warnings) img.warnings.push_back(w);

    // 5. The outputs. The image digest covers the boot files, the values and
    //    the launch script; the SBOM names the image by that digest and the
    //    manifest lists everything, so both stand outside it.
    Outputs files(out);
    files.put("vmlinuz", Bytes(img.kernel));
    files.put(img.initramfs_name, Bytes(img.initramfs));
    files.put("OVMF.fd", Bytes(img.ovmf));
    const MeasurementFiles values = measurement_files(report);
    for (const MeasurementFile& f : values.files) files.put_text(f.name, f.content);
    const std::string& measurements = values.files.back().content;
    const std::optional<std::vector<std::string>> changed = changed_registers(out.final_dir(), measurements);

    LaunchPlan lp;
    lp.image_name = recipe.name;
    lp.initrd = img.initramfs_name;
    lp.cmdline = recipe.cmdline;
    lp.memory = recipe.vm.memory;
    lp.cpus = recipe.vm.cpus;
    lp.profile = report.profile.name;
    lp.kernel_header = report.profile.kernel_header;
    for (const auto& o : files.listed())
        if (o.name == "OVMF.fd" || o.name == "vmlinuz" || o.name == img.initramfs_name) lp.files.push_back({o.name, o.sha256});
    files.put_text("launch-qemu.sh", render_launch_script(lp), true);

    const std::string digest = image_digest(files.listed());
    SbomInput si;
    si.image_name = recipe.name;
    si.image_digest = digest;
    si.tool_version = tool_version();
    si.source_date_epoch = img.manifest.source_date_epoch;
    si.lock = locked.lock;
    si.sources = recipe.sources;
    for (const auto& in : img.manifest.inputs)
        if (in.role == "agent") si.extra.push_back({"agent", in.name, in.sha256});
    const std::string sbom = render_spdx_sbom(si);
    out.write("sbom.spdx.json", sbom);
    img.manifest.outputs = files.listed();
    img.manifest.sbom = identity("sbom.spdx.json", text_bytes(sbom));
    const std::string manifest = render_manifest(img.manifest);
    out.write("manifest.json", manifest);

    // 6. Commit.
    out.commit();

    BuildOutcome o;
    o.out_dir = out.final_dir();
    o.recipe_name = recipe.name;
    o.kernel_version = img.kernel_version;
    o.report = report;
    o.files = files.listed();
    o.files.push_back(img.manifest.sbom);
    o.files.push_back(identity("manifest.json", text_bytes(manifest)));
    o.digest = digest;
    o.warnings = img.warnings;
    o.changed_since_previous = changed;
    return o;
}

}  // namespace tdx::builder
