// `tdximage cache ls|gc|export|import` as a user runs them: stable output,
// exit status 2 with a message that names the problem, and a cache carried
// through a tar file arriving intact.
#include "tests/support/catch.h"

#include <archive.h>
#include <archive_entry.h>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "builder/fetch/cache.h"
#include "builder/lock/lockfile.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
using tdx::builder::Cache;
namespace fs = std::filesystem;

namespace {

std::string hex_of(const std::string& s) {
    return tdx::to_hex(tdx::sha256(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
}

void add(Cache& c, const std::string& content, const std::string& name) {
    c.insert(std::vector<std::uint8_t>(content.begin(), content.end()), {}, name);
}

RunResult cache_cmd(std::vector<std::string> args) {
    args.insert(args.begin(), {tool_path().string(), "cache"});
    return run(args);
}

}  // namespace

TEST_CASE("cache ls: sorted lines and JSON, an empty cache lists nothing") {
    TempDir d;
    const std::string dir = (d / "c").string();
    auto r = cache_cmd({"ls", "--cache-dir", dir});
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.empty());

    Cache c(dir);
    add(c, "zulu", "http://deb.debian.org/debian/pool/z.deb");
    add(c, "alpha", "");
    r = cache_cmd({"ls", "--cache-dir", dir});
    REQUIRE(r.exit_code == 0);
    const std::string za = hex_of("zulu"), al = hex_of("alpha");
    const std::string line_z = za + "  4  http://deb.debian.org/debian/pool/z.deb\n", line_a = al + "  5  -\n";
    REQUIRE(r.out == (za < al ? line_z + line_a : line_a + line_z));

    r = cache_cmd({"ls", "--json", "--cache-dir", dir});
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["entries"].size() == 2);
    REQUIRE(j["entries"][0]["sha256"] == std::min(za, al));
    REQUIRE(j["cache_dir"] == dir);
}

TEST_CASE("cache gc: --keep-list keeps the listed entries, --all empties, nothing given is a usage error") {
    TempDir d;
    const std::string dir = (d / "c").string();
    Cache c(dir);
    for (const std::string s : {"one", "two", "three"}) add(c, s, s);
    write_text(d / "keep", "# entries of the current lockfile\n" + hex_of("two") + "\n");

    auto r = cache_cmd({"gc", "--cache-dir", dir});
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, TDX_CONTAINS("--keep-list"));
    r = cache_cmd({"gc", "--cache-dir", dir, "--all", "--keep-list", (d / "keep").string()});
    REQUIRE(r.exit_code == 2);

    r = cache_cmd({"gc", "--cache-dir", dir, "--keep-list", (d / "keep").string(), "--dry-run"});
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, TDX_CONTAINS("would remove 2 entries"));
    REQUIRE(c.list().size() == 3);

    r = cache_cmd({"gc", "--cache-dir", dir, "--keep-list", (d / "keep").string()});
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, TDX_CONTAINS("removed 2 entries (8 bytes), kept 1"));
    REQUIRE(c.list().size() == 1);

    write_text(d / "bad", "not-a-hash\n");
    r = cache_cmd({"gc", "--cache-dir", dir, "--keep-list", (d / "bad").string()});
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, TDX_CONTAINS("bad:1"));
    REQUIRE(c.list().size() == 1);

    r = cache_cmd({"gc", "--cache-dir", dir, "--all"});
    REQUIRE(r.exit_code == 0);
    REQUIRE(c.list().empty());
}

TEST_CASE("cache export/import: a cache carried through a tar arrives intact") {
    TempDir d;
    const std::string src = (d / "src").string(), dst = (d / "dst").string();
    Cache c(src);
    add(c, "kernel bytes", "http://deb.debian.org/debian/pool/main/l/linux/linux-image.deb");
    add(c, "index bytes", "http://deb.debian.org/debian/dists/bookworm/InRelease");

    auto r = cache_cmd({"export", (d / "cache.tar").string(), "--cache-dir", src});
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, TDX_CONTAINS("exported 2 entries"));
    r = cache_cmd({"import", (d / "cache.tar").string(), "--cache-dir", dst});
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, TDX_CONTAINS("imported 2 entries"));
    REQUIRE(cache_cmd({"ls", "--cache-dir", src}).out == cache_cmd({"ls", "--cache-dir", dst}).out);

    // Only the listed entries; a listed entry the cache lacks is named.
    write_text(d / "only", hex_of("kernel bytes") + "\n");
    r = cache_cmd({"export", (d / "one.tar").string(), "--cache-dir", src, "--only", (d / "only").string()});
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, TDX_CONTAINS("exported 1 entries"));
    write_text(d / "only", hex_of("absent") + "\n");
    r = cache_cmd({"export", (d / "none.tar").string(), "--cache-dir", src, "--only", (d / "only").string()});
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, TDX_CONTAINS(hex_of("absent")));
    REQUIRE_FALSE(fs::exists(d / "none.tar"));
}

TEST_CASE("cache import: a tar with a path outside the cache is refused, nothing written") {
    TempDir d;
    archive* a = archive_write_new();
    archive_write_set_format_ustar(a);
    REQUIRE(archive_write_open_filename(a, (d / "evil.tar").c_str()) == ARCHIVE_OK);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, "sha256/../../escaped");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, 1);
    archive_write_header(a, e);
    archive_write_data(a, "x", 1);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);

    auto r = cache_cmd({"import", (d / "evil.tar").string(), "--cache-dir", (d / "c").string()});
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, TDX_CONTAINS("evil.tar: member 'sha256/../../escaped'"));
    REQUIRE_FALSE(fs::exists(d / "escaped"));
    REQUIRE(cache_cmd({"ls", "--cache-dir", (d / "c").string()}).out.empty());

    r = cache_cmd({"import", (d / "missing.tar").string(), "--cache-dir", (d / "c").string()});
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, TDX_CONTAINS("missing.tar"));
}

TEST_CASE("cache import: links, devices and content that lies about its name are refused, the cache stays as it was") {
    TempDir d;
    const std::string dir = (d / "c").string();
    Cache c(dir);
    add(c, "kept bytes", "http://deb.debian.org/kept.deb");
    const std::string before = cache_cmd({"ls", "--cache-dir", dir}).out;
    struct Bad {
        std::string name;
        unsigned type;
        std::string content, link, message;
    };
    const std::vector<Bad> bads = {
        {"sha256/" + hex_of("x"), AE_IFLNK, "", "/etc/passwd", "is a symbolic link"},
        {"sha256/" + hex_of("x"), AE_IFREG, "", "/etc/passwd", "is a hard link"},
        {"sha256/" + hex_of("x"), AE_IFCHR, "", "", "is a character device"},
        {"/etc/cron.d/x", AE_IFREG, "x", "", "has an absolute path"},
        {"sha256/" + hex_of("kept bytes"), AE_IFREG, "not the kept bytes", "", "not the one its name claims"},
    };
    for (const Bad& b : bads) {
        INFO(b.name << " " << b.message);
        archive* a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        REQUIRE(archive_write_open_filename(a, (d / "evil.tar").c_str()) == ARCHIVE_OK);
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, b.name.c_str());
        archive_entry_set_filetype(e, b.type);
        archive_entry_set_perm(e, 0644);
        if (b.type == AE_IFLNK) archive_entry_set_symlink(e, b.link.c_str());
        if (b.type == AE_IFREG && !b.link.empty()) archive_entry_set_hardlink(e, b.link.c_str());
        if (b.type == AE_IFCHR) archive_entry_set_rdev(e, 0x0501);
        archive_entry_set_size(e, static_cast<la_int64_t>(b.content.size()));
        archive_write_header(a, e);
        if (!b.content.empty()) archive_write_data(a, b.content.data(), b.content.size());
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);

        auto r = cache_cmd({"import", (d / "evil.tar").string(), "--cache-dir", dir});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS((d / "evil.tar").string() + ": member '" + b.name + "'"));
        CHECK_THAT(r.err, TDX_CONTAINS(b.message));
        CHECK(cache_cmd({"ls", "--cache-dir", dir}).out == before);
        CHECK(fs::is_empty(d / "c" / "tmp"));
    }
}

TEST_CASE("cache gc --lock keeps what a lockfile pins") {
    tdx::test::TempDir d;
    const std::string cache = (d / "cache").string();
    tdx::builder::Cache c(cache);
    const std::string kept = "pinned by the lock", dropped = "not pinned";
    auto insert = [&](const std::string& content) {
        std::vector<std::uint8_t> bytes(content.begin(), content.end());
        return c.insert(bytes, {}, "x").filename().string();
    };
    const std::string kept_sha = insert(kept);
    insert(dropped);
    tdx::builder::Lockfile lock;
    lock.recipe_file = "r.yaml";
    lock.recipe_sha256 = std::string(64, 'a');
    lock.files.push_back({"kernel", {"https://example.org/vmlinuz"}, kept.size(), kept_sha});
    tdx::test::write_text(d / "r.yaml.lock", tdx::builder::render_lockfile(lock));
    auto r = tdx::test::run({tdx::test::tool_path().string(), "cache", "gc", "--cache-dir", cache, "--lock", (d / "r.yaml.lock").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto left = c.list();
    REQUIRE(left.size() == 1);
    CHECK(left[0].sha256 == kept_sha);
}
