#include "builder/lock/recipe_sources.h"

#include "base/file_io.h"

namespace tdx::builder {

AptSource apt_suite_source(const Source& source, const std::string& suite) {
    AptSource a;
    a.mirrors = source.mirror_urls();
    a.suite = suite;
    a.components = source.components;
    a.architecture = source.architecture;
    for (const LocalPath& k : source.keyring) a.keyrings.push_back(k.resolved);
    return a;
}

ApkKeyring apk_source_keyring(const Source& source) {
    ApkKeyring keys;
    for (const LocalPath& k : source.keyring) {
        const std::vector<std::uint8_t> pem = read_file(k.resolved);
        keys.add_pem(k.resolved.filename().string(), std::string(pem.begin(), pem.end()), k.resolved.string());
    }
    return keys;
}

std::string alpine_repository(const std::string& mirror, const Source& source, const std::string& repo) {
    std::string base = mirror;
    while (!base.empty() && base.back() == '/') base.pop_back();
    const std::string release = source.release == "edge" ? "edge" : "v" + source.release;
    return base + "/" + release + "/" + repo;
}

}  // namespace tdx::builder
