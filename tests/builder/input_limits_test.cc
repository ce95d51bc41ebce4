// Each limit of base/limits.h is enforced where untrusted input is
// read, with a message naming the input, the limit and how to raise it:
// package tarballs, initramfs archives, compressed streams, recipe chains.
#include "tests/support/catch.h"

#include <string>
#include <vector>

#include "base/limits.h"
#include "builder/apt/deb_reader.h"
#include "builder/recipe/recipe.h"
#include "builder/rootfs/compressor.h"
#include "builder/rootfs/cpio_newc.h"
#include "builder/rootfs/fs_tree.h"
#include "tests/builder/apt/deb_fixture.h"
#include "tests/support/error_of.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using tdx::Limit;
using tdx::ScopedLimit;
using tdx::test::error_of;

namespace {

std::filesystem::path write_deb(const tdx::test::TempDir& dir, const std::vector<tdx::test::DebMember>& data) {
    const std::string deb = tdx::test::make_test_deb("p", data);
    const auto path = dir / "p.deb";
    tdx::test::write_bytes(path, std::vector<std::uint8_t>(deb.begin(), deb.end()));
    return path;
}

std::vector<std::uint8_t> newc_of(const std::vector<std::string>& names) {
    FsTree tree;
    for (const std::string& n : names) tree.add_file(n, {'x'}, FsAttrs{}, true);
    return write_newc(tree);
}

}  // namespace

TEST_CASE("limits: a package with more tarball entries than archive-entries is refused", "[limits]") {
    tdx::test::TempDir dir;
    std::vector<tdx::test::DebMember> members;
    for (int i = 0; i < 5; ++i) members.push_back(tdx::test::deb_file("./f" + std::to_string(i), "x"));
    const auto deb = write_deb(dir, members);
    CHECK(deb_list_files(deb).size() == 5);
    ScopedLimit low(Limit::ArchiveEntries, 4);
    CHECK(error_of([&] { deb_list_files(deb); }) == deb.string() +
                                                        ": the number of entries in the data tarball exceeds the limit archive-entries (4); "
                                                        "if the input is legitimate, raise it with --limit archive-entries=VALUE");
}

TEST_CASE("limits: a package path longer than path-length is refused", "[limits]") {
    tdx::test::TempDir dir;
    const std::string longname = "./" + std::string(100, 'a');
    const auto deb = write_deb(dir, {tdx::test::deb_file(longname, "x")});
    CHECK(deb_list_files(deb).size() == 1);
    ScopedLimit low(Limit::PathLength, 64);
    CHECK_THAT(error_of([&] { deb_list_files(deb); }), TDX_CONTAINS(deb.string() + ": the path of entry '/aaaa") &&
                                                           TDX_CONTAINS("(101 bytes) exceeds the limit path-length (64); it cannot be raised"));
}

TEST_CASE("limits: a package member that decompresses past decompressed-size is refused", "[limits]") {
    tdx::test::TempDir dir;
    const auto deb = write_deb(dir, {tdx::test::deb_file("./big", std::string(300000, '\0'))});
    CHECK(deb_extract_file(deb, "/big").size() == 300000);
    ScopedLimit low(Limit::DecompressedSize, 100000);
    CHECK(error_of([&] { deb_extract_file(deb, "/big"); }) ==
          deb.string() +
              ": /big: the decompressed size exceeds the limit decompressed-size (100000 bytes); "
              "if the input is legitimate, raise it with --limit decompressed-size=VALUE");
}

TEST_CASE("limits: a compression bomb is stopped at decompressed-size, whatever the codec", "[limits]") {
    const std::vector<std::uint8_t> zeros(4u << 20, 0);
    for (Compression c : {Compression::Gzip, Compression::Zstd, Compression::Xz}) {
        const std::vector<std::uint8_t> bomb = compress(c, 9, zeros);
        INFO(static_cast<int>(c) << ": " << bomb.size() << " bytes");
        CHECK(bomb.size() < 20000);
        CHECK(decompress(c, bomb, "initramfs").size() == zeros.size());
        ScopedLimit low(Limit::DecompressedSize, 1u << 20);
        CHECK(error_of([&] { decompress(c, bomb, "initramfs"); }) ==
              "initramfs: the decompressed size exceeds the limit decompressed-size (1 MiB); "
              "if the input is legitimate, raise it with --limit decompressed-size=VALUE");
    }
}

TEST_CASE("limits: an initramfs with too many entries or too long a name is refused", "[limits]") {
    const std::vector<std::uint8_t> archive = newc_of({"a", "b", "c", std::string(80, 'n')});
    CHECK(read_newc(archive, "i.cpio").size() == 5);  // the root, four files
    {
        ScopedLimit low(Limit::ArchiveEntries, 4);
        CHECK(error_of([&] { read_newc(archive, "i.cpio"); }) ==
              "i.cpio: the number of entries exceeds the limit archive-entries (4); "
              "if the input is legitimate, raise it with --limit archive-entries=VALUE");
    }
    ScopedLimit low(Limit::PathLength, 79);
    CHECK_THAT(error_of([&] { read_newc(archive, "i.cpio"); }),
               TDX_CONTAINS("i.cpio: entry at offset ") &&
                   TDX_CONTAINS(": the name's length (80 bytes) exceeds the limit path-length (79); it cannot be raised"));
}

TEST_CASE("limits: recipes chained through extends: deeper than recipe-depth are refused", "[limits]") {
    tdx::test::TempDir dir;
    tdx::test::write_text(dir / "r0.yaml", "name: base\n");
    for (int i = 1; i <= 3; ++i)
        tdx::test::write_text(dir / ("r" + std::to_string(i) + ".yaml"),
                              "extends: r" + std::to_string(i - 1) + ".yaml\nname: r" + std::to_string(i) + "\n");
    ScopedLimit low(Limit::RecipeDepth, 3);
    CHECK_THAT(error_of([&] { load_recipe(dir / "r3.yaml"); }),
               TDX_CONTAINS("extends: the chain of recipes exceeds the limit recipe-depth (3); "
                            "if the input is legitimate, raise it with --limit recipe-depth=VALUE"));
    CHECK_THAT(error_of([&] { load_recipe(dir / "r2.yaml"); }), !TDX_CONTAINS("recipe-depth"));
}
