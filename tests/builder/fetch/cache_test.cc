// The content-addressed cache: entries are verified on the way in and on the
// way out, never visible half-written (also with two processes inserting at
// once), and export/import round-trips while hostile archives are refused
// without touching anything.
#include "tests/support/catch.h"
#include "tests/support/error_of.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <future>

#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/cache_archive.h"
#include "builder/fetch/caching_downloader.h"
#include "tests/support/flock_waiter.h"
#include "tests/support/test_env.h"

using namespace tdx::builder;
using tdx::test::error_of;
using tdx::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }
std::string hex_of(const std::string& s) { return tdx::to_hex(tdx::sha256(tdx::Bytes(bytes_of(s)))); }

Expected pinned(const std::string& content) {
    Expected e;
    e.sha256 = hex_of(content);
    e.size = content.size();
    return e;
}

std::size_t files_in(const fs::path& dir) {
    std::size_t n = 0;
    for (const auto& de : fs::directory_iterator(dir)) n += de.is_regular_file() ? 1 : 0;
    return n;
}

// A tar written member by member, for archives `cache export` would never make.
struct Member {
    Member(std::string n, std::string c, mode_t t = AE_IFREG, std::string l = {})
        : name(std::move(n)), content(std::move(c)), type(t), link(std::move(l)) {}
    std::string name;
    std::string content;
    mode_t type;
    std::string link;  // symlink target or hard link source
};

void write_tar(const fs::path& path, const std::vector<Member>& members, bool zstd = false) {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (zstd) REQUIRE(archive_write_add_filter_zstd(a) == ARCHIVE_OK);
    REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
    for (const Member& m : members) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_filetype(e, m.type);
        archive_entry_set_perm(e, 0644);
        if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.link.c_str());
        if (m.type == AE_IFREG && !m.link.empty()) archive_entry_set_hardlink(e, m.link.c_str());
        archive_entry_set_size(e, m.type == AE_IFREG && m.link.empty() ? static_cast<la_int64_t>(m.content.size()) : 0);
        REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
        if (m.type == AE_IFREG && m.link.empty()) archive_write_data(a, m.content.data(), m.content.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

}  // namespace

TEST_CASE("cache: insert, lookup, read, list with names, remove") {
    TempDir d;
    Cache cache(d / "c");
    const std::string a = "alpha", b = "bravo";
    fs::path pa = cache.insert(bytes_of(a), pinned(a), "http://mirror/a.deb");
    REQUIRE(pa == cache.path_for(hex_of(a)));
    REQUIRE(pa == d.path() / "c" / "sha256" / hex_of(a));
    cache.insert(bytes_of(b), {}, "b.apk");  // no expectation: named by its computed hash

    REQUIRE(cache.lookup(hex_of(a)) == pa);
    REQUIRE(*cache.read(hex_of(b)) == bytes_of(b));
    REQUIRE_FALSE(cache.lookup(hex_of("missing")));
    // A wrong expected size is not served, but the entry hashes to its name,
    // so the expectation is wrong and the entry stays.
    const std::string wrong_size = error_of([&] { cache.lookup(hex_of(a), 99); });
    REQUIRE_THAT(wrong_size, TDX_CONTAINS("99 bytes expected"));
    REQUIRE_THAT(wrong_size, TDX_CONTAINS("is 5 bytes"));
    REQUIRE_THAT(error_of([&] { cache.read(hex_of(a), 4); }), TDX_CONTAINS("4 bytes expected"));

    auto entries = cache.list();
    REQUIRE(entries.size() == 2);
    REQUIRE(entries[1].sha256 == hex_of(b));
    REQUIRE(entries[1].size == 5);
    REQUIRE(entries[1].name == "b.apk");
    REQUIRE(entries[0].sha256 < entries[1].sha256);
    REQUIRE(cache.remove(hex_of(a)));
    REQUIRE_FALSE(cache.remove(hex_of(a)));
    REQUIRE(cache.list().size() == 1);
    REQUIRE(files_in(d.path() / "c" / "tmp") == 0);
    // Sidecars are written through tmp/ and renamed: names/ holds only them.
    REQUIRE(files_in(d.path() / "c" / "names") == 1);
}

TEST_CASE("cache: content that does not match the expectation never enters") {
    TempDir d;
    Cache cache(d / "c");
    Expected e = pinned("the real thing");
    std::string err = error_of([&] { cache.insert(bytes_of("an impostor"), e, "http://m/x.deb"); });
    REQUIRE_THAT(err, TDX_CONTAINS("http://m/x.deb"));
    REQUIRE_THAT(err, TDX_CONTAINS("expected"));
    e.size.reset();
    err = error_of([&] { cache.insert(bytes_of("an impostor"), e, "http://m/x.deb"); });
    REQUIRE_THAT(err, TDX_CONTAINS("SHA-256"));
    REQUIRE(cache.list().empty());
    REQUIRE(files_in(d.path() / "c" / "tmp") == 0);
    REQUIRE_THAT(error_of([&] { cache.path_for("../../etc/passwd"); }), TDX_CONTAINS("not a SHA-256"));
}

TEST_CASE("cache: a corrupted entry is detected on read and discarded") {
    TempDir d;
    Cache cache(d / "c");
    const std::string s = "precious bytes";
    fs::path p = cache.insert(bytes_of(s), pinned(s), "x");
    tdx::test::write_text(p, "precious bytez");
    bool discarded = false;
    REQUIRE_FALSE(cache.read(hex_of(s), {}, &discarded));
    REQUIRE(discarded);
    REQUIRE_FALSE(fs::exists(p));

    p = cache.insert(bytes_of(s), pinned(s), "x");
    tdx::test::write_text(p, "short");
    REQUIRE_FALSE(cache.lookup(hex_of(s), {}, &discarded));
    REQUIRE(discarded);
    REQUIRE(cache.list().empty());
}

TEST_CASE("cache: default root follows XDG_CACHE_HOME, then HOME") {
    const char* old_xdg = std::getenv("XDG_CACHE_HOME");
    const char* old_home = std::getenv("HOME");
    const std::string saved_xdg = old_xdg ? old_xdg : "", saved_home = old_home ? old_home : "";
    ::setenv("XDG_CACHE_HOME", "/x/cache", 1);
    ::setenv("HOME", "/home/u", 1);
    CHECK(Cache::default_root() == fs::path("/x/cache/tdximage"));
    ::setenv("XDG_CACHE_HOME", "relative", 1);  // the XDG spec says to ignore it
    CHECK(Cache::default_root() == fs::path("/home/u/.cache/tdximage"));
    ::unsetenv("XDG_CACHE_HOME");
    CHECK(Cache::default_root() == fs::path("/home/u/.cache/tdximage"));
    ::unsetenv("HOME");
    CHECK_THAT(error_of([] { Cache::default_root(); }), TDX_CONTAINS("--cache-dir"));
    if (old_xdg) ::setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
    if (old_home) ::setenv("HOME", saved_home.c_str(), 1);
}

TEST_CASE("cache: an entry lock excludes other holders until released") {
    TempDir d;
    Cache cache(d / "c");
    const std::string h = hex_of("x");
    {
        CacheLock held = cache.lock(h);
        REQUIRE(held.held());
        // flock conflicts between open files even within one process.
        REQUIRE_FALSE(cache.try_lock(h).held());
    }
    REQUIRE(cache.try_lock(h).held());
}

TEST_CASE("cache: two processes inserting the same and different entries at once") {
    TempDir d;
    const fs::path root = d / "c";
    { Cache create(root); }
    // Large enough that a torn write would be visible as a wrong hash.
    auto content = [](char c) { return std::string(3 << 20, c); };
    const std::string shared = content('s');
    std::vector<pid_t> children;
    for (char who : {'a', 'b', 'c', 'd'}) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int status = 0;
            try {
                Cache c(root);
                for (int i = 0; i < 3; ++i) {
                    c.insert(bytes_of(shared), pinned(shared), "shared");
                    const std::string own = content(who);
                    c.insert(bytes_of(own), pinned(own), std::string(1, who));
                    // Whatever is visible at any time is complete.
                    if (!c.lookup(hex_of(shared))) status = 3;
                }
            } catch (...) {
                status = 2;
            }
            ::_exit(status);
        }
        children.push_back(pid);
    }
    for (pid_t pid : children) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
    }
    Cache cache(root);
    REQUIRE(cache.list().size() == 5);
    for (const auto& e : cache.list()) REQUIRE(cache.lookup(e.sha256));
    REQUIRE(files_in(root / "tmp") == 0);
}

TEST_CASE("cache: gc keeps what is listed and --all empties") {
    TempDir d;
    Cache cache(d / "c");
    for (const std::string s : {"one", "two", "three"}) cache.insert(bytes_of(s), {}, s);
    // A partial download of an entry nobody keeps is dropped as well.
    tdx::test::write_text(cache.partial_path(hex_of("four")), "fo");
    auto dry = cache.collect_garbage({hex_of("two")}, true);
    REQUIRE(dry.removed.size() == 2);
    REQUIRE(cache.list().size() == 3);
    auto r = cache.collect_garbage({hex_of("two")});
    REQUIRE(r.removed.size() == 2);
    REQUIRE(r.removed_bytes == 3 + 5);
    REQUIRE(r.kept == 1);
    REQUIRE(cache.list().size() == 1);
    REQUIRE(cache.list()[0].sha256 == hex_of("two"));
    REQUIRE_FALSE(fs::exists(cache.partial_path(hex_of("four"))));
    REQUIRE(files_in(d.path() / "c" / "names") == 1);
    cache.collect_garbage({});
    REQUIRE(cache.list().empty());
    REQUIRE(files_in(d.path() / "c" / "names") == 0);
    REQUIRE(files_in(d.path() / "c" / "locks") == 0);
}

TEST_CASE("cache: export then import into an empty cache round-trips, deterministically") {
    TempDir d;
    Cache src(d / "src");
    for (const std::string s : {"kernel", "modules", "index"}) src.insert(bytes_of(s), {}, "http://deb.debian.org/" + s);
    src.insert(bytes_of("no name"), {}, "");
    REQUIRE(export_cache(src, d / "all.tar", std::nullopt) == 4);
    REQUIRE(export_cache(src, d / "again.tar", std::nullopt) == 4);
    REQUIRE(tdx::test::read_text(d / "all.tar") == tdx::test::read_text(d / "again.tar"));

    Cache dst(d / "dst");
    auto r = import_cache(dst, d / "all.tar");
    REQUIRE(r.added == 4);
    REQUIRE(r.already_present == 0);
    auto a = src.list(), b = dst.list();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].sha256 == b[i].sha256);
        REQUIRE(a[i].size == b[i].size);
        REQUIRE(a[i].name == b[i].name);
        REQUIRE(dst.lookup(b[i].sha256));
    }
    // The imported cache exports byte-identically; a second import adds nothing.
    REQUIRE(export_cache(dst, d / "from-dst.tar", std::nullopt) == 4);
    REQUIRE(tdx::test::read_text(d / "all.tar") == tdx::test::read_text(d / "from-dst.tar"));
    REQUIRE(import_cache(dst, d / "all.tar").already_present == 4);

    // --only: just the listed entries; a listed entry that is missing is an error.
    tdx::test::write_text(d / "only.txt", "# kernel only\n" + hex_of("kernel") + "  vmlinuz.deb\n\n");
    REQUIRE(export_cache(src, d / "one.tar", read_sha256_list(d / "only.txt")) == 1);
    Cache one(d / "one");
    import_cache(one, d / "one.tar");
    REQUIRE(one.list().size() == 1);
    std::set<std::string> missing = {hex_of("not cached")};
    REQUIRE_THAT(error_of([&] { export_cache(src, d / "x.tar", missing); }), TDX_CONTAINS(hex_of("not cached")));
    REQUIRE_FALSE(fs::exists(d / "x.tar"));
}

TEST_CASE("cache: import refuses hostile archives and writes nothing") {
    TempDir d;
    const std::string good = "good content";
    const std::string good_name = "sha256/" + hex_of(good);
    struct Case {
        const char* what;
        std::vector<Member> members;
        const char* message;
    };
    const std::string abs_target = (d / "escaped").string();
    const std::vector<Case> cases = {
        {"parent directory", {{good_name, good}, {"../escaped", "x"}}, "outside the cache"},
        {"nested parent", {{"sha256/../../escaped", "x"}}, "outside the cache"},
        {"absolute path", {{abs_target, "x"}}, "absolute path"},
        {"symlink", {{"sha256/" + hex_of("link"), "", AE_IFLNK, abs_target}}, "symbolic link"},
        {"hard link", {{good_name, good}, {"sha256/" + hex_of("hl"), "", AE_IFREG, good_name}}, "hard link"},
        {"directory", {{"sha256/", "", AE_IFDIR}}, "directory"},
        {"fifo", {{"sha256/" + hex_of("fifo"), "", AE_IFIFO}}, "FIFO"},
        {"hash mismatch", {{good_name, good}, {"sha256/" + hex_of("claimed"), "delivered"}}, "not the one its name claims"},
        {"other name", {{"etc/passwd", "x"}}, "not sha256/<hex>"},
        {"uppercase hex", {{"sha256/" + std::string(64, 'A'), "x"}}, "not sha256/<hex>"},
        {"orphan name", {{"names/" + hex_of("nothing"), "http://x\n"}}, "no matching"},
        {"duplicate", {{good_name, good}, {good_name, good}}, "twice"},
        {"character device", {{"sha256/" + hex_of("chr"), "", AE_IFCHR}}, "character device"},
        {"block device", {{"sha256/" + hex_of("blk"), "", AE_IFBLK}}, "block device"},
        {"symlink sidecar", {{good_name, good}, {"names/" + hex_of(good), "", AE_IFLNK, "/etc/passwd"}}, "symbolic link"},
        {"hard link to a host path", {{"sha256/" + hex_of("passwd"), "", AE_IFREG, "/etc/passwd"}}, "hard link"},
        {"parent in a sidecar", {{good_name, good}, {"names/../../escaped", "x"}}, "outside the cache"},
        {"trailing parent", {{"sha256/..", "x"}}, "outside the cache"},
        {"absolute entry", {{"/sha256/" + hex_of(good), good}}, "absolute path"},
    };
    for (const Case& c : cases) {
        SECTION(c.what) {
            write_tar(d / "evil.tar", c.members);
            Cache cache(d / "cache");
            std::string err = error_of([&] { import_cache(cache, d / "evil.tar"); });
            CHECK_THAT(err, TDX_CONTAINS(c.message));
            CHECK_THAT(err, TDX_CONTAINS("evil.tar"));
            CHECK(cache.list().empty());
            CHECK(files_in(d / "cache" / "tmp") == 0);
            CHECK(files_in(d / "cache" / "names") == 0);
            CHECK_FALSE(fs::exists(d / "escaped"));
        }
    }
    SECTION("not a tar at all") {
        tdx::test::write_text(d / "evil.tar", std::string(2000, 'z'));
        Cache cache(d / "cache");
        CHECK_THAT(error_of([&] { import_cache(cache, d / "evil.tar"); }), TDX_CONTAINS("evil.tar"));
    }
}

TEST_CASE("cache: a refused import leaves an existing cache exactly as it was") {
    TempDir d;
    Cache cache(d / "cache");
    const std::string kept = "already cached";
    cache.insert(bytes_of(kept), pinned(kept), "http://mirror/kept.deb");
    const std::string fresh = "would be new";
    // Good members first, then one bad one: nothing of the archive is added,
    // and an entry it claims to replace keeps its bytes and its name.
    const std::vector<std::vector<Member>> archives = {
        {{"sha256/" + hex_of(fresh), fresh}, {"names/" + hex_of(fresh), "http://x\n"}, {"sha256/" + hex_of(kept), "other bytes"}},
        {{"sha256/" + hex_of(fresh), fresh}, {"sha256/" + hex_of(kept), "", AE_IFLNK, (d / "outside").string()}},
        {{"sha256/" + hex_of(fresh), fresh}, {"sha256/" + hex_of("dev"), "", AE_IFBLK}},
        {{"sha256/" + hex_of(fresh), fresh}, {"names/" + hex_of(kept), "http://evil/\n"}, {"../outside", "x"}},
    };
    for (std::size_t i = 0; i < archives.size(); ++i) {
        INFO("archive " << i);
        write_tar(d / "evil.tar", archives[i]);
        CHECK_THAT(error_of([&] { import_cache(cache, d / "evil.tar"); }), TDX_CONTAINS("evil.tar: member"));
        const auto entries = cache.list();
        REQUIRE(entries.size() == 1);
        CHECK(entries[0].sha256 == hex_of(kept));
        CHECK(entries[0].name == "http://mirror/kept.deb");
        CHECK(cache.lookup(hex_of(kept)));
        CHECK(files_in(d / "cache" / "tmp") == 0);
        CHECK(files_in(d / "cache" / "names") == 1);
        CHECK_FALSE(fs::exists(d / "outside"));
    }
}

TEST_CASE("cache: SHA-256 lists name the file and line of a bad value") {
    TempDir d;
    tdx::test::write_text(d / "keep", hex_of("a") + "\n" + "nothex\n");
    std::string err = error_of([&] { read_sha256_list(d / "keep"); });
    REQUIRE_THAT(err, TDX_CONTAINS("keep:2"));
    REQUIRE_THAT(err, TDX_CONTAINS("nothex"));
    std::string upper = hex_of("a");
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    tdx::test::write_text(d / "keep", upper + "\n");
    REQUIRE(read_sha256_list(d / "keep") == std::set<std::string>{hex_of("a")});
}

TEST_CASE("cache: import applies decompressed-size, archive-entries and document-size before anything is hashed") {
    TempDir d;
    struct Case {
        const char* what;
        tdx::Limit limit;
        std::uint64_t value;
        std::vector<Member> members;
        const char* name;
    };
    // 8 MiB of zeros is a few hundred bytes as zstd; claimed under a name it
    // does not hash to, so only the limit can stop it before the end.
    std::vector<Member> many_names;
    for (int i = 0; i < 40; ++i) many_names.push_back({"names/" + hex_of(std::to_string(i)), std::string(4000, 'u') + "\n"});
    std::vector<Member> many_entries;
    for (int i = 0; i < 40; ++i) many_entries.push_back({"sha256/" + hex_of(std::to_string(i)), std::to_string(i)});
    const std::vector<Case> cases = {
        {"a zstd bomb",
         tdx::Limit::DecompressedSize,
         1u << 20,
         {{"sha256/" + hex_of("claimed"), std::string(8u << 20, '\0')}},
         "decompressed-size"},
        {"too many members", tdx::Limit::ArchiveEntries, 16, many_entries, "archive-entries"},
        {"name sidecars adding up", tdx::Limit::DocumentSize, 64u << 10, many_names, "document-size"},
    };
    for (const Case& c : cases) {
        SECTION(c.what) {
            write_tar(d / "bomb.tar.zst", c.members, true);
            REQUIRE(fs::file_size(d / "bomb.tar.zst") < (64u << 10));
            tdx::ScopedLimit small(c.limit, c.value);
            Cache cache(d / "cache");
            const std::string err = error_of([&] { import_cache(cache, d / "bomb.tar.zst"); });
            CHECK_THAT(err, TDX_CONTAINS("bomb.tar.zst"));
            CHECK_THAT(err, TDX_CONTAINS(c.name));
            CHECK(cache.list().empty());
            CHECK(files_in(d / "cache" / "tmp") == 0);
        }
    }
}

TEST_CASE("cache: gc waits for a downloader that holds the cache, then removes its private copies too") {
    TempDir d;
    Cache cache(d / "c");
    cache.insert(bytes_of("needed"), {}, "needed.deb");
    CachingDownloaderOptions o;
    o.offline = true;
    auto dl = std::make_unique<CachingDownloader>(cache, o);
    const fs::path copy = dl->get_path({"http://deb.example/needed.deb"}, pinned("needed"));
    // A real gc in another process, started while the "build" runs.
    auto gc = std::async(std::launch::async, [&] {
        return tdx::test::run({tdx::test::tool_path().string(), "cache", "gc", "--all", "--cache-dir", (d / "c").string()});
    });
    REQUIRE(tdx::test::wait_for_flock_waiter(d / "c" / "locks" / "in-use"));
    CHECK(cache.lookup(hex_of("needed")));
    CHECK(gc.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
    // Still there for the rest of the build.
    CHECK(dl->get({"http://deb.example/needed.deb"}, pinned("needed")) == bytes_of("needed"));
    dl.reset();
    const tdx::test::RunResult r = gc.get();
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(cache.list().empty());

    // A build killed before it removed its copies: the next gc removes them.
    fs::create_directories(d / "c" / "tmp" / "inputs-killed");
    tdx::test::write_text(d / "c" / "tmp" / "inputs-killed" / hex_of("needed"), "needed");
    cache.collect_garbage({});
    CHECK(fs::is_empty(d / "c" / "tmp"));
    CHECK_FALSE(fs::exists(copy));
}
