#include "builder/apt/apt_release.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>

#include "base/archive_message.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/temp_dir.h"
#include "builder/apt/deb822.h"

extern char** environ;

namespace tdx::builder {
namespace {

std::string keyring_list(const std::vector<std::filesystem::path>& keyrings) {
    std::string s;
    for (const auto& k : keyrings) s += (s.empty() ? "" : ", ") + k.string();
    return s.empty() ? "(none)" : s;
}

struct ProcessResult {
    int status = -1;
    std::string out, err;
};

// Runs argv without a shell, stdin from /dev/null, capturing stdout and
// stderr through pipes drained together so neither can fill up and block.
ProcessResult run_process(const std::vector<std::string>& argv) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) fail("pipe: " + std::string(std::strerror(errno)), ErrorKind::Io);
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        fail("pipe: " + std::string(std::strerror(errno)), ErrorKind::Io);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        fail("cannot run " + argv[0] + ": " + std::strerror(rc) + " (is GnuPG's gpgv installed?)", ErrorKind::Io);
    }
    ProcessResult r;
    std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        if (poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return r;
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t b = s.find_first_not_of(" \t\n", pos);
        if (b == std::string_view::npos) break;
        std::size_t e = s.find_first_of(" \t\n", b);
        if (e == std::string_view::npos) e = s.size();
        words.emplace_back(s.substr(b, e - b));
        pos = e;
    }
    return words;
}

std::string last_lines(const std::string& text, std::size_t max_lines) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) lines.push_back(l);
    std::string out;
    std::size_t start = lines.size() > max_lines ? lines.size() - max_lines : 0;
    for (std::size_t i = start; i < lines.size(); ++i) out += (out.empty() ? "" : "; ") + lines[i];
    return out;
}

}  // namespace

std::string verify_inrelease_signature(const std::vector<std::uint8_t>& inrelease, const std::vector<std::filesystem::path>& keyrings,
                                       const std::string& what) {
    if (keyrings.empty()) fail(what + ": no keyring given to verify the signature with");
    std::vector<std::string> argv{"gpgv"};
    TempDir dir("tdximage-gpgv");  // gpgv's home and the message file
    argv.insert(argv.end(), {"--homedir", dir.path().string(), "--status-fd", "1"});
    for (const auto& k : keyrings) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(k, ec)) fail(what + ": keyring " + k.string() + " does not exist or is not a file", ErrorKind::Io);
        // gpgv reads a name without a slash relative to its home directory.
        argv.insert(argv.end(), {"--keyring", std::filesystem::absolute(k).string()});
    }
    std::filesystem::path msg = dir.path() / "InRelease";
    {
        int fd = open(msg.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) fail(msg.string() + ": " + std::strerror(errno), ErrorKind::Io);
        std::size_t done = 0;
        while (done < inrelease.size()) {
            ssize_t n = write(fd, inrelease.data() + done, inrelease.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                close(fd);
                fail(msg.string() + ": write failed", ErrorKind::Io);
            }
            done += static_cast<std::size_t>(n);
        }
        close(fd);
    }
    argv.push_back(msg.string());
    ProcessResult r = run_process(argv);

    bool good = false, valid = false;
    std::string fingerprint, problem;
    std::istringstream status(r.out);
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("[GNUPG:] ", 0) != 0) continue;
        std::vector<std::string> w = split_words(std::string_view(line).substr(9));
        if (w.empty()) continue;
        const std::string& kw = w[0];
        if (kw == "GOODSIG") good = true;
        else if (kw == "VALIDSIG" && w.size() >= 9) {
            valid = true;
            fingerprint = w.size() >= 11 ? w[10] : w[1];
            // Like apt, a SHA-1 (2) or MD5 (1) signature digest is not trusted.
            if (w[8] == "1" || w[8] == "2") problem = "signature uses the weak digest algorithm " + std::string(w[8] == "1" ? "MD5" : "SHA-1");
        } else if (kw == "BADSIG")
            problem = "BAD signature (the file was modified after signing) by key " + (w.size() > 1 ? w[1] : "?");
        else if (kw == "NO_PUBKEY")
            problem = "signed by key " + (w.size() > 1 ? w[1] : "?") + " which is not in the keyring(s)";
        else if (kw == "EXPKEYSIG")
            problem = "signed by the expired key " + (w.size() > 1 ? w[1] : "?");
        else if (kw == "REVKEYSIG")
            problem = "signed by the revoked key " + (w.size() > 1 ? w[1] : "?");
        else if (kw == "EXPSIG")
            problem = "the signature has expired";
        else if (kw == "ERRSIG" && problem.empty())
            problem = "the signature could not be checked (ERRSIG " + line.substr(9 + 7) + ")";
        else if (kw == "NODATA" && problem.empty())
            problem = "no OpenPGP signature found";
    }
    if (problem.empty() && (r.status != 0 || !good || !valid))
        problem = "gpgv did not report a good signature (exit status " + std::to_string(r.status) + ")";
    if (!problem.empty()) {
        std::string detail = last_lines(r.err, 3);
        fail(what + ": signature verification failed with keyring(s) " + keyring_list(keyrings) + ": " + problem +
             (detail.empty() ? "" : " [gpgv: " + detail + "]"));
    }
    return fingerprint;
}

std::string clearsigned_text(std::string_view message, const std::string& what) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::size_t e = message.find('\n', pos);
        if (e == std::string_view::npos) e = message.size();
        std::string_view l = message.substr(pos, e - pos);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        lines.push_back(l);
        pos = e + 1;
    }
    auto blank = [](std::string_view l) { return l.find_first_not_of(" \t") == std::string_view::npos; };
    std::size_t i = 0;
    while (i < lines.size() && blank(lines[i])) ++i;
    if (i == lines.size() || lines[i] != "-----BEGIN PGP SIGNED MESSAGE-----")
        fail(what + ":" + std::to_string(i + 1) + ": not an OpenPGP cleartext-signed message (expected \"-----BEGIN PGP SIGNED MESSAGE-----\")");
    ++i;
    // Armor headers ("Hash: SHA512") up to the first empty line.
    while (i < lines.size() && !lines[i].empty()) {
        if (lines[i].find(": ") == std::string_view::npos)
            fail(what + ":" + std::to_string(i + 1) + ": malformed armor header \"" + std::string(lines[i]) + "\"");
        ++i;
    }
    if (i == lines.size()) fail(what + ": cleartext-signed message ends inside its armor headers");
    ++i;
    std::string text;
    bool first = true;
    for (; i < lines.size(); ++i) {
        std::string_view l = lines[i];
        if (l == "-----BEGIN PGP SIGNATURE-----") break;
        if (l.rfind("- ", 0) == 0) l.remove_prefix(2);
        else if (l.rfind("-", 0) == 0)
            fail(what + ":" + std::to_string(i + 1) + ": line starting with '-' is neither dash-escaped nor the signature block");
        if (!first) text += '\n';
        text += l;
        first = false;
    }
    if (i == lines.size()) fail(what + ": no \"-----BEGIN PGP SIGNATURE-----\" block after the signed text");
    for (++i; i < lines.size() && lines[i] != "-----END PGP SIGNATURE-----"; ++i) {
        if (lines[i].rfind("-----", 0) == 0) fail(what + ":" + std::to_string(i + 1) + ": unexpected armor line inside the signature block");
    }
    if (i == lines.size()) fail(what + ": signature block is not terminated by \"-----END PGP SIGNATURE-----\"");
    for (++i; i < lines.size(); ++i)
        if (!blank(lines[i])) fail(what + ":" + std::to_string(i + 1) + ": unsigned data after the signature block");
    // The signed text's final line break belongs to the armor, not the text.
    return text + "\n";
}

const ReleaseFile* Release::find(std::string_view path) const {
    for (const ReleaseFile& f : sha256_files)
        if (f.path == path) return &f;
    return nullptr;
}

std::time_t parse_release_date(std::string_view value, const std::string& what) {
    std::string v(value);
    struct tm tm {};
    const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
    if (!end) end = strptime(v.c_str(), "%d %b %Y %H:%M:%S", &tm);
    if (!end) fail(what + ": date \"" + v + "\" is not in RFC 2822 form (\"Sat, 21 Nov 2026 00:53:02 UTC\")");
    std::string zone = std::string(end);
    while (!zone.empty() && zone.front() == ' ') zone.erase(0, 1);
    if (zone != "UTC" && zone != "GMT" && zone != "+0000" && zone != "Z" && zone != "UT")
        fail(what + ": date \"" + v + "\" is not in UTC (time zone \"" + zone + "\")");
    return timegm(&tm);
}

Release parse_release(std::string_view text, const std::string& what) {
    std::vector<Deb822Stanza> stanzas = parse_deb822(text, what);
    if (stanzas.empty()) fail(what + ": empty Release file");
    const Deb822Stanza& s = stanzas.front();
    Release r;
    r.origin = s.get("Origin");
    r.label = s.get("Label");
    r.suite = s.get("Suite");
    r.codename = s.get("Codename");
    r.version = s.get("Version");
    if (r.suite.empty() && r.codename.empty()) fail(deb822_where(what, s.line) + ": Release has neither Suite nor Codename");
    if (const Deb822Field* f = s.find("Date")) r.date = parse_release_date(f->value, deb822_where(what, f->line) + ": Date");
    if (const Deb822Field* f = s.find("Valid-Until"))
        r.valid_until = parse_release_date(f->value, deb822_where(what, f->line) + ": Valid-Until");
    for (auto& w : split_words(s.get("Architectures"))) r.architectures.push_back(w);
    for (auto& w : split_words(s.get("Components"))) r.components.push_back(w);
    r.acquire_by_hash = s.get("Acquire-By-Hash") == "yes";
    r.not_automatic = s.get("NotAutomatic") == "yes";
    r.but_automatic_upgrades = s.get("ButAutomaticUpgrades") == "yes";
    const Deb822Field* hashes = s.find("SHA256");
    if (!hashes) fail(deb822_where(what, s.line) + ": Release has no SHA256 file list (MD5Sum/SHA1 alone are not trusted)");
    std::istringstream in(hashes->value);
    std::size_t line = hashes->line;
    for (std::string l; std::getline(in, l); ++line) {
        std::vector<std::string> w = split_words(l);
        if (w.empty()) continue;
        std::string where = deb822_where(what, line) + ": SHA256";
        if (w.size() != 3) fail(where + ": expected \"<sha256> <size> <path>\", got \"" + l + "\"");
        if (w[0].size() != 64 || w[0].find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            fail(where + ": \"" + w[0] + "\" is not a SHA-256 in hex");
        if (w[1].empty() || w[1].find_first_not_of("0123456789") != std::string::npos || w[1].size() > 19)
            fail(where + ": size \"" + w[1] + "\" is not a number");
        ReleaseFile f;
        f.sha256 = w[0];
        for (char& c : f.sha256) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        f.size = std::stoull(w[1]);
        f.path = w[2];
        r.sha256_files.push_back(std::move(f));
    }
    if (r.sha256_files.empty()) fail(deb822_where(what, hashes->line) + ": SHA256 file list is empty");
    return r;
}

namespace {

int priority_number(const std::string& p) {
    if (p == "required") return 1;
    if (p == "important") return 2;
    if (p == "standard") return 3;
    if (p == "optional") return 4;
    if (p == "extra") return 5;
    // apt files an unknown word under "extra" and an absent field as 0.
    return p.empty() ? 0 : 5;
}

std::string unfold(const std::string& v) {
    std::string s = v;
    for (char& c : s)
        if (c == '\n') c = ' ';
    return s;
}

}  // namespace

std::vector<AptPackage> parse_packages_index(std::string_view text, const std::string& arch, const std::string& what) {
    std::vector<AptPackage> out;
    for_each_deb822_stanza(text, what, [&](const Deb822Stanza& s) {
        std::string where = deb822_where(what, s.line);
        auto required = [&](const char* name) -> const Deb822Field& {
            const Deb822Field* f = s.find(name);
            if (!f || f->value.empty())
                fail(where + ": stanza" + (s.find("Package") ? " of " + s.get("Package") : std::string()) + " has no " + name + " field");
            return *f;
        };
        AptPackage p;
        p.architecture = required("Architecture").value;
        if (p.architecture != arch && p.architecture != "all") return;
        p.name = required("Package").value;
        const Deb822Field& ver = required("Version");
        check_version(ver.value, deb822_where(what, ver.line) + ": Version of " + p.name);
        p.version = ver.value;
        p.filename = required("Filename").value;
        const Deb822Field& size = required("Size");
        if (size.value.find_first_not_of("0123456789") != std::string::npos || size.value.size() > 19)
            fail(deb822_where(what, size.line) + ": Size of " + p.name + " is not a number: \"" + size.value + "\"");
        p.size = std::stoull(size.value);
        const Deb822Field& sha = required("SHA256");
        if (!is_sha256_hex(sha.value)) fail(deb822_where(what, sha.line) + ": SHA256 of " + p.name + " is not 64 lowercase hex digits");
        p.sha256 = sha.value;
        p.multi_arch = s.get("Multi-Arch");
        p.priority = priority_number(s.get("Priority"));
        p.essential = s.get("Essential") == "yes";
        p.important = s.get("Important") == "yes";
        auto rel = [&](const char* name, std::vector<DepGroup>& dst) {
            if (const Deb822Field* f = s.find(name))
                dst = parse_relations(unfold(f->value), arch, deb822_where(what, f->line) + ": " + name + " of " + p.name);
        };
        rel("Pre-Depends", p.pre_depends);
        rel("Depends", p.depends);
        rel("Conflicts", p.conflicts);
        rel("Breaks", p.breaks);
        for (const char* name : {"Recommends", "Suggests", "Replaces", "Enhances"}) {
            std::vector<DepGroup> groups;
            rel(name, groups);
            for (const DepGroup& g : groups)
                for (const DepAtom& a : g) p.other_relation_names.push_back(a.name);
        }
        if (const Deb822Field* f = s.find("Provides")) {
            std::string pw = deb822_where(what, f->line) + ": Provides of " + p.name;
            for (DepGroup& g : parse_relations(unfold(f->value), arch, pw)) {
                if (g.size() != 1) fail(pw + ": alternatives ('|') are not allowed in Provides");
                if (g[0].op != RelOp::Any && g[0].op != RelOp::Equal)
                    fail(pw + ": only \"(= version)\" is allowed in Provides, got \"" + to_string(g[0]) + "\"");
                p.provides.push_back(std::move(g[0]));
            }
        }
        p.index_url = what;
        p.where = where;
        out.push_back(std::move(p));
    });
    return out;
}

std::vector<std::uint8_t> decompress_index(const std::vector<std::uint8_t>& data, const std::string& what) {
    std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    archive_read_support_format_empty(a.get());
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
        fail(what + ": cannot open index: " + archive_message(a.get()));
    struct archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) return {};
    if (r != ARCHIVE_OK) fail(what + ": cannot decompress index: " + archive_message(a.get()));
    std::vector<std::uint8_t> out;
    std::uint8_t buf[1 << 16];
    for (;;) {
        la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
        if (n < 0) fail(what + ": corrupt compressed index: " + archive_message(a.get()));
        if (n == 0) break;
        // A Packages index is tens of MiB; anything past 4 GiB is a bomb.
        check_limit(Limit::DecompressedSize, out.size() + static_cast<std::uint64_t>(n), what, "the decompressed size of the index");
        out.insert(out.end(), buf, buf + n);
    }
    return out;
}

namespace {

void check_bytes(const std::vector<std::uint8_t>& data, std::uint64_t size, const std::string& want, const std::string& what) {
    if (data.size() != size)
        fail(what + ": size " + std::to_string(data.size()) + " differs from the " + std::to_string(size) + " bytes InRelease lists");
    std::string got = to_hex(sha256(Bytes(data.data(), data.size())));
    if (got != want) fail(what + ": SHA-256 " + got + " differs from " + want + " listed in InRelease");
}

}  // namespace

std::string join_url(const std::string& base, const std::string& rest) {
    if (!base.empty() && base.back() == '/') return base + rest;
    return base + "/" + rest;
}

AptIndex load_apt_index(Downloader& downloader, const AptSource& source) {
    if (source.mirrors.empty()) fail("apt source " + source.suite + ": no mirror URL given", ErrorKind::Usage);
    AptIndex index;
    index.source = source;
    index.base_url = source.mirrors.front();
    std::string dists = "dists/" + source.suite + "/";
    std::vector<std::string> urls;
    for (const std::string& m : source.mirrors) urls.push_back(join_url(m, dists + "InRelease"));
    const std::string& what = urls.front();

    Expected expected;
    if (source.inrelease_sha256) expected.sha256 = *source.inrelease_sha256;
    std::vector<std::uint8_t> inrelease = downloader.get(urls, expected);
    std::string digest = to_hex(sha256(Bytes(inrelease.data(), inrelease.size())));
    if (source.inrelease_sha256 && digest != *source.inrelease_sha256)
        fail(what + ": SHA-256 " + digest + " differs from the pinned " + *source.inrelease_sha256);
    index.inrelease = IndexRef{what, inrelease.size(), digest, ""};

    index.signer = verify_inrelease_signature(inrelease, source.keyrings, what);
    std::string text = clearsigned_text(std::string_view(reinterpret_cast<const char*>(inrelease.data()), inrelease.size()), what);
    index.release = parse_release(text, what);
    const Release& rel = index.release;

    if (rel.suite != source.suite && rel.codename != source.suite)
        fail(what + ": InRelease is for suite \"" + rel.suite + "\" / codename \"" + rel.codename + "\", not \"" + source.suite + "\"");
    std::time_t now = source.now ? *source.now : std::time(nullptr);
    if (source.check_valid_until && !source.inrelease_sha256 && rel.valid_until && *rel.valid_until < now)
        fail(what + ": InRelease expired (Valid-Until is in the past); pin it by hash to use an old snapshot");

    index.pin_priority = source.pin_priority ? source.pin_priority : rel.not_automatic ? (rel.but_automatic_upgrades ? 100 : 1) : 500;

    for (const std::string& component : source.components) {
        std::string dir = component + "/binary-" + source.architecture + "/";
        const ReleaseFile* chosen = nullptr;
        for (const std::string& variant : source.packages_variants)
            if ((chosen = rel.find(dir + variant))) break;
        if (!chosen) fail(what + ": InRelease lists no Packages index for component " + component + ", architecture " + source.architecture);
        std::vector<std::string> file_urls;
        // by-hash URLs first: they cannot change under us between InRelease and the fetch.
        if (rel.acquire_by_hash)
            for (const std::string& m : source.mirrors) file_urls.push_back(join_url(m, dists + dir + "by-hash/SHA256/" + chosen->sha256));
        for (const std::string& m : source.mirrors) file_urls.push_back(join_url(m, dists + chosen->path));
        std::string file_what = join_url(source.mirrors.front(), dists + chosen->path);
        std::vector<std::uint8_t> data = downloader.get(file_urls, Expected{chosen->size, chosen->sha256});
        // The Downloader checks too; checking here keeps the guarantee independent of it.
        check_bytes(data, chosen->size, chosen->sha256, file_what);
        index.packages_indexes.push_back(IndexRef{file_what, chosen->size, chosen->sha256, ""});
        std::vector<std::uint8_t> plain = decompress_index(data, file_what);
        std::vector<AptPackage> pkgs = parse_packages_index(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()),
                                                            source.architecture, file_what);
        index.packages.insert(index.packages.end(), std::make_move_iterator(pkgs.begin()), std::make_move_iterator(pkgs.end()));
    }
    return index;
}

}  // namespace tdx::builder
