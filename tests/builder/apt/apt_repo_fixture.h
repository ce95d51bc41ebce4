// A throw-away apt repository on disk, signed with a throw-away OpenPGP key
// (gpg --quick-gen-key in a temporary GnuPG home): dists/<suite>/InRelease
// over main/binary-amd64/Packages{,.xz}, the Packages text given by the test.
// Used by the index loader's tests and by the CLI tests that lock from a
// file:// mirror.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/file_io.h"
#include "builder/apt/apt_release.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

namespace tdx::test::apt {

inline std::vector<std::uint8_t> xz(const std::string& text) {
    struct archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter_xz(a);
    std::vector<char> buf(text.size() + 65536);
    size_t used = 0;
    REQUIRE(archive_write_open_memory(a, buf.data(), buf.size(), &used) == ARCHIVE_OK);
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, static_cast<la_int64_t>(text.size()));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    archive_write_data(a, text.data(), text.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return std::vector<std::uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
}

inline std::string sha_hex(const std::vector<std::uint8_t>& d) { return tdx::to_hex(tdx::sha256(tdx::Bytes(d.data(), d.size()))); }

inline bool have_gpg() { return std::filesystem::exists("/usr/bin/gpg") && std::filesystem::exists("/usr/bin/gpgv"); }

// A GnuPG home with one generated signing key, and its public keyring.
struct TestKey {
    TempDir home;
    std::filesystem::path keyring;

    explicit TestKey(const std::string& uid) {
        RunResult r = run({"/usr/bin/gpg", "--batch", "--homedir", home.path().string(), "--passphrase", "", "--pinentry-mode", "loopback",
                           "--quick-gen-key", uid, "ed25519", "sign", "never"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        r = run({"/usr/bin/gpg", "--batch", "--homedir", home.path().string(), "--output", (home / "keyring.gpg").string(), "--export"});
        REQUIRE(r.exit_code == 0);
        keyring = home / "keyring.gpg";
    }
    ~TestKey() { run({"/usr/bin/gpgconf", "--homedir", home.path().string(), "--kill", "gpg-agent"}); }

    void clearsign(const std::filesystem::path& in, const std::filesystem::path& out) const {
        RunResult r = run({"/usr/bin/gpg", "--batch", "--homedir", home.path().string(), "--digest-algo", "SHA256", "--output", out.string(),
                           "--clearsign", in.string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
};

// dists/<suite>/{InRelease, main/binary-amd64/Packages.xz} under `root`.
struct Repo {
    std::filesystem::path root;
    std::string suite;
    std::filesystem::path dists = root / "dists" / suite;

    Repo(std::filesystem::path at, const TestKey& key, const std::string& packages, std::string suite_name = "test")
        : root(std::move(at)), suite(std::move(suite_name)) {
        std::filesystem::create_directories(dists / "main/binary-amd64");
        std::vector<std::uint8_t> plain(packages.begin(), packages.end());
        std::vector<std::uint8_t> compressed = xz(packages);
        write_bytes(dists / "main/binary-amd64/Packages.xz", compressed);
        std::string release = "Origin: Test\nSuite: " + suite +
                              "\nCodename: testy\nDate: Sat, 01 Jan 2022 00:00:00 UTC\n"
                              "Valid-Until: Sat, 01 Jan 2050 00:00:00 UTC\nArchitectures: amd64\nComponents: main\nSHA256:\n " +
                              sha_hex(plain) + " " + std::to_string(plain.size()) + " main/binary-amd64/Packages\n " + sha_hex(compressed) +
                              " " + std::to_string(compressed.size()) + " main/binary-amd64/Packages.xz\n";
        write_text(dists / "Release", release);
        key.clearsign(dists / "Release", dists / "InRelease");
    }

    builder::AptSource source(const TestKey& key) const {
        builder::AptSource s;
        s.mirrors = {"file://" + root.string()};
        s.suite = suite;
        s.keyrings = {key.keyring};
        return s;
    }
};

}  // namespace tdx::test::apt
