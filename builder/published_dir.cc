#include "builder/published_dir.h"
#include "measure/json_document.h"

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_io.h"
#include "builder/fetch/file_hash.h"
#include "builder/image_build.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

std::string short_hash(const std::string& h) { return h.size() > 16 ? h.substr(0, 16) + "…" : h; }

// A regular file in `dir` named `name`, never a link or a device: a
// published directory is someone else's, and its names are claims too.
bool regular_file_in(const fs::path& dir, const std::string& name) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(dir / name, ec);
    if (ec || st.type() == fs::file_type::not_found) return false;
    if (st.type() != fs::file_type::regular)
        fail((dir / name).string() + ": not a regular file (a published file must be one)", ErrorKind::BadInput);
    return true;
}

std::optional<std::string> read_document(const fs::path& dir, const std::string& name) {
    if (!regular_file_in(dir, name)) return std::nullopt;
    return read_text_document(dir / name);
}

struct Checker {
    PublishedDir& p;
    std::map<std::string, FileDigest> hashed;

    // The file's digest, hashed once; nullopt when it does not exist.
    std::optional<FileDigest> digest_of(const std::string& name) {
        if (auto it = hashed.find(name); it != hashed.end()) return it->second;
        if (!regular_file_in(p.dir, name)) return std::nullopt;
        return hashed[name] = hash_file(p.dir / name);
    }
    void finding(const std::string& file, const std::string& claim, const std::string& claimed, const std::string& actual) {
        p.findings.push_back({file, claim, claimed, actual});
    }
    void check_output(const ManifestOutput& o, const std::string& claim) {
        const std::optional<FileDigest> d = digest_of(o.name);
        if (!d) return finding(o.name, claim, o.sha256, "");
        if (d->sha256 != o.sha256) return finding(o.name, claim + ".sha256", o.sha256, d->sha256);
        if (d->size != o.size) finding(o.name, claim + ".size", std::to_string(o.size), std::to_string(d->size));
    }
};

void check_manifest(Checker& c, const PublishedManifest& m) {
    std::vector<ManifestOutput> actual;
    for (const ManifestOutput& o : m.outputs) {
        c.check_output(o, "manifest.json outputs[]");
        if (const auto d = c.digest_of(o.name)) actual.push_back({o.name, d->size, d->sha256});
    }
    if (m.sbom) c.check_output(*m.sbom, "manifest.json sbom");
    // The image digest the manifest names, recomputed from the files it lists.
    if (actual.size() == m.outputs.size() && image_digest(actual) != m.image_digest)
        c.finding("manifest.json", "image.digest", m.image_digest, image_digest(actual));
    for (const auto& [name, sha] : c.p.boot_files) {
        bool listed = false;
        for (const ManifestOutput& o : m.outputs) listed = listed || o.name == name;
        if (!listed) c.finding(name, "manifest.json outputs[] (the file is not listed)", "", sha);
    }
}

void check_measurements(Checker& c, const std::string& text) {
    const nlohmann::json doc = parse_json_document(text, (c.p.dir / "measurements.json").string());
    if (!doc.is_object()) fail((c.p.dir / "measurements.json").string() + ": not a measurements document", ErrorKind::BadInput);
    // inputs.{ovmf,kernel,initrd}: the files the values were computed from.
    if (doc.contains("inputs") && doc["inputs"].is_object()) {
        for (const char* key : {"ovmf", "kernel", "initrd"}) {
            const nlohmann::json& in = doc["inputs"].value(key, nlohmann::json());
            if (!in.is_object() || !in.value("file", nlohmann::json()).is_string() || !in.value("sha256", nlohmann::json()).is_string())
                continue;
            const std::string file = in["file"].get<std::string>(), sha = in["sha256"].get<std::string>();
            if (file.empty() || file.find('/') != std::string::npos || file == "." || file == "..")
                fail((c.p.dir / "measurements.json").string() + ": inputs." + key + ".file: '" + file + "' is not a plain file name",
                     ErrorKind::BadInput);
            const std::optional<FileDigest> d = c.digest_of(file);
            if (!d) c.finding(file, std::string("measurements.json inputs.") + key + ".sha256", sha, "");
            else if (d->sha256 != sha)
                c.finding(file, std::string("measurements.json inputs.") + key + ".sha256", sha, d->sha256);
        }
    }
    // The .hex files an operator pins must say what measurements.json says.
    for (const auto& [key, file] : std::vector<std::pair<std::string, std::string>>{
             {"mrtd", "mr_td.hex"}, {"rtmr0", "rtmr0.hex"}, {"rtmr1", "rtmr1.hex"}, {"rtmr2", "rtmr2.hex"}}) {
        const std::optional<std::string> hex = read_document(c.p.dir, file);
        const nlohmann::json v = doc.value(key, nlohmann::json());
        if (!hex) continue;
        const std::string claimed = v.is_string() ? v.get<std::string>() : std::string("(none)");
        std::string got = *hex;
        while (!got.empty() && (got.back() == '\n' || got.back() == '\r' || got.back() == ' ')) got.pop_back();
        if (got != claimed) c.finding(file, "measurements.json " + key, claimed, got);
    }
}

}  // namespace

std::string ClaimFinding::message() const {
    if (claim == "image.digest") return "manifest.json: image.digest claims " + claimed + ", the files it lists give " + actual;
    if (actual.empty()) return file + ": " + claim + " names it (" + short_hash(claimed) + "), but there is no such file";
    if (claimed.empty()) return file + ": " + claim + "; the file has sha256 " + actual;
    return file + ": " + claim + " claims " + claimed + ", the file has " + actual;
}

std::vector<std::string> boot_file_names() {
    std::vector<std::string> names = {"OVMF.fd", "vmlinuz"};
    for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::Xz, Compression::None}) names.push_back(initramfs_file_name(c));
    return names;
}

std::map<std::string, std::string> hash_boot_files(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const std::string& n : boot_file_names())
        if (regular_file_in(dir, n)) out[n] = hash_file(dir / n).sha256;
    return out;
}

PublishedDir check_published_dir(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail(dir.string() + ": not a directory", ErrorKind::Usage);
    PublishedDir p;
    p.dir = dir;
    Checker c{p, {}};
    for (const std::string& n : boot_file_names())
        if (const auto d = c.digest_of(n)) {
            p.boot_files[n] = d->sha256;
            if (n.rfind("initramfs.cpio", 0) == 0 && p.initramfs_name.empty()) p.initramfs_name = n;
        }
    if (const auto text = read_document(dir, "manifest.json")) {
        p.manifest = parse_manifest(*text, (dir / "manifest.json").string());
        check_manifest(c, *p.manifest);
    }
    p.measurements = read_document(dir, "measurements.json");
    if (p.measurements) check_measurements(c, *p.measurements);
    return p;
}

}  // namespace tdx::builder
