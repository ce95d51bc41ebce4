#include "tests/support/catch.h"

#include "builder/kernel/kernel_modules.h"

#include "base/limits.h"
#include "tests/builder/kernel/ko_fixture.h"
#include "tests/support/error_of.h"

using namespace tdx::builder;
using namespace tdx::test;

namespace {

const std::string kRelease = "6.1.0-test";

std::vector<std::string> names_of(const ModuleSelection& s) {
    std::vector<std::string> out;
    for (const auto& m : s.modules) out.push_back(m.name);
    return out;
}

// top needs left and right, both need base: the smallest diamond.
ModuleDirectory diamond() {
    ModuleDirectory d;
    d.version = kRelease;
    d.files["kernel/d/top.ko.xz"] = xz_compress(make_module("top", "left,right"));
    d.files["kernel/d/left.ko.xz"] = xz_compress(make_module("left", "base"));
    d.files["kernel/d/right.ko.xz"] = xz_compress(make_module("right", "base"));
    d.files["kernel/d/base.ko.xz"] = xz_compress(make_module("base", ""));
    d.files["kernel/d/other.ko.xz"] = xz_compress(make_module("other", "base"));
    d.files["modules.order"] = bytes_of("kernel/d/top.ko\nkernel/d/other.ko\nkernel/d/left.ko\nkernel/d/right.ko\nkernel/d/base.ko\n");
    d.files["modules.builtin"] = bytes_of("kernel/fs/ext4/ext4.ko\nkernel/drivers/virtio/virtio-pci.ko\n");
    return d;
}

// What depmod writes for {top, left, right, base}: lines in modules.order
// order. Its topological sort takes top (the only module nobody uses) first,
// pushes left then right as they lose their last user, so pops right before
// left, and base last: ranks top 0, right 1, left 2, base 3. Each line lists
// the dependencies by rank.
const std::string kDiamondDep =
    "kernel/d/top.ko: kernel/d/right.ko kernel/d/left.ko kernel/d/base.ko\n"
    "kernel/d/left.ko: kernel/d/base.ko\n"
    "kernel/d/right.ko: kernel/d/base.ko\n"
    "kernel/d/base.ko:\n";

}  // namespace

TEST_CASE("module paths in packages split into version and relative path", "[kmod]") {
    auto p = split_module_path("/usr/lib/modules/6.12.1+deb13-cloud-amd64/kernel/fs/configfs/configfs.ko.xz");
    REQUIRE(p);
    CHECK(p->version == "6.12.1+deb13-cloud-amd64");
    CHECK(p->relative == "kernel/fs/configfs/configfs.ko.xz");
    p = split_module_path("./lib/modules/6.1.0-56-cloud-amd64/modules.order");
    REQUIRE(p);
    CHECK(p->version == "6.1.0-56-cloud-amd64");
    CHECK(p->relative == "modules.order");
    CHECK_FALSE(split_module_path("/lib/modules/6.1"));
    CHECK_FALSE(split_module_path("/lib/modules/6.1/"));
    CHECK_FALSE(split_module_path("/lib/modules//x.ko"));
    CHECK_FALSE(split_module_path("/usr/lib/modules-load.d/x.conf"));
    CHECK_FALSE(split_module_path("/boot/vmlinuz-6.1"));
    CHECK(canonical_module_name("tdx-guest") == "tdx_guest");
}

TEST_CASE("the kernel release is the first word of the setup header's version string", "[kmod]") {
    std::vector<std::uint8_t> k(0x400, 0);
    tdx::store_le32(k, 0x202, 0x53726448);  // "HdrS"
    tdx::store_le16(k, 0x206, 0x20f);
    tdx::store_le16(k, 0x20E, 0x100);  // string at 0x300
    const std::string v = "6.1.0-test (builder@example) #1 SMP PREEMPT_DYNAMIC";
    std::copy(v.begin(), v.end(), k.begin() + 0x300);
    CHECK(kernel_release(k, "vmlinuz") == kRelease);
    tdx::store_le16(k, 0x20E, 0);
    CHECK(error_of([&] { kernel_release(k, "vmlinuz"); }) ==
          "vmlinuz: no kernel version string in the setup header, so its module directory is unknown");
}

TEST_CASE("modules decompress from xz, zstd and gzip in-process", "[kmod]") {
    const auto ko = make_module("m", "");
    CHECK(decompress_module(xz_compress(ko), "m.ko.xz") == ko);
    CHECK(decompress_module(zstd_compress(ko), "m.ko.zst") == ko);
    CHECK(decompress_module(gzip_compress(ko), "m.ko.gz") == ko);
    CHECK(decompress_module(ko, "m.ko") == ko);
    CHECK(error_of([&] { decompress_module(ko, "m.ko.bz2"); }) == "m.ko.bz2: not a kernel module file name (.ko, .ko.xz, .ko.zst or .ko.gz)");
}

TEST_CASE("corrupt, truncated and oversized compressed modules are errors", "[kmod]") {
    const auto ko = make_module("m", "");
    auto xz = xz_compress(ko);
    auto bad = xz;
    bad[bad.size() / 2] ^= 0xff;
    CHECK(error_of([&] { decompress_module(bad, "k/m.ko.xz"); }) == "k/m.ko.xz: corrupt xz data");
    bad.assign(xz.begin(), xz.end() - 20);
    CHECK(error_of([&] { decompress_module(bad, "k/m.ko.xz"); }) == "k/m.ko.xz: truncated xz data");
    bad = xz;
    bad.push_back('!');
    CHECK(error_of([&] { decompress_module(bad, "k/m.ko.xz"); }) == "k/m.ko.xz: 1 bytes after the end of the xz stream");
    CHECK(error_of([&] { decompress_module(ko, "k/m.ko.xz"); }) == "k/m.ko.xz: not xz data");
    CHECK(error_of([&] { decompress_module(ko, "k/m.ko.gz"); }) == "k/m.ko.gz: not gzip data");
    CHECK(error_of([&] { decompress_module(xz, "k/m.ko.zst"); }) == "k/m.ko.zst: not zstd data");
    const auto gz = gzip_compress(ko);
    for (std::size_t cut : {1, 8, 12, 20}) {
        INFO("gzip less its last " << cut << " bytes");
        bad.assign(gz.begin(), gz.end() - static_cast<std::ptrdiff_t>(cut));
        CHECK(error_of([&] { decompress_module(bad, "k/m.ko.gz"); }).rfind("k/m.ko.gz: corrupt gzip data: ", 0) == 0);
    }
    bad = gz;
    bad[bad.size() - 6] ^= 0x01;  // the CRC-32
    CHECK(error_of([&] { decompress_module(bad, "k/m.ko.gz"); }) ==
          "k/m.ko.gz: corrupt gzip data: the CRC-32 or size in the trailer does not match the data");
    const auto zst = zstd_compress(ko);
    bad.assign(zst.begin(), zst.end() - 4);
    CHECK(error_of([&] { decompress_module(bad, "k/m.ko.zst"); }).rfind("k/m.ko.zst: corrupt zstd data: ", 0) == 0);

    for (const auto& [data, name] : std::vector<std::pair<std::vector<std::uint8_t>, std::string>>{
             {xz, "k/m.ko.xz"}, {zstd_compress(ko), "k/m.ko.zst"}, {gzip_compress(ko), "k/m.ko.gz"}, {ko, "k/m.ko"}}) {
        {
            tdx::ScopedLimit exact(tdx::Limit::ModuleSize, ko.size());
            CHECK(decompress_module(data, name) == ko);
        }
        tdx::ScopedLimit below(tdx::Limit::ModuleSize, ko.size() - 1);
        CHECK(error_of([&] { decompress_module(data, name); }) ==
              name + ": the decompressed size exceeds the limit module-size (" + std::to_string(ko.size() - 1) +
                  " bytes); if the input is legitimate, raise it with --limit module-size=VALUE");
    }
}

TEST_CASE("a chain through depends= loads dependencies first", "[kmod]") {
    ModuleDirectory d;
    d.version = kRelease;
    const auto a = make_module("a", "b"), b = make_module("b", "c"), c = make_module("c", "");
    d.files["kernel/x/a.ko.gz"] = gzip_compress(a);
    d.files["kernel/x/b.ko.zst"] = zstd_compress(b);
    d.files["kernel/x/c.ko"] = c;
    d.files["kernel/x/unused.ko.xz"] = bytes_of("never decompressed, so never found corrupt");
    const auto s = select_modules(d, kRelease, {"a"});
    REQUIRE(names_of(s) == std::vector<std::string>{"c", "b", "a"});
    CHECK(s.modules[0].guest_path == "lib/modules/6.1.0-test/kernel/x/c.ko");
    CHECK(s.modules[1].relative_path == "kernel/x/b.ko");
    CHECK(s.modules[2].content == a);
    CHECK(s.modules[1].content == b);
    CHECK(s.modules[2].depends == std::vector<std::string>{"b"});
    CHECK(s.modules[2].requested);
    CHECK_FALSE(s.modules[0].requested);
    // No modules.order: lines by path. Topological ranks a 0, b 1, c 2.
    CHECK(s.modules_dep == "kernel/x/a.ko: kernel/x/b.ko kernel/x/c.ko\nkernel/x/b.ko: kernel/x/c.ko\nkernel/x/c.ko:\n");
    REQUIRE(s.files.size() == 1);
    CHECK(s.files[0].guest_path == "lib/modules/6.1.0-test/modules.dep");
    CHECK(s.files[0].content == bytes_of(s.modules_dep));
}

TEST_CASE("a diamond is loaded once per module, ties by name, modules.dep as depmod orders it", "[kmod]") {
    const auto s = select_modules(diamond(), kRelease, {"top"});
    CHECK(names_of(s) == std::vector<std::string>{"base", "left", "right", "top"});
    CHECK(s.modules_dep == kDiamondDep);
    REQUIRE(s.files.size() == 3);
    CHECK(s.files[0].guest_path == "lib/modules/6.1.0-test/modules.builtin");
    CHECK(s.files[0].content == diamond().files.at("modules.builtin"));
    CHECK(s.files[1].guest_path == "lib/modules/6.1.0-test/modules.dep");
    CHECK(s.files[2].guest_path == "lib/modules/6.1.0-test/modules.order");
}

TEST_CASE("modules.dep breaks ties by symbol table order, as depmod does", "[kmod]") {
    // top's first import comes from right although depends= says left,right:
    // depmod meets right first, pushes it first, so pops left first (rank 1).
    auto d = diamond();
    d.files["kernel/d/top.ko.xz"] = xz_compress(
        make_module("top", "left,right", "6.1.0-test SMP", {}, KoSymbols{{"right_fn", "left_fn", "printk"}, {}}));
    const auto s = select_modules(d, kRelease, {"top"});
    CHECK(names_of(s) == std::vector<std::string>{"base", "left", "right", "top"});
    CHECK(s.modules[3].depends == std::vector<std::string>{"left", "right"});
    CHECK(s.modules_dep ==
          "kernel/d/top.ko: kernel/d/left.ko kernel/d/right.ko kernel/d/base.ko\n"
          "kernel/d/left.ko: kernel/d/base.ko\n"
          "kernel/d/right.ko: kernel/d/base.ko\n"
          "kernel/d/base.ko:\n");
}

TEST_CASE("a shipped modules.dep gives the same selection as depends=", "[kmod]") {
    auto with_dep = diamond();
    with_dep.files["modules.dep"] = bytes_of(
        "kernel/d/top.ko.xz: kernel/d/right.ko.xz kernel/d/left.ko.xz kernel/d/base.ko.xz\n"
        "kernel/d/other.ko.xz: kernel/d/base.ko.xz\n"
        "kernel/d/left.ko.xz: kernel/d/base.ko.xz\n"
        "kernel/d/right.ko.xz: kernel/d/base.ko.xz\n"
        "kernel/d/base.ko.xz:\n");
    const auto a = select_modules(diamond(), kRelease, {"top"});
    const auto b = select_modules(with_dep, kRelease, {"top"});
    CHECK(names_of(a) == names_of(b));
    CHECK(a.modules_dep == b.modules_dep);
    for (std::size_t i = 0; i < a.modules.size() && i < b.modules.size(); ++i) CHECK(a.modules[i].content == b.modules[i].content);

    // The shipped file is what decides the closure: drop base from top's line
    // and left's, and base is still reached through right.
    auto edited = with_dep;
    edited.files["modules.dep"] = bytes_of(
        "/lib/modules/6.1.0-test/kernel/d/top.ko.xz: kernel/d/right.ko.xz\n"
        "kernel/d/right.ko.xz: kernel/d/base.ko.xz\nkernel/d/base.ko.xz:\n");
    CHECK(names_of(select_modules(edited, kRelease, {"top"})) == std::vector<std::string>{"base", "right", "top"});

    edited.files["modules.dep"] = bytes_of("kernel/d/top.ko.xz: kernel/d/right.ko.xz\n");
    CHECK(error_of([&] { select_modules(edited, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: the package's modules.dep has no line for kernel/d/right.ko.xz (stale modules.dep?)");
    edited.files["modules.dep"] = bytes_of("kernel/d/top.ko.xz kernel/d/right.ko.xz\n");
    CHECK(error_of([&] { select_modules(edited, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: modules.dep:1: expected \"module.ko: dependencies\"");
    edited.files["modules.dep"] = bytes_of("kernel/d/top.ko.xz: kernel/old/right.ko.xz\nkernel/d/right.ko.xz:\n");
    CHECK(error_of([&] { select_modules(edited, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: the package's modules.dep names kernel/old/right.ko.xz, but the package has that module at "
          "kernel/d/right.ko.xz");
    edited.files["modules.dep"] = bytes_of("kernel/d/top.ko.xz: kernel/d/gone.ko.xz\n");
    CHECK(error_of([&] { select_modules(edited, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: module top needs gone, which the kernel package does not have");
}

TEST_CASE("requests keep their order, '-' and '_' name the same module", "[kmod]") {
    ModuleDirectory d;
    d.version = kRelease;
    d.files["kernel/z/zeta.ko"] = make_module("zeta", "");
    d.files["kernel/v/tdx-guest.ko.xz"] = xz_compress(make_module("tdx_guest", "tsm"));
    d.files["kernel/v/tsm.ko.xz"] = xz_compress(make_module("tsm", ""));
    const auto s = select_modules(d, kRelease, {"zeta", "tdx-guest", "tdx_guest", "zeta"});
    CHECK(names_of(s) == std::vector<std::string>{"zeta", "tsm", "tdx_guest"});
    CHECK(s.modules[2].relative_path == "kernel/v/tdx-guest.ko");
    CHECK(s.modules_dep == "kernel/v/tdx-guest.ko: kernel/v/tsm.ko\nkernel/v/tsm.ko:\nkernel/z/zeta.ko:\n");
    // The same modules asked for the other way round load in that order.
    CHECK(names_of(select_modules(d, kRelease, {"tdx_guest", "zeta"})) == std::vector<std::string>{"tsm", "tdx_guest", "zeta"});
}

TEST_CASE("built-in modules need no file, missing ones are errors with near names", "[kmod]") {
    auto d = diamond();
    d.files["kernel/d/uses_ext4.ko.xz"] = xz_compress(make_module("uses_ext4", "ext4,base"));
    const auto s = select_modules(d, kRelease, {"virtio-pci", "uses_ext4", "ext4"});
    CHECK(s.builtin == std::vector<std::string>{"virtio_pci", "ext4"});
    CHECK(names_of(s) == std::vector<std::string>{"base", "uses_ext4"});
    CHECK(select_modules(d, kRelease, {"ext4"}).modules.empty());

    CHECK(error_of([&] { select_modules(d, kRelease, {"lef"}); }) ==
          "kernel 6.1.0-test has no module lef (neither a module file nor built in); did you mean left?");
    CHECK(error_of([&] { select_modules(d, kRelease, {"nothing_like_it"}); }) ==
          "kernel 6.1.0-test has no module nothing_like_it (neither a module file nor built in)");
    d.files["kernel/d/needs_ghost.ko.xz"] = xz_compress(make_module("needs_ghost", "base,ghost"));
    CHECK(error_of([&] { select_modules(d, kRelease, {"needs_ghost"}); }) ==
          "kernel 6.1.0-test: module needs_ghost needs ghost, which the kernel package does not have");
}

TEST_CASE("softdep pre: modules load before their user when the package has them", "[kmod]") {
    ModuleDirectory d;
    d.version = kRelease;
    d.files["kernel/s/a.ko.xz"] = xz_compress(make_module("a", "", "6.1.0-test SMP", {"softdep=pre: helper ghost ext4 post: late"}));
    d.files["kernel/s/helper.ko.xz"] = xz_compress(make_module("helper", ""));
    d.files["kernel/s/late.ko.xz"] = xz_compress(make_module("late", ""));
    d.files["modules.builtin"] = bytes_of("kernel/fs/ext4/ext4.ko\n");
    const auto s = select_modules(d, kRelease, {"a"});
    CHECK(names_of(s) == std::vector<std::string>{"helper", "a"});
    CHECK(s.modules[1].soft_pre == std::vector<std::string>{"helper"});
    // depmod puts no softdeps in modules.dep.
    CHECK(s.modules_dep == "kernel/s/a.ko:\nkernel/s/helper.ko:\n");
}

TEST_CASE("dependency cycles are errors naming the cycle", "[kmod]") {
    ModuleDirectory d;
    d.version = kRelease;
    d.files["kernel/c/a.ko.xz"] = xz_compress(make_module("a", "b"));
    d.files["kernel/c/b.ko.xz"] = xz_compress(make_module("b", "c"));
    d.files["kernel/c/c.ko.xz"] = xz_compress(make_module("c", "a"));
    d.files["kernel/c/top.ko.xz"] = xz_compress(make_module("top", "b"));
    d.files["kernel/c/self.ko"] = make_module("self", "self");
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: the modules depend on each other in a cycle: a -> b -> c -> a");
    CHECK(error_of([&] { select_modules(d, kRelease, {"self"}); }) ==
          "kernel 6.1.0-test: the modules depend on each other in a cycle: self -> self");
}

TEST_CASE("modules for another kernel are refused", "[kmod]") {
    auto d = diamond();
    d.version = "6.1.0-other";
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) ==
          "the kernel package's modules are for kernel 6.1.0-other (lib/modules/6.1.0-other), but the kernel image is 6.1.0-test");
    d = diamond();
    d.files["kernel/d/base.ko.xz"] = xz_compress(make_module("base", "", "6.1.0-old SMP mod_unload "));
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) ==
          "kernel/d/base.ko.xz: built for kernel 6.1.0-old (vermagic), not for 6.1.0-test; the kernel would refuse it");
    d.files["kernel/d/base.ko.xz"] = xz_compress(make_ko({"name=base", "depends="}));
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) ==
          "kernel/d/base.ko.xz: no vermagic in .modinfo, so the kernel it was built for is unknown");
    CHECK(error_of([&] { select_modules(ModuleDirectory{}, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: the kernel package has no module directory (lib/modules/6.1.0-test), but modules were requested");
    CHECK(select_modules(ModuleDirectory{}, kRelease, {}).modules.empty());
}

TEST_CASE("broken module files are errors naming the file", "[kmod]") {
    auto d = diamond();
    d.files["kernel/d/left.ko.xz"] = xz_compress(bytes_of("not an ELF file at all"));
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) == "kernel/d/left.ko.xz: not an ELF file (no \\x7fELF magic)");
    d = diamond();
    d.files["kernel/d/left.ko.xz"][30] ^= 0x55;
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }).rfind("kernel/d/left.ko.xz: corrupt xz data", 0) == 0);
    d = diamond();
    {
        tdx::ScopedLimit small(tdx::Limit::ModuleSize, 200);
        CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) ==
              "kernel/d/top.ko.xz: the decompressed size exceeds the limit module-size (200 bytes); "
              "if the input is legitimate, raise it with --limit module-size=VALUE");
    }
    d.files["kernel/e/top.ko"] = make_module("top", "");
    CHECK(error_of([&] { select_modules(d, kRelease, {"top"}); }) ==
          "kernel 6.1.0-test: two files provide module top: kernel/d/top.ko.xz and kernel/e/top.ko");
}

TEST_CASE("the selection depends only on the directory's content", "[kmod]") {
    // Fill a second directory in the opposite order: same bytes out.
    const auto d1 = diamond();
    ModuleDirectory d2;
    d2.version = kRelease;
    for (auto it = d1.files.rbegin(); it != d1.files.rend(); ++it) d2.files.emplace(it->first, it->second);
    const auto a = select_modules(d1, kRelease, {"top", "other"});
    const auto b = select_modules(d2, kRelease, {"top", "other"});
    CHECK(names_of(a) == std::vector<std::string>{"base", "left", "right", "top", "other"});
    CHECK(names_of(a) == names_of(b));
    CHECK(a.modules_dep == b.modules_dep);
    CHECK(a.modules_dep ==
          "kernel/d/top.ko: kernel/d/right.ko kernel/d/left.ko kernel/d/base.ko\n"
          "kernel/d/other.ko: kernel/d/base.ko\n"
          "kernel/d/left.ko: kernel/d/base.ko\n"
          "kernel/d/right.ko: kernel/d/base.ko\n"
          "kernel/d/base.ko:\n");
}
