#include "builder/apk/apk_index.h"

#include <charconv>

#include "base/digest.h"
#include "base/error.h"

namespace tdx::builder {
namespace {

template <typename T>
T parse_number(std::string_view v, const std::string& where, char field) {
    T out{};
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size())
        fail(where + ": field " + std::string(1, field) + ": \"" + std::string(v) + "\" is not a number");
    return out;
}

void finish_record(ApkIndexPackage& p, std::vector<ApkIndexPackage>& out, const std::string& what) {
    std::string where = what + ":" + std::to_string(p.line);
    if (p.name.empty()) fail(where + ": record has no P: (package name)");
    if (p.version.empty()) fail(where + ": package " + p.name + " has no V: (version)");
    if (!apk_version_valid(p.version)) fail(where + ": package " + p.name + " has an invalid version \"" + p.version + "\"");
    if (p.checksum.empty()) fail(where + ": package " + p.name + " has no C: (identity checksum)");
    parse_apk_identity(p.checksum, where + ": package " + p.name);
    if (p.arch.empty()) fail(where + ": package " + p.name + " has no A: (architecture)");
    for (const ApkDependency& d : p.provides)
        if (d.conflict || (d.constrained() && d.mask != kApkEqual))
            fail(where + ": package " + p.name + " provides \"" + d.to_string() + "\"; provides take only name or name=version");
    out.push_back(std::move(p));
    p = ApkIndexPackage{};
}

}  // namespace

std::string apk_index_url(const std::string& repository, const std::string& arch) {
    std::string base = repository;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + arch + "/APKINDEX.tar.gz";
}

std::vector<ApkIndexPackage> parse_apkindex_text(std::string_view text, const std::string& what) {
    std::vector<ApkIndexPackage> out;
    ApkIndexPackage cur;
    bool in_record = false;
    std::size_t lineno = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lineno;
        if (line.empty()) {
            if (in_record) finish_record(cur, out, what);
            in_record = false;
            if (nl == text.size()) break;
            continue;
        }
        std::string where = what + ":" + std::to_string(lineno);
        if (line.size() < 2 || line[1] != ':') fail(where + ": expected \"X:value\", got \"" + std::string(line.substr(0, 40)) + "\"");
        if (!in_record) {
            in_record = true;
            cur.line = lineno;
        }
        char f = line[0];
        std::string_view v = line.substr(2);
        switch (f) {
            case 'C': cur.checksum = v; break;
            case 'P': cur.name = v; break;
            case 'V': cur.version = v; break;
            case 'A': cur.arch = v; break;
            case 'S': cur.size = parse_number<std::uint64_t>(v, where, f); break;
            case 'I': cur.installed_size = parse_number<std::uint64_t>(v, where, f); break;
            case 'T': cur.description = v; break;
            case 'U': cur.url = v; break;
            case 'L': cur.license = v; break;
            case 'o': cur.origin = v; break;
            case 'm': cur.maintainer = v; break;
            case 't': cur.build_time = parse_number<std::int64_t>(v, where, f); break;
            case 'c': cur.commit = v; break;
            case 'k': cur.provider_priority = parse_number<std::int64_t>(v, where, f); break;
            case 'D': cur.depends = parse_apk_dependencies(v, where); break;
            case 'p': cur.provides = parse_apk_dependencies(v, where); break;
            case 'i': cur.install_if = parse_apk_dependencies(v, where); break;
            default:
                // Lower-case letters are extensions older apk versions skip; an
                // unknown upper-case field may change meaning, so refuse it.
                if (f >= 'a' && f <= 'z') break;
                fail(where + ": unknown field \"" + std::string(1, f) + ":\"");
        }
    }
    if (in_record) finish_record(cur, out, what);
    return out;
}

ApkIndex read_apkindex(Bytes tar_gz, const ApkKeyring& keys, const std::string& what) {
    ApkSignedStream s = split_apk_stream(tar_gz, what, false);
    ApkIndex idx;
    // The signature covers every byte after the signature member, which for an
    // index is the single index member.
    idx.signer = verify_apk_signatures(s, keys, s.control_member(), what);
    bool found = false;
    for (const ApkTarFile& f : s.control_files) {
        std::string_view body(reinterpret_cast<const char*>(f.data.data()), f.data.size());
        if (f.name == "DESCRIPTION") {
            idx.description = std::string(body);
            while (!idx.description.empty() && (idx.description.back() == '\n' || idx.description.back() == '\r')) idx.description.pop_back();
        } else if (f.name == "APKINDEX") {
            idx.packages = parse_apkindex_text(body, what + ": APKINDEX");
            found = true;
        }
    }
    if (!found) fail(what + ": the signed index member has no APKINDEX file");
    return idx;
}

ApkIndex fetch_apkindex(Downloader& dl, const std::string& repository, const std::string& arch, const ApkKeyring& keys, const Expected& expected,
                        IndexRef* ref) {
    std::string url = apk_index_url(repository, arch);
    std::vector<std::uint8_t> bytes = dl.get({url}, expected);
    ApkIndex idx = read_apkindex(Bytes(bytes.data(), bytes.size()), keys, url);
    idx.repository = repository;
    while (!idx.repository.empty() && idx.repository.back() == '/') idx.repository.pop_back();
    idx.arch = arch;
    idx.url = url;
    for (const ApkIndexPackage& p : idx.packages)
        if (p.arch != arch && p.arch != "noarch")
            fail(url + ":" + std::to_string(p.line) + ": package " + p.name + " is for " + p.arch + ", not " + arch);
    if (ref) {
        ref->url = url;
        ref->size = bytes.size();
        ref->sha256 = to_hex(sha256(Bytes(bytes.data(), bytes.size())));
        ref->snapshot.clear();
    }
    return idx;
}

}  // namespace tdx::builder
