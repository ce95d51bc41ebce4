#include "tests/support/catch.h"

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "builder/build_manifest.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;

TEST_CASE("The image digest is sha256sum's listing of the outputs, hashed", "[manifest]") {
    tdx::test::TempDir d;
    tdx::test::write_text(d / "b.txt", "bee\n");
    tdx::test::write_text(d / "a.txt", "ay\n");
    // Independent: sha256sum over the files, sorted by name, then hashed.
    const std::string cmd = "cd '" + d.path().string() + "' && sha256sum a.txt b.txt | LC_ALL=C sort -k2 | sha256sum";
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    REQUIRE(p);
    char buf[128] = {};
    REQUIRE(std::fgets(buf, sizeof buf, p.get()) != nullptr);
    const std::string expected = std::string(buf).substr(0, 64);
    // The outputs' own hashes, also from sha256sum.
    auto sha = [&](const std::string& name) {
        const std::string c = "sha256sum '" + (d / name).string() + "'";
        std::unique_ptr<FILE, int (*)(FILE*)> q(::popen(c.c_str(), "r"), ::pclose);
        char b[128] = {};
        REQUIRE(std::fgets(b, sizeof b, q.get()) != nullptr);
        return std::string(b).substr(0, 64);
    };
    const std::vector<ManifestOutput> real = {{"b.txt", 4, sha("b.txt")}, {"a.txt", 3, sha("a.txt")}};
    CHECK(image_digest(real) == expected);
    // Order of the list does not matter; content does.
    CHECK(image_digest({real[1], real[0]}) == expected);
    CHECK(image_digest({real[0]}) != expected);
}

TEST_CASE("The manifest is stable and sorted", "[manifest]") {
    BuildManifest m;
    m.image_name = "demo";
    m.recipe_sha256 = std::string(64, 'a');
    m.inputs = {{"package", "zlib", "1", "amd64", {"http://x/z.deb"}, 10, std::string(64, '1')},
                {"package", "busybox", "2", "amd64", {"http://x/b.deb"}, 20, std::string(64, '2')},
                {"agent", "agent", "", "", {}, 30, std::string(64, '3')}};
    m.outputs = {{"vmlinuz", 5, std::string(64, '4')}, {"OVMF.fd", 6, std::string(64, '5')}};
    const std::string a = render_manifest(m);
    std::swap(m.inputs[0], m.inputs[2]);
    std::swap(m.outputs[0], m.outputs[1]);
    CHECK(render_manifest(m) == a);
    const auto j = nlohmann::json::parse(a);
    CHECK(j["schema"] == kManifestSchema);
    CHECK(j["inputs"][0]["role"] == "agent");
    CHECK(j["inputs"][1]["name"] == "busybox");
    CHECK(j["outputs"][0]["name"] == "OVMF.fd");
    CHECK(j["image"]["digest"] == image_digest(m.outputs));
    CHECK_FALSE(j["inputs"][0].contains("version"));
}
