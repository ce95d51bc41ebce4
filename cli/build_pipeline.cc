// The build as one step: recipe, lock and cache in, a published output
// directory and its measurements out. `build` prints the result; `verify`
// builds into a temporary directory and compares.
#include "cli/build_pipeline.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "builder/fetch/cache.h"
#include "builder/fetch/caching_downloader.h"
#include "builder/image_build.h"
#include "builder/launch_script.h"
#include "builder/lock/lock_check.h"
#include "builder/lock/lock_recipe.h"
#include "builder/output_dir.h"
#include "builder/recipe/recipe_search.h"
#include "builder/spdx_sbom.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "measure/measurements_compare.h"
#include "measure/measurements_json.h"

namespace tdx::cli {
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

std::string sha256_hex(Bytes b) { return to_hex(sha256(b)); }

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


}  // namespace

MeasureRequest recipe_measure_request(const builder::Recipe& recipe, const fs::path& dir, const std::string& initramfs_name) {
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

BuildOutcome build_into_directory(const BuildArgs& a) {
    const bool progress = !a.quiet && ::isatty(2);
    int step = 0;
    auto on_stage = [&](const std::string& s) {
        if (progress) std::cerr << "tdximage: [" << ++step << "] " << s << "\n";
    };
    const builder::RecipeLocation where = builder::find_recipe(a.recipe);
    const builder::Recipe recipe = builder::load_recipe(where.file);
    builder::check_local_files(recipe);
    if (!a.agent.empty()) {
        std::error_code ec;
        const fs::file_status st = fs::status(a.agent, ec);
        if (fs::is_directory(st)) fail(a.agent + ": --agent: is a directory; give the agent program", ErrorKind::Usage);
        if (!fs::exists(st)) fail(a.agent + ": --agent: no such file", ErrorKind::Usage);
        if (!fs::is_regular_file(st)) fail(a.agent + ": --agent: not a regular file", ErrorKind::Usage);
    }
    const std::optional<std::int64_t> sde = env_source_date_epoch();
    // Refused before any work (and before a lock is written) when the output
    // directory is someone else's.
    builder::StagedOutputDir out(a.out.empty() ? fs::path("out") / recipe.name : fs::path(a.out));

    builder::Cache cache(a.cache_dir.empty() ? builder::Cache::default_root() : fs::path(a.cache_dir));
    builder::CachingDownloaderOptions dlo;
    dlo.offline = a.offline;
    dlo.quiet = a.quiet || a.json;
    builder::CachingDownloader dl(cache, dlo);

    const fs::path lock_path = a.lock.empty() ? where.default_lock : fs::path(a.lock);
    std::optional<builder::LoadedLockfile> loaded = builder::read_lockfile(lock_path);
    std::string lock_text = loaded ? loaded->text : std::string();
    std::optional<builder::Lockfile> lock;
    if (loaded) lock = std::move(loaded->lock);
    if (!lock) {
        if (a.locked || a.offline) fail(lock_path.string() + ": no lockfile; run `tdximage lock " + a.recipe + "` first", ErrorKind::Usage);
        on_stage("resolving " + a.recipe + " (no lockfile yet)");
        lock = builder::lock_recipe(recipe, dl);
        lock_text = builder::render_lockfile(*lock);
        write_file_atomically(lock_path, lock_text);
        if (!a.quiet) std::cerr << "tdximage: wrote " << lock_path.string() << " (" << lock->packages.size() << " packages)\n";
        lock = builder::parse_lockfile(lock_text, lock_path.string());
    }
    builder::check_lock_matches(recipe, *lock, lock_path.string());
    builder::check_lock_against_indexes(recipe, *lock, dl, lock_path.string());

    builder::BuildOptions bo;
    if (!a.agent.empty()) bo.agent = fs::path(a.agent);
    if (a.agent_args_given) bo.agent_args = a.agent_args;
    bo.env_source_date_epoch = sde;
    bo.tool_version = TDXIMAGE_VERSION;
    bo.on_stage = on_stage;
    builder::BuiltImage img = builder::build_image(recipe, *lock, lock_text, dl, bo);

    on_stage("measuring");
    std::vector<builder::ManifestOutput> outputs;
    auto put = [&](const std::string& name, Bytes content, bool exec = false) {
        out.write(name, content, exec);
        outputs.push_back({name, content.size(), sha256_hex(content)});
    };
    auto put_text = [&](const std::string& name, const std::string& text, bool exec = false) {
        put(name, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), exec);
    };
    put("vmlinuz", Bytes(img.kernel));
    put(img.initramfs_name, Bytes(img.initramfs));
    put("OVMF.fd", Bytes(img.ovmf));

    const MeasureReport report = measure(recipe_measure_request(recipe, out.staged(""), img.initramfs_name));
    for (const std::string& w : report.warnings) img.warnings.push_back(w);
    const std::string measurements = measurements_text(report);
    put_text("mr_td.hex", to_hex(report.mrtd_selected) + "\n");
    if (report.rtmr0) put_text("rtmr0.hex", to_hex(*report.rtmr0) + "\n");
    if (report.rtmr1) put_text("rtmr1.hex", to_hex(*report.rtmr1) + "\n");
    if (report.rtmr2) put_text("rtmr2.hex", to_hex(*report.rtmr2) + "\n");
    put_text("measurements.json", measurements);
    const std::optional<std::vector<std::string>> changed = changed_registers(out.final_dir(), measurements);

    builder::LaunchPlan lp;
    lp.image_name = recipe.name;
    lp.initrd = img.initramfs_name;
    lp.cmdline = recipe.cmdline;
    lp.memory = recipe.vm.memory;
    lp.cpus = recipe.vm.cpus;
    lp.profile = report.profile.name;
    lp.kernel_header = report.profile.kernel_header;
    for (const auto& o : outputs)
        if (o.name == "OVMF.fd" || o.name == "vmlinuz" || o.name == img.initramfs_name) lp.files.push_back({o.name, o.sha256});
    put_text("launch-qemu.sh", builder::render_launch_script(lp), true);

    // The SBOM names the image by its digest, so it (like the manifest)
    // stands outside the files the digest covers.
    const std::string digest = builder::image_digest(outputs);
    builder::SbomInput si;
    si.image_name = recipe.name;
    si.image_digest = digest;
    si.tool_version = TDXIMAGE_VERSION;
    si.source_date_epoch = img.manifest.source_date_epoch;
    si.lock = *lock;
    si.sources = recipe.sources;
    for (const auto& in : img.manifest.inputs)
        if (in.role == "agent") si.extra.push_back({"agent", in.name, in.sha256});
    const std::string sbom = builder::render_spdx_sbom(si);
    out.write("sbom.spdx.json", sbom);
    img.manifest.outputs = outputs;
    img.manifest.sbom = {"sbom.spdx.json", sbom.size(), sha256_hex(Bytes(reinterpret_cast<const std::uint8_t*>(sbom.data()), sbom.size()))};
    const std::string manifest = builder::render_manifest(img.manifest);
    out.write("manifest.json", manifest);
    out.commit();
    std::vector<builder::ManifestOutput> listed = outputs;
    listed.push_back(img.manifest.sbom);
    listed.push_back({"manifest.json", manifest.size(), sha256_hex(Bytes(reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size()))});

    BuildOutcome o;
    o.out_dir = out.final_dir();
    o.recipe_name = recipe.name;
    o.kernel_version = img.kernel_version;
    o.report = report;
    o.files = listed;
    o.digest = digest;
    o.warnings = img.warnings;
    o.changed_since_previous = changed;
    return o;
}

}  // namespace tdx::cli
