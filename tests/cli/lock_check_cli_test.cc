// `fetch --locked` with a hostile lock: a local file:// mirror (apt with a
// gpg-signed InRelease, or Alpine with a signed APKINDEX) built here, locked
// honestly, then the lock's busybox entry pointed at a repacked package with
// its own correct hash and size, or at the real file outside the mirrors.
// Both must be refused before anything is fetched, naming the package, the
// lock line and the signed index (builder/lock/lock_check.h).
#include "tests/builder/apt/apt_repo_fixture.h"
#include "tests/builder/apt/deb_fixture.h"
#include "tests/cli/alpine_scenario.h"
#include "tests/cli/hostile_lock.h"
#include "tests/support/catch.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using namespace tdx::test::hostile;
namespace fs = std::filesystem;

namespace {

const std::string kDeb = "pool/main/b/busybox/busybox-static_1.37.0-6_amd64.deb";

// <d>/mirror: dists/trixie signed by a fresh key, busybox-static in the pool;
// <d>/debian.yaml takes busybox-static from it.
struct AptScenario {
    TempDir d;
    apt::TestKey key{"tdximage lock check <test@example.invalid>"};
    std::string deb = make_test_deb("busybox-static", {deb_dir("./bin"), deb_file("./bin/busybox", "#!busybox", 0755)});

    AptScenario() {
        fs::create_directories((d / "mirror" / kDeb).parent_path());
        write_bytes(d / "mirror" / kDeb, apk::bytes_of(deb));
        apt::Repo(d / "mirror", key,
                  "Package: busybox-static\nVersion: 1:1.37.0-6\nArchitecture: amd64\nFilename: " + kDeb +
                      "\nSize: " + std::to_string(deb.size()) + "\nSHA256: " + sha_of(deb) + "\n",
                  "trixie");
        fs::create_directories(d / "keys");
        fs::copy_file(key.keyring, d / "keys" / "test.gpg");
        write_text(d / "vmlinuz", "not a kernel, but pinned");
        write_text(d / "OVMF.fd", "not firmware, but pinned");
        write_text(d / "debian.yaml",
                   "name: debian-local\n"
                   "sources:\n"
                   "  - name: trixie\n"
                   "    distribution: debian\n"
                   "    release: trixie\n"
                   "    mirrors: [\"file://" +
                       (d / "mirror").string() +
                       "\"]\n"
                       "    keyring: keys/test.gpg\n"
                       "packages: [busybox-static]\n"
                       "kernel: {file: vmlinuz, sha256: " +
                       sha_of("not a kernel, but pinned") +
                       "}\n"
                       "ovmf: {file: OVMF.fd, sha256: " +
                       sha_of("not firmware, but pinned") +
                       "}\n"
                       "init: {program: /bin/busybox, args: [sh]}\n");
    }
    std::string recipe() const { return (d / "debian.yaml").string(); }
    std::string mirror_url() const { return "file://" + (d / "mirror" / kDeb).string(); }
    RunResult tool(std::vector<std::string> args) const {
        args.insert(args.begin(), tool_path().string());
        for (const std::string& a : {std::string("--cache-dir"), (d / "cache").string(), std::string("--quiet")}) args.push_back(a);
        return run(args);
    }
};

}  // namespace

TEST_CASE("fetch --locked refuses an apt lock entry that is not the signed index's file") {
    if (!require(apt::have_gpg(), "gpg and gpgv (to sign the test repository)")) return;
    AptScenario s;
    RunResult lock = s.tool({"lock", s.recipe()});
    INFO(lock.err);
    REQUIRE(lock.exit_code == 0);
    const fs::path lock_path = s.d / "debian.yaml.lock";
    const std::string honest = read_text(lock_path);
    REQUIRE(s.tool({"fetch", s.recipe(), "--locked"}).exit_code == 0);

    SECTION("a repacked .deb with its own hash and size at a file:// URL") {
        const std::string evil = make_test_deb("busybox-static", {deb_dir("./bin"), deb_file("./bin/busybox", "#!evil", 0755)});
        write_bytes(s.d / "evil.deb", apk::bytes_of(evil));
        write_text(lock_path, repack(honest, "busybox-static", s.deb, evil, s.mirror_url(), "file://" + (s.d / "evil.deb").string()));
        RunResult r = s.tool({"fetch", s.recipe(), "--locked"});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS(lock_path.string() + ":"));
        CHECK_THAT(r.err, TDX_CONTAINS("package busybox-static"));
        CHECK_THAT(r.err, TDX_CONTAINS("where the index has \"" + sha_of(s.deb) + "\""));
        CHECK_THAT(r.err, TDX_CONTAINS("dists/trixie/main/binary-amd64/Packages.xz"));
    }
    SECTION("the signed file, but from a URL outside the recipe's mirrors") {
        fs::create_directories(s.d / "elsewhere");
        write_bytes(s.d / "elsewhere" / "busybox-static.deb", apk::bytes_of(s.deb));
        write_text(lock_path,
                   edit_entry(honest, "busybox-static", s.mirror_url(), "file://" + (s.d / "elsewhere" / "busybox-static.deb").string()));
        RunResult r = s.tool({"fetch", s.recipe(), "--locked"});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS("package busybox-static"));
        CHECK_THAT(r.err, TDX_CONTAINS("is not one of the recipe's mirrors followed by the file name the signed index"));
    }
    SECTION("a lock that pins another InRelease") {
        write_text(lock_path, honest.substr(0, honest.find("indexes:")) + "indexes:\n  - url: \"file://" + (s.d / "mirror").string() +
                                  "/dists/trixie/InRelease\"\n    size: 1\n    sha256: \"" + std::string(64, '0') + "\"" +
                                  honest.substr(honest.find("\n", honest.find("sha256", honest.find("InRelease\"")))));
        RunResult r = s.tool({"fetch", s.recipe(), "--locked"});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS("InRelease"));
    }
}

TEST_CASE("fetch --locked refuses an apk lock entry that is not the signed index's file") {
    alpine::LocalMirror m;
    m.repo.add(alpine::musl_spec(false), m.key);
    m.repo.add(alpine::busybox_spec(true), m.key);
    m.repo.publish(m.key);
    write_text(m.d / "vmlinuz", "not a kernel, but pinned");
    write_text(m.d / "OVMF.fd", "not firmware, but pinned");
    write_text(m.d / "alpine.yaml", "name: alpine-local\n" + m.sources_yaml(true) +
                                        "packages: [busybox]\n"
                                        "kernel: {file: vmlinuz, sha256: " +
                                        sha_of("not a kernel, but pinned") +
                                        "}\n"
                                        "ovmf: {file: OVMF.fd, sha256: " +
                                        sha_of("not firmware, but pinned") +
                                        "}\n"
                                        "init: {program: /bin/busybox, args: [sh]}\n");
    const std::string recipe = (m.d / "alpine.yaml").string();
    REQUIRE(m.tool({"lock", recipe}).exit_code == 0);
    const fs::path lock_path = m.d / "alpine.yaml.lock";
    const std::string honest = read_text(lock_path);
    const std::string apk_name = "busybox-1.37.0-r18.apk";
    const std::string real = read_text(m.repo.root / "x86_64" / apk_name);
    const std::string real_url = m.repo.url() + "/x86_64/" + apk_name;

    SECTION("a repacked .apk with its own hash, size and identity at a file:// URL") {
        write_text(lock_path, repacked_busybox(m, honest));
        RunResult r = m.tool({"fetch", recipe, "--locked"});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS(lock_path.string() + ":"));
        CHECK_THAT(r.err, TDX_CONTAINS("package busybox"));
        CHECK_THAT(r.err, TDX_CONTAINS("is not in the signed index " + m.repo.url() + "/x86_64/APKINDEX.tar.gz"));
    }
    SECTION("the signed file, but from a URL outside the recipe's mirrors") {
        write_bytes(m.d / apk_name, apk::bytes_of(real));
        write_text(lock_path, edit_entry(honest, "busybox", real_url, "file://" + (m.d / apk_name).string()));
        RunResult r = m.tool({"fetch", recipe, "--locked"});
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS("package busybox"));
        CHECK_THAT(r.err, TDX_CONTAINS("is not one of the recipe's mirrors"));
    }
    SECTION("an arm64 busybox in an x86_64 recipe") {
        write_text(lock_path, edit_entry(honest, "busybox", "architecture: \"x86_64\"", "architecture: \"aarch64\""));
        RunResult r = m.tool({"fetch", recipe, "--locked"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS("architecture aarch64 is not the recipe's"));
    }
}
