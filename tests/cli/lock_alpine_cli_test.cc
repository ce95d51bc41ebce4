// `tdximage lock` / `fetch` end to end on an Alpine source: a local file://
// mirror with a signed APKINDEX built here (Alpine's mirrors are not
// reachable from the test machines), a kernel and firmware given as local
// files pinned by SHA-256.
#include "tests/cli/alpine_scenario.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using namespace tdx::test::apk;
namespace fs = std::filesystem;

namespace {

std::string sha256_hex(const std::string& data) { return hex(md_bytes(EVP_sha256(), data)); }

// busybox and musl without files, and strace, which nothing depends on; a
// kernel and firmware that are only pinned text.
struct AlpineScenario : alpine::LocalMirror {
    AlpineScenario() {
        repo.add(alpine::musl_spec(false), key);
        repo.add(alpine::busybox_spec(false), key);
        repo.add(PkgSpec("strace", "6.15-r0"), key);
        repo.publish(key);
        write_text(d / "vmlinuz", "not a kernel, but pinned");
        write_text(d / "OVMF.fd", "not firmware, but pinned");
    }
    std::string recipe(const std::string& packages) {
        const std::string text = "name: alpine-local\n" + sources_yaml(true) + "packages: " + packages +
                                 "\n"
                                 "kernel: {file: vmlinuz, sha256: " +
                                 sha256_hex("not a kernel, but pinned") +
                                 "}\n"
                                 "ovmf: {file: OVMF.fd, sha256: " +
                                 sha256_hex("not firmware, but pinned") +
                                 "}\n"
                                 "init: {program: /bin/busybox, args: [sh]}\n";
        write_text(d / "alpine.yaml", text);
        return (d / "alpine.yaml").string();
    }
};

}  // namespace

TEST_CASE("lock an Alpine recipe from a signed local mirror, then fetch offline") {
    AlpineScenario s;
    const std::string recipe = s.recipe("[busybox]");
    RunResult lock = s.tool({"lock", recipe});
    INFO(lock.err);
    REQUIRE(lock.exit_code == 0);
    const std::string text = read_text(s.d / "alpine.yaml.lock");
    // busybox and the musl that provides its so: dependency, not strace.
    CHECK(text.find("name: \"busybox\"") != std::string::npos);
    CHECK(text.find("name: \"musl\"") != std::string::npos);
    CHECK(text.find("name: \"strace\"") == std::string::npos);
    CHECK(text.find("apk_checksum: \"Q1") != std::string::npos);
    CHECK(text.find("APKINDEX.tar.gz") != std::string::npos);
    // Local files are recorded relative to the recipe, not by absolute path.
    CHECK(text.find("\"recipe:vmlinuz\"") != std::string::npos);
    // The only absolute paths are in the mirror's file:// URLs.
    for (std::size_t at = text.find(s.d.path().string()); at != std::string::npos; at = text.find(s.d.path().string(), at + 1))
        CHECK(text.compare(at - 7, 7, "file://") == 0);

    RunResult again = s.tool({"lock", recipe, "--update"});
    REQUIRE(again.exit_code == 0);
    CHECK(read_text(s.d / "alpine.yaml.lock") == text);

    REQUIRE(s.tool({"fetch", recipe, "--locked"}).exit_code == 0);
    CHECK(s.tool({"fetch", recipe, "--locked", "--offline"}).exit_code == 0);

    // A local file that changed after locking is refused by name.
    write_text(s.d / "OVMF.fd", "tampered");
    RunResult bad = s.tool({"fetch", recipe, "--locked", "--offline"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("OVMF.fd") != std::string::npos);
}

TEST_CASE("lock refuses a tampered index and an unsatisfiable package, writing no lockfile") {
    AlpineScenario s;
    SECTION("unsatisfiable") {
        RunResult r = s.tool({"lock", s.recipe("[does-not-exist]")});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("does-not-exist") != std::string::npos);
    }
    SECTION("index signed by another key") {
        TestKey other("test@example.org-61234567.rsa.pub");  // same name, different key
        s.repo.publish(other);
        RunResult r = s.tool({"lock", s.recipe("[busybox]")});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("APKINDEX") != std::string::npos);
    }
    CHECK(!fs::exists(s.d / "alpine.yaml.lock"));
}
