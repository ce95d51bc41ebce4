// Recipes: the shipped ones load; every kind of mistake is reported at the
// file, line and column of the value (also across `extends`); the canonical
// hash ignores layout and follows values.
#include "tests/builder/recipe/yaml_bomb.h"
#include "tests/support/catch.h"

#include <chrono>

#include "base/error.h"
#include "base/limits.h"
#include "builder/recipe/recipe.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using tdx::builder::load_recipe;
using tdx::builder::Recipe;
namespace fs = std::filesystem;

namespace {

// The source tree is found from this file's own path, so no build setting
// is needed to locate recipes/.
fs::path recipes_dir() { return tdx::test::source_dir() / "recipes"; }

const char kGood[] = R"(name: t
sources:
  - name: trixie
    distribution: debian
    release: trixie
    mirrors: [https://deb.debian.org/debian]
    keyring: /usr/share/keyrings/debian-archive-keyring.gpg
packages: [busybox-static]
kernel: {package: linux-image-cloud-amd64}
ovmf: {package: ovmf, path: /usr/share/ovmf/OVMF.fd}
init: {program: /usr/bin/busybox, args: [sh]}
cmdline: console=ttyS0
)";

// The error message of loading `text` as the file `name` in `dir`.
std::string error_of(const TempDir& dir, const std::string& text, const std::string& name = "r.yaml") {
    write_text(dir / name, text);
    try {
        load_recipe(dir / name);
    } catch (const tdx::Error& e) {
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return {};
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const std::size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("recipe: every shipped recipe loads and names sources that exist") {
    int n = 0;
    for (const auto& e : fs::directory_iterator(recipes_dir())) {
        if (e.path().extension() != ".yaml") continue;
        INFO(e.path());
        const Recipe r = load_recipe(e.path());
        CHECK(!r.sources.empty());
        CHECK(!r.init.program.empty());
        CHECK(tdx::builder::recipe_sha256(r).size() == 64);
        ++n;
    }
    CHECK(n >= 3);
    const Recipe alpine = load_recipe(recipes_dir() / "alpine.yaml");
    CHECK(alpine.sources.front().distribution == tdx::builder::Distribution::Alpine);
    CHECK(alpine.kernel.source == "trixie");  // Alpine's own kernels cannot give an in-guest quote
    CHECK(alpine.ovmf.source == "trixie");
    const Recipe ubuntu = load_recipe(recipes_dir() / "ubuntu-24.04.yaml");
    CHECK(ubuntu.profile == "canonical-24.04");
}

TEST_CASE("recipe: defaults are filled in") {
    TempDir d;
    write_text(d / "r.yaml", kGood);
    const Recipe r = load_recipe(d / "r.yaml");
    CHECK(r.sources[0].suites == std::vector<std::string>{"trixie"});
    CHECK(r.sources[0].components == std::vector<std::string>{"main"});
    CHECK(r.sources[0].architecture == "amd64");
    CHECK(r.packages[0].source == "trixie");
    CHECK(r.kernel.path == "/boot/vmlinuz-*");
    CHECK(r.kernel.follow == std::vector<std::string>{"linux-image-*", "linux-modules-*"});
    CHECK(r.vm.memory == (2ull << 30));
    CHECK(r.vm.cpus == 1);
    CHECK(r.profile == "upstream");
    CHECK(r.initramfs.compression == tdx::builder::Compression::Gzip);
    CHECK(r.initramfs.level == 9);
}

TEST_CASE("recipe: an unknown key is named with file, line, column and a suggestion") {
    TempDir d;
    const std::string msg = error_of(d, replace(kGood, "cmdline:", "cmdlin:"));
    CHECK_THAT(msg, TDX_CONTAINS((d / "r.yaml").string() + ":12:1: unknown key 'cmdlin' (did you mean 'cmdline'?)"));
}

TEST_CASE("recipe: wrong types and missing required keys") {
    TempDir d;
    CHECK_THAT(error_of(d, replace(kGood, "packages: [busybox-static]", "packages: {a: b}")),
               TDX_CONTAINS("r.yaml:8:11: packages: expected a list, found a mapping"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: \"2\"}\n"), TDX_CONTAINS("r.yaml:13:12: vm.cpus: expected a whole number"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: 0}\n"), TDX_CONTAINS("vm.cpus: 0 is out of range"));
    CHECK_THAT(error_of(d, replace(kGood, "    release: trixie\n", "")), TDX_CONTAINS("r.yaml:3:5: sources[0]: missing required key 'release'"));
    CHECK_THAT(error_of(d, replace(kGood, "init: {program: /usr/bin/busybox, args: [sh]}\n", "")), TDX_CONTAINS("missing required key 'init'"));
    CHECK_THAT(error_of(d, replace(kGood, "{package: ovmf, path: /usr/share/ovmf/OVMF.fd}", "{package: ovmf}")),
               TDX_CONTAINS("r.yaml:10:7: ovmf: missing required key 'path'"));
    CHECK_THAT(error_of(d, std::string(kGood) + "cmdline: again\n"),
               TDX_CONTAINS("r.yaml:13:1: duplicate key 'cmdline' (first given at line 12)"));
    CHECK_THAT(error_of(d, "name: [\n"), TDX_CONTAINS("YAML syntax"));
}

TEST_CASE("recipe: several mistakes are all reported, in file order") {
    TempDir d;
    std::string text = replace(kGood, "name: t", "name: \"bad name\"");
    text = replace(text, "console=ttyS0", "console=ttyS0\nprofile: nope");
    const std::string msg = error_of(d, text);
    const auto a = msg.find("r.yaml:1:7: name:");
    const auto b = msg.find("r.yaml:13:10: profile: unknown profile 'nope'");
    REQUIRE(a != std::string::npos);
    REQUIRE(b != std::string::npos);
    CHECK(a < b);
}

TEST_CASE("recipe: hashes, URLs, modes and memory sizes are checked") {
    TempDir d;
    const std::string kernel = "kernel: {package: linux-image-cloud-amd64}";
    CHECK_THAT(error_of(d, replace(kGood, kernel, "kernel: {url: https://example.org/vmlinuz, sha256: 1234}")),
               TDX_CONTAINS("r.yaml:9:52: kernel.sha256: '1234' is not a SHA-256 (64 hex digits)"));
    CHECK_THAT(error_of(d, replace(kGood, kernel, "kernel: {url: \"ftp://example.org/vmlinuz\", sha256: " + std::string(64, 'a') + "}")),
               TDX_CONTAINS("r.yaml:9:15: kernel.url: 'ftp://example.org/vmlinuz': scheme 'ftp' is not one of https, http, file"));
    CHECK_THAT(error_of(d, replace(kGood, "https://deb.debian.org/debian", "deb.debian.org/debian")),
               TDX_CONTAINS("r.yaml:6:15: sources[0].mirrors[0]: 'deb.debian.org/debian' is not a URL"));
    CHECK_THAT(error_of(d, replace(kGood, kernel, "kernel: {package: x, sha256: " + std::string(64, 'a') + "}")),
               TDX_CONTAINS("kernel.sha256: a package is pinned"));
    CHECK_THAT(error_of(d, replace(kGood, kernel, "kernel: {package: x, url: https://example.org/k}")), TDX_CONTAINS("give only one of"));
    CHECK_THAT(error_of(d, std::string(kGood) + "files: [{src: a, dst: /etc/a, mode: \"0899\"}]\n"),
               TDX_CONTAINS("files[0].mode: '0899' is not an octal"));
    CHECK_THAT(error_of(d, std::string(kGood) + "files: [{src: a, dst: etc/a}]\n"),
               TDX_CONTAINS("files[0].dst: 'etc/a' is not an absolute path"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {memory: 2X}\n"), TDX_CONTAINS("r.yaml:13:14: vm.memory: '2X' is not a memory size"));
    CHECK_THAT(error_of(d, std::string(kGood) + "profile: nope\n"), TDX_CONTAINS("unknown profile 'nope' (known: canonical-24.04"));
    CHECK_THAT(error_of(d, replace(kGood, "{package: linux-image-cloud-amd64}", "{package: k, source: sid}")),
               TDX_CONTAINS("kernel.source: no source named 'sid' (sources: trixie)"));

    write_text(d / "ok.yaml", replace(kGood, kernel, "kernel: {file: vmlinuz, sha256: " + std::string(64, 'A') + "}") +
                                  "files: [{src: init.sh, dst: /init, mode: \"0755\"}]\nvm: {memory: 512M, cpus: 4}\n");
    const Recipe r = load_recipe(d / "ok.yaml");
    CHECK(r.kernel.sha256 == std::string(64, 'a'));
    CHECK(r.kernel.file.resolved == (d.path() / "vmlinuz").lexically_normal());
    CHECK(r.files[0].mode == 0755);
    CHECK(r.vm.memory == (512ull << 20));
    CHECK(r.vm.cpus == 4);
    // The files it names do not exist: only check_local_files minds.
    CHECK_THROWS_WITH(tdx::builder::check_local_files(r),
                      TDX_CONTAINS("kernel.file: '" + (d.path() / "vmlinuz").lexically_normal().string() + "' does not exist"));
}

TEST_CASE("recipe: snapshots must reach every mirror, and Alpine has none") {
    TempDir d;
    const std::string snap = replace(kGood, "    keyring:", "    snapshot: \"20261123T000000Z\"\n    keyring:");
    CHECK_THAT(error_of(d, snap), TDX_CONTAINS("snapshot is set but this mirror has no {snapshot} placeholder"));
    write_text(d / "s.yaml", replace(snap, "https://deb.debian.org/debian", "\"https://snapshot.debian.org/archive/debian/{snapshot}/\""));
    const Recipe r = load_recipe(d / "s.yaml");
    CHECK(r.sources[0].mirror_urls() == std::vector<std::string>{"https://snapshot.debian.org/archive/debian/20261123T000000Z"});
    CHECK_THAT(error_of(d, replace(snap, "20261123T000000Z", "2026-11-23")), TDX_CONTAINS("is not a snapshot timestamp"));
    std::string alpine = replace(kGood, "distribution: debian", "distribution: alpine");
    alpine = replace(alpine, "release: trixie", "release: \"3.22\"\n    snapshot: \"20261123T000000Z\"\n    suites: [main]");
    const std::string msg = error_of(d, alpine);
    CHECK_THAT(msg, TDX_CONTAINS("Alpine's archive offers no snapshots"));
    CHECK_THAT(msg, TDX_CONTAINS("sources[0].suites: is for debian and ubuntu sources; alpine sources use 'repositories'"));
}

TEST_CASE("recipe: aliases are expanded under a bound, so an alias bomb is refused (the recipe fuzzer's finding)") {
    TempDir d;
    const std::string bomb = tdx::test::yaml_alias_bomb();
    CHECK_THAT(error_of(d, bomb), TDX_CONTAINS("r.yaml:") && TDX_CONTAINS("the recipe expands to more than 100000 YAML nodes"));
    // An alias used for real still works.
    CHECK_THAT(error_of(d, std::string(kGood) + "packages: &p [busybox-static]\nmodules: *p\n"), !TDX_CONTAINS("YAML nodes"));
}

TEST_CASE("recipe: values nested deeper than 64 levels are refused, not recursed into (the recipe fuzzer's stack overflow)") {
    TempDir d;
    const std::string deep = "name: x\npackages: " + std::string(200, '[') + "a" + std::string(200, ']') + "\n";
    CHECK_THAT(error_of(d, deep), TDX_CONTAINS("r.yaml:2:") && TDX_CONTAINS("values nested more than 64 levels deep"));
    const std::string ok = std::string(kGood) + "x-deep: " + std::string(20, '[') + "a" + std::string(20, ']') + "\n";
    CHECK_THAT(error_of(d, ok), !TDX_CONTAINS("levels deep"));
}

TEST_CASE("recipe: extends overrides values, appends with KEY+, and removes with null") {
    TempDir d;
    write_text(d / "base.yaml", std::string(kGood) + "vm: {memory: 2G, cpus: 2}\nmodules: [tdx_guest]\n");
    fs::create_directories(d / "sub");
    write_text(d / "sub" / "child.yaml",
               "extends: ../base.yaml\nname: child\nvm: {memory: 4G}\npackages+: [strace]\ncmdline: null\nmodules: [virtio-net]\n");
    const Recipe r = load_recipe(d / "sub" / "child.yaml");
    CHECK(r.name == "child");
    CHECK(r.vm.memory == (4ull << 30));
    CHECK(r.vm.cpus == 2);  // mappings merge key by key
    REQUIRE(r.packages.size() == 2);
    CHECK(r.packages[1].name == "strace");
    CHECK(r.cmdline.empty());
    CHECK(r.modules == std::vector<std::string>{"virtio_net"});  // lists replace
    REQUIRE(r.chain.size() == 2);
    CHECK(r.chain[1] == (d.path() / "base.yaml").lexically_normal());
}

TEST_CASE("recipe: an error in a parent names the parent file") {
    TempDir d;
    write_text(d / "base.yaml", replace(kGood, "cmdline: console=ttyS0", "cmdline: console=ttyS0\nvm: {cpus: many}"));
    write_text(d / "child.yaml", "extends: base.yaml\nname: child\n");
    CHECK_THAT(error_of(d, "extends: base.yaml\nname: child\n", "child.yaml"), TDX_CONTAINS((d / "base.yaml").string() + ":13:12: vm.cpus:"));
    // A value the child replaces is not checked.
    write_text(d / "child2.yaml", "extends: base.yaml\nvm: {cpus: 3}\n");
    CHECK(load_recipe(d / "child2.yaml").vm.cpus == 3);
    CHECK_THAT(error_of(d, "extends: missing.yaml\n", "c3.yaml"), TDX_CONTAINS("c3.yaml:1:10: extends: '"));
    CHECK_THAT(error_of(d, "extends: base.yaml\ncmdline+: [x]\n", "c4.yaml"),
               TDX_CONTAINS("c4.yaml:2:1: cmdline+: the inherited 'cmdline' (" + (d / "base.yaml").string() + ":12:10) is not a list"));
}

TEST_CASE("recipe: extends cycles are found") {
    TempDir d;
    write_text(d / "b.yaml", "extends: a.yaml\n");
    CHECK_THAT(error_of(d, "extends: b.yaml\n", "a.yaml"), TDX_CONTAINS("b.yaml:1:10: extends: cycle: a.yaml -> b.yaml -> a.yaml"));
    CHECK_THAT(error_of(d, "extends: self.yaml\n", "self.yaml"), TDX_CONTAINS("extends: cycle: self.yaml -> self.yaml"));
}

TEST_CASE("recipe: the hash ignores key order, quoting, comments, layout and extends, values change it") {
    TempDir d;
    write_text(d / "a.yaml", kGood);
    write_text(d / "b.yaml", R"(# the same recipe, written differently
cmdline: "console=ttyS0"
init:
  args:
    - sh
  program: "/usr/bin/busybox"
ovmf:
  path: /usr/share/ovmf/OVMF.fd
  package: ovmf
kernel:
  package: linux-image-cloud-amd64   # follows linux-image-*
packages:
  - {name: busybox-static, source: trixie}
sources:
  - keyring: [/usr/share/keyrings/debian-archive-keyring.gpg]
    mirrors: ["https://deb.debian.org/debian/"]
    release: trixie
    distribution: debian
    components: [main]
    name: trixie
name: 't'
vm: {memory: 2048M}
)");
    write_text(d / "base.yaml", replace(kGood, "cmdline: console=ttyS0", "cmdline: quiet"));
    write_text(d / "c.yaml", "extends: base.yaml\ncmdline: console=ttyS0\n");
    const std::string ha = tdx::builder::recipe_sha256(load_recipe(d / "a.yaml"));
    CHECK(tdx::builder::recipe_sha256(load_recipe(d / "b.yaml")) == ha);
    CHECK(tdx::builder::recipe_sha256(load_recipe(d / "c.yaml")) == ha);
    CHECK(tdx::builder::canonical_recipe_json(load_recipe(d / "a.yaml")).find("\"schema\":\"tdximage.recipe/v1\"") != std::string::npos);

    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"console=ttyS0", "console=hvc0"},
             {"args: [sh]", "args: [sh, -l]"},
             {"busybox-static]", "busybox-static, strace]"},
             {"OVMF.fd}", "OVMF_CODE.fd}"},
         }) {
        write_text(d / "x.yaml", replace(kGood, from, to));
        CHECK(tdx::builder::recipe_sha256(load_recipe(d / "x.yaml")) != ha);
    }
    write_text(d / "x.yaml", std::string(kGood) + "vm: {cpus: 2}\n");
    CHECK(tdx::builder::recipe_sha256(load_recipe(d / "x.yaml")) != ha);
}

TEST_CASE("recipe: network, source_date_epoch and file owners") {
    TempDir d;
    write_text(d / "agent.conf", "x");
    const std::string text = std::string(kGood) +
                             "network: {mode: static, interface: eth1, address: 10.0.2.15/24, gateway: 10.0.2.2, dns: [10.0.2.3]}\n"
                             "source_date_epoch: 1767225600\n"
                             "files: [{src: agent.conf, dst: /etc/agent.conf, mode: '0600', uid: 1000, gid: 1000}]\n";
    write_text(d / "r.yaml", text);
    const Recipe r = load_recipe(d / "r.yaml");
    CHECK(r.network.mode == tdx::builder::NetworkSpec::Mode::Static);
    CHECK(r.network.interface == "eth1");
    CHECK(r.network.address == "10.0.2.15/24");
    CHECK(r.network.gateway == "10.0.2.2");
    CHECK(r.network.dns == std::vector<std::string>{"10.0.2.3"});
    REQUIRE(r.source_date_epoch);
    CHECK(*r.source_date_epoch == 1767225600);
    REQUIRE(r.files.size() == 1);
    CHECK(r.files[0].uid == 1000);
    CHECK(r.files[0].gid == 1000);
    // The keys change the hash; leaving them out keeps the hash of a recipe
    // written before they existed.
    write_text(d / "plain.yaml", kGood);
    const Recipe plain = load_recipe(d / "plain.yaml");
    CHECK(tdx::builder::canonical_recipe_json(plain).find("network") == std::string::npos);
    CHECK(tdx::builder::recipe_sha256(plain) != tdx::builder::recipe_sha256(r));

    CHECK(error_of(d, std::string(kGood) + "network: {mode: static}\n").find("mode static needs 'address'") != std::string::npos);
    CHECK(error_of(d, std::string(kGood) + "network: {mode: wifi}\n").find("not one of none, dhcp, static") != std::string::npos);
    CHECK(error_of(d, std::string(kGood) + "network: {mode: dhcp, address: 1.2.3.4/8}\n").find("only goes with mode static") !=
          std::string::npos);
    CHECK(error_of(d, std::string(kGood) + "network: {mode: dhcp, interface: 'eth0; reboot'}\n").find("not a network interface name") !=
          std::string::npos);
    CHECK(error_of(d, std::string(kGood) + "source_date_epoch: 99999999999\n").find("source_date_epoch") != std::string::npos);
    CHECK(error_of(d, std::string(kGood) + "source_date_epoch: yesterday\n").find(":13:") != std::string::npos);
}

TEST_CASE("recipe: a directory or a missing file says what it is") {
    TempDir d;
    CHECK(tdx::test::error_of([&] { load_recipe(d.path()); }) == d.path().string() + ": is a directory, not a recipe file");
    CHECK(tdx::test::error_of([&] { load_recipe(d / "none.yaml"); }) ==
          (d / "none.yaml").string() + ": cannot read the recipe: No such file or directory");
}

TEST_CASE("recipe: unknown keys are reported whatever their value, null included") {
    TempDir d;
    CHECK_THAT(error_of(d, std::string(kGood) + "nonsense: ~\n"), TDX_CONTAINS("r.yaml:13:1: unknown key 'nonsense'"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpuz: }\n"), TDX_CONTAINS("r.yaml:13:6: vm: unknown key 'cpuz'"));
    // Over extends too; a known key given null still removes the inherited value.
    write_text(d / "base.yaml", kGood);
    CHECK_THAT(error_of(d, "extends: base.yaml\nsnapshott:\n", "c.yaml"), TDX_CONTAINS("c.yaml:2:1: unknown key 'snapshott'"));
    write_text(d / "c2.yaml", "extends: base.yaml\ncmdline: null\n");
    CHECK(load_recipe(d / "c2.yaml").cmdline.empty());
}

TEST_CASE("recipe: a second document, a tag and a key twice are errors") {
    TempDir d;
    CHECK_THAT(error_of(d, std::string(kGood) + "...\nname: other\n"), TDX_CONTAINS("r.yaml:14:1: a second YAML document"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: !!int 2}\n"), TDX_CONTAINS("r.yaml:13:12: YAML tag 'tag:yaml.org,2002:int'"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: 2, cpus: 3}\n"), TDX_CONTAINS("r.yaml:13:15: duplicate key 'cpus'"));
}

TEST_CASE("recipe: numbers are plain decimal, without a leading zero") {
    TempDir d;
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: 010}\n"), TDX_CONTAINS("r.yaml:13:12: vm.cpus: '010' has a leading zero"));
    for (const char* bad : {"0x10", "+5", "1e3", "0o7"})
        CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: " + bad + "}\n"),
                   TDX_CONTAINS("vm.cpus: expected a whole number, found '" + std::string(bad) + "'"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {memory: 0512M}\n"), TDX_CONTAINS("vm.memory: '0512M' has a leading zero"));
    CHECK_THAT(error_of(d, std::string(kGood) + "source_date_epoch: 0100\n"), TDX_CONTAINS("source_date_epoch: '0100' has a leading zero"));
    CHECK_THAT(error_of(d, replace(kGood, "init: {", "files: [{src: a, dst: /a, uid: 007}]\ninit: {")),
               TDX_CONTAINS("files[0].uid: '007' has a leading zero"));
    write_text(d / "ok.yaml", std::string(kGood) + "vm: {cpus: 10}\nsource_date_epoch: 0\n");
    CHECK(load_recipe(d / "ok.yaml").vm.cpus == 10);
}

TEST_CASE("recipe: mirror and artifact URLs without credentials, query or fragment") {
    TempDir d;
    const std::string m = "mirrors: [https://deb.debian.org/debian]";
    CHECK_THAT(error_of(d, replace(kGood, m, "mirrors: ['https://u:p@deb.debian.org/debian']")),
               TDX_CONTAINS("sources[0].mirrors[0]: 'https://u:p@deb.debian.org/debian' has a user name or password") &&
                   TDX_CONTAINS("credentials do not belong in a recipe"));
    CHECK_THAT(error_of(d, replace(kGood, m, "mirrors: ['https://deb.debian.org/debian?x=1']")), TDX_CONTAINS("has a ?query or #fragment"));
    CHECK_THAT(error_of(d, replace(kGood, m, "mirrors: ['https://deb.debian.org/debian#top']")), TDX_CONTAINS("has a ?query or #fragment"));
    CHECK_THAT(error_of(d, replace(kGood, m, "mirrors: ['file:///srv/mirror?x']")), TDX_CONTAINS("has a ?query or #fragment"));
    CHECK_THAT(error_of(d, replace(kGood, "{package: linux-image-cloud-amd64}",
                                   "{url: 'https://h/k?sig=1', sha256: " + std::string(64, 'a') + "}")),
               TDX_CONTAINS("kernel.url: 'https://h/k?sig=1' has a ?query"));
}

TEST_CASE("recipe: values build would refuse are refused by the recipe, at their line") {
    TempDir d;
    CHECK_THAT(error_of(d, replace(kGood, "console=ttyS0", "\"console=ttyS0\\x7f\"")),
               TDX_CONTAINS("r.yaml:12:10: cmdline: contains a newline or another control character"));
    CHECK_THAT(error_of(d, replace(kGood, "console=ttyS0", "console=\xff\xfe")), TDX_CONTAINS("r.yaml:12:10: the value is not UTF-8"));
    CHECK_THAT(error_of(d, replace(kGood, "args: [sh]", "args: [\"s\\0h\"]")), TDX_CONTAINS("r.yaml:11:42: the value contains a NUL byte"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {memory: 1K}\n"),
               TDX_CONTAINS("r.yaml:13:14: vm.memory: '1K' is not a whole number of 4 KiB pages"));
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {memory: 4K}\n"), TDX_CONTAINS("vm.memory: '4K' is less than the 64M"));
    CHECK_THAT(error_of(d, replace(kGood, "name: t", "name: " + std::string(5000, 'n'))),
               TDX_CONTAINS("r.yaml:1:7: name: 5000 bytes; a name has at most 128"));
    CHECK_THAT(error_of(d, std::string(kGood) + "network: {mode: dhcp, interface: 'e:0'}\n"),
               TDX_CONTAINS("network.interface: 'e:0' is not a network interface name"));
    CHECK_THAT(error_of(d, std::string(kGood) + "network: {mode: static, address: host.example/24}\n"),
               TDX_CONTAINS("network.address: 'host.example/24' is not an IP address"));
}

TEST_CASE("recipe: errors quote a bounded excerpt of a long line, and their number and size are bounded") {
    TempDir d;
    // One line of 2 MB: 60 unknown keys, each with a value of 30 KB.
    std::string line = "{name: t";
    for (int i = 0; i < 60; ++i) line += ", k" + std::to_string(i) + ": '" + std::string(30000, 'x') + "'";
    line += "}\n";
    const std::string msg = error_of(d, line);
    CHECK_THAT(msg, TDX_CONTAINS("r.yaml:1:11: unknown key 'k0'"));
    CHECK_THAT(msg, TDX_CONTAINS("\n    ...") && TDX_CONTAINS("...\n"));
    CHECK_THAT(msg, TDX_CONTAINS("(more errors not shown)"));
    CHECK(msg.size() < 40000);
    // A short line is quoted whole, with the caret under the column.
    CHECK_THAT(error_of(d, std::string(kGood) + "vm: {cpus: many}\n"), TDX_CONTAINS("\n    vm: {cpus: many}\n               ^"));
}

TEST_CASE("recipe: tens of thousands of top-level keys are handled in linear time") {
    TempDir d;
    // 40000 keys are within the node bound and reach the key checks; 80000
    // are refused by the bound. Times are not asserted (machines differ):
    // 20000 took 10 s before the fix and 40000 did not finish in 120 s (a
    // quadratic duplicate search and merge); both take under 2 s after.
    for (const int keys : {40000, 80000}) {
        std::string text = kGood;
        for (int i = 0; i < keys; ++i) text += "k" + std::to_string(i) + ": ~\n";
        const auto start = std::chrono::steady_clock::now();
        CHECK_THAT(error_of(d, text), TDX_CONTAINS(keys == 40000 ? "r.yaml:13:1: unknown key 'k0'" : "YAML nodes"));
        WARN(keys << " keys: " << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count()
                  << " ms");
    }
}

TEST_CASE("recipe: a recipe or a parent over document-size is refused by its size, naming it") {
    TempDir d;
    const tdx::ScopedLimit small(tdx::Limit::DocumentSize, 4096);
    write_text(d / "big.yaml", std::string(kGood) + "description: '" + std::string(5000, 'x') + "'\n");
    CHECK_THAT(error_of(d, "extends: big.yaml\n", "c.yaml"), TDX_CONTAINS((d / "big.yaml").string()) && TDX_CONTAINS("document-size"));
    CHECK_THAT(tdx::test::error_of([&] { load_recipe(d / "big.yaml"); }),
               TDX_CONTAINS((d / "big.yaml").string()) && TDX_CONTAINS("document-size"));
}
