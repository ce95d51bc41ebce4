#include "builder/fetch/cache_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <vector>

#include "base/archive_message.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/limits.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

std::string errno_text() { return std::strerror(errno); }

struct ArchiveWriteDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Appends one member with fixed metadata; `fd` streams the content (or
// `text` when fd is negative), checked against `sha256` when not empty.
void add_member(archive* a, const fs::path& out, const std::string& name, std::uint64_t size, int fd, const std::string& text,
                const std::string& sha256) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    archive_entry_set_mtime(e.get(), 0, 0);
    archive_entry_set_uid(e.get(), 0);
    archive_entry_set_gid(e.get(), 0);
    if (archive_write_header(a, e.get()) != ARCHIVE_OK)
        fail(out.string() + ": cannot write member " + name + ": " + archive_message(a), ErrorKind::Io);
    if (fd < 0) {
        if (archive_write_data(a, text.data(), text.size()) != static_cast<la_ssize_t>(text.size()))
            fail(out.string() + ": cannot write member " + name + ": " + archive_message(a), ErrorKind::Io);
        return;
    }
    Hasher h(Hasher::Algorithm::Sha256);
    std::vector<char> buf(1 << 20);
    std::uint64_t left = size;
    while (left > 0) {
        ssize_t n = ::read(fd, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size())));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(name + ": cache entry shrank or cannot be read while exporting", ErrorKind::Io);
        h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        if (archive_write_data(a, buf.data(), static_cast<std::size_t>(n)) != n)
            fail(out.string() + ": cannot write member " + name + ": " + archive_message(a), ErrorKind::Io);
        left -= static_cast<std::uint64_t>(n);
    }
    // A corrupted entry must not travel to another builder.
    if (to_hex(h.final256()) != sha256)
        fail(name + ": cache entry is corrupted (its content no longer hashes to its name); run `tdximage cache gc` or fetch it again",
             ErrorKind::BadInput);
}

// What an archive member claims to be, after checking its name.
struct MemberName {
    bool content = false;  // sha256/<hex>, else names/<hex>
    std::string hex;
};

MemberName check_member_name(const fs::path& archive_path, const std::string& name) {
    const std::string where = archive_path.string() + ": member '" + name + "'";
    if (!name.empty() && name[0] == '/') fail(where + " has an absolute path; refusing the archive", ErrorKind::BadInput);
    if (name == ".." || name.rfind("../", 0) == 0 || name.find("/../") != std::string::npos ||
        (name.size() >= 3 && name.compare(name.size() - 3, 3, "/..") == 0))
        fail(where + " points outside the cache (..); refusing the archive", ErrorKind::BadInput);
    for (const char* dir : {"sha256/", "names/"}) {
        const std::string d = dir;
        if (name.rfind(d, 0) == 0 && is_sha256_hex(name.substr(d.size()))) return {d == "sha256/", name.substr(d.size())};
    }
    fail(where + " is not sha256/<hex> or names/<hex>; refusing the archive", ErrorKind::BadInput);
}

std::string type_name(mode_t type) {
    switch (type) {
        case AE_IFLNK: return "a symbolic link";
        case AE_IFDIR: return "a directory";
        case AE_IFCHR: return "a character device";
        case AE_IFBLK: return "a block device";
        case AE_IFIFO: return "a FIFO";
        case AE_IFSOCK: return "a socket";
        default: return "not a regular file";
    }
}

}  // namespace

std::set<std::string> read_sha256_list(const fs::path& path) {
    std::ifstream f(path);
    if (!f) fail(path.string() + ": cannot read the list of SHA-256 values", ErrorKind::Io);
    std::set<std::string> out;
    std::string line;
    for (std::size_t no = 1; std::getline(f, line); ++no) {
        const auto start = line.find_first_not_of(" \t\r");
        if (start == std::string::npos || line[start] == '#') continue;
        std::string hex = line.substr(start, line.find_first_of(" \t\r", start) - start);
        std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!is_sha256_hex(hex))
            fail(path.string() + ":" + std::to_string(no) + ": '" + hex + "' is not a SHA-256 (64 hex digits)", ErrorKind::BadInput);
        out.insert(hex);
    }
    return out;
}

std::size_t export_cache(Cache& cache, const fs::path& out, const std::optional<std::set<std::string>>& only) {
    std::vector<CacheEntry> entries = cache.list();
    if (only) {
        for (const std::string& hex : *only) {
            if (!std::any_of(entries.begin(), entries.end(), [&](const CacheEntry& e) { return e.sha256 == hex; }))
                fail("sha256 " + hex + " is listed for export but is not in the cache " + cache.root().string(), ErrorKind::BadInput);
        }
        std::erase_if(entries, [&](const CacheEntry& e) { return !only->count(e.sha256); });
    }

    const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    std::string tmpl = (dir / ("." + out.filename().string() + ".tmp-XXXXXX")).string();
    OwnedFd tmp;
    tmp.fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (tmp.fd < 0) fail(out.string() + ": cannot create a temporary file in " + dir.string() + ": " + errno_text(), ErrorKind::Io);
    struct Cleanup {
        std::string path;
        ~Cleanup() {
            if (!path.empty()) ::unlink(path.c_str());
        }
    } cleanup{tmpl};

    std::unique_ptr<archive, ArchiveWriteDeleter> a(archive_write_new());
    archive_write_set_format_ustar(a.get());
    archive_write_add_filter_none(a.get());
    if (archive_write_open_fd(a.get(), tmp.fd) != ARCHIVE_OK)
        fail(out.string() + ": cannot start the archive: " + archive_message(a.get()), ErrorKind::Io);

    // Member order is fixed: for each entry in sha256 order, "names/<hex>"
    // sorts before "sha256/<hex>" only within one entry; sort all names to
    // keep the archive a pure function of the set of entries.
    std::vector<std::pair<std::string, const CacheEntry*>> members;
    for (const CacheEntry& e : entries) {
        members.emplace_back("sha256/" + e.sha256, &e);
        if (!e.name.empty()) members.emplace_back("names/" + e.sha256, &e);
    }
    std::sort(members.begin(), members.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [name, e] : members) {
        if (name[0] == 'n') {
            const std::string text = e->name + "\n";
            add_member(a.get(), out, name, text.size(), -1, text, {});
            continue;
        }
        CacheLock held = cache.lock(e->sha256);
        OwnedFd in;
        in.fd = ::open(cache.path_for(e->sha256).c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (in.fd < 0 || ::fstat(in.fd, &st) != 0)
            fail(cache.path_for(e->sha256).string() + ": cannot read the cache entry: " + errno_text(), ErrorKind::Io);
        add_member(a.get(), out, name, static_cast<std::uint64_t>(st.st_size), in.fd, {}, e->sha256);
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK)
        fail(out.string() + ": cannot finish the archive: " + archive_message(a.get()), ErrorKind::Io);
    finish_file(tmp.fd, 0644, out);
    if (::rename(tmpl.c_str(), out.c_str()) != 0) fail(out.string() + ": cannot rename into place: " + errno_text(), ErrorKind::Io);
    cleanup.path.clear();
    sync_directory(dir);
    return entries.size();
}

ImportResult import_cache(Cache& cache, const fs::path& archive_path) {
    std::unique_ptr<archive, ArchiveReadDeleter> a(archive_read_new());
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_all(a.get());  // a .tar.gz or .tar.zst made by hand is fine too
    if (archive_read_open_filename(a.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK)
        fail(archive_path.string() + ": cannot open as a tar archive: " + archive_message(a.get()), ErrorKind::Io);

    // Everything is staged first; the cache changes only after the last
    // member passed every check.
    std::map<std::string, CacheTempFile> contents;
    std::map<std::string, std::string> names;
    // A few hundred bytes compressed can claim gigabytes and millions of
    // members: what is staged in tmp/ is bounded by decompressed-size, the
    // members by archive-entries, and the name sidecars held in memory
    // together by document-size, all before anything is hashed.
    const std::string archive_name = archive_path.string();
    std::uint64_t members = 0, unpacked = 0, name_bytes = 0;
    const auto count_unpacked = [&](std::uint64_t n) {
        check_limit(Limit::DecompressedSize, unpacked += n, archive_name, "the size of its members");
    };
    archive_entry* e = nullptr;
    for (;;) {
        int rc = archive_read_next_header(a.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
            fail(archive_path.string() + ": not a readable tar archive: " + archive_message(a.get()), ErrorKind::BadInput);
        check_limit(Limit::ArchiveEntries, ++members, archive_name, "the number of members");
        const char* raw = archive_entry_pathname(e);
        const std::string name = raw ? raw : "";
        const std::string where = archive_path.string() + ": member '" + name + "'";
        if (archive_entry_hardlink(e)) fail(where + " is a hard link; refusing the archive", ErrorKind::BadInput);
        if (archive_entry_filetype(e) != AE_IFREG)
            fail(where + " is " + type_name(archive_entry_filetype(e)) + ", not a regular file; refusing the archive", ErrorKind::BadInput);
        const MemberName m = check_member_name(archive_path, name);
        if ((m.content ? contents.count(m.hex) : names.count(m.hex)) != 0)
            fail(where + " appears twice; refusing the archive", ErrorKind::BadInput);

        if (!m.content) {
            const la_int64_t size = archive_entry_size(e);
            if (size < 0 || size > 4096) fail(where + " is too large for a name sidecar; refusing the archive", ErrorKind::BadInput);
            check_limit(Limit::DocumentSize, name_bytes += static_cast<std::uint64_t>(size), archive_name,
                        "the size of its name sidecars together");
            count_unpacked(static_cast<std::uint64_t>(size));
            std::string text(static_cast<std::size_t>(size), '\0');
            if (archive_read_data(a.get(), text.data(), text.size()) != static_cast<la_ssize_t>(text.size()))
                fail(where + ": cannot read: " + archive_message(a.get()), ErrorKind::BadInput);
            if (text.find('\0') != std::string::npos) fail(where + " is not text; refusing the archive", ErrorKind::BadInput);
            names[m.hex] = text.substr(0, text.find('\n'));
            continue;
        }
        CacheTempFile tmp = cache.temp_file();
        OwnedFd out;
        out.fd = ::open(tmp.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (out.fd < 0) fail(tmp.path().string() + ": cannot open: " + errno_text(), ErrorKind::Io);
        Hasher h(Hasher::Algorithm::Sha256);
        std::vector<char> buf(1 << 20);
        for (;;) {
            la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
            if (n < 0) fail(where + ": cannot read: " + archive_message(a.get()), ErrorKind::BadInput);
            if (n == 0) break;
            count_unpacked(static_cast<std::uint64_t>(n));
            h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
            write_all(out.fd, Bytes(reinterpret_cast<const std::uint8_t*>(buf.data()), static_cast<std::size_t>(n)), tmp.path());
        }
        const std::string got = to_hex(h.final256());
        if (got != m.hex)
            fail(where + ": content has SHA-256 " + got + ", not the one its name claims; refusing the archive", ErrorKind::BadInput);
        contents.emplace(m.hex, std::move(tmp));
    }
    for (const auto& [hex, text] : names) {
        if (!contents.count(hex))
            fail(archive_path.string() + ": member 'names/" + hex + "' has no matching sha256/" + hex + "; refusing the archive",
                 ErrorKind::BadInput);
    }

    ImportResult r;
    for (auto& [hex, tmp] : contents) {
        CacheLock held = cache.lock(hex);
        const auto name = names.find(hex);
        if (cache.lookup(hex)) {
            ++r.already_present;
            // Keep the local record of where it came from, unless there is none.
            std::ifstream local(cache.root() / "names" / hex);
            if (!local && name != names.end() && !name->second.empty()) cache.set_name(hex, name->second);
            continue;
        }
        Expected expected;
        expected.sha256 = hex;
        cache.insert_file(tmp.path(), expected, name == names.end() ? std::string() : name->second);
        tmp.release();
        ++r.added;
    }
    return r;
}

}  // namespace tdx::builder
