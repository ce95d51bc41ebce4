// Editing a lockfile the way an attacker would: one package entry pointed at
// other bytes with their own size and SHA-256 (and apk identity), for the
// tests that a lock is checked against its signed index (builder/lock/lock_check.h).
#pragma once

#include <algorithm>
#include <string>

#include "tests/cli/alpine_scenario.h"
#include "tests/support/catch.h"

namespace tdx::test::hostile {

inline std::string sha_of(const std::string& bytes) { return apk::hex(apk::md_bytes(EVP_sha256(), bytes)); }

// The lock text with `from` replaced by `to` inside the entry of package `name`.
inline std::string edit_entry(const std::string& lock, const std::string& name, const std::string& from, const std::string& to) {
    const std::size_t begin = lock.find("  - name: \"" + name + "\"\n");
    REQUIRE(begin != std::string::npos);
    const std::size_t end = std::min(lock.find("\n  - ", begin + 1), lock.find("\nfiles:", begin));
    const std::size_t at = lock.find(from, begin);
    REQUIRE(at < end);
    return lock.substr(0, at) + to + lock.substr(at + from.size());
}

// The same entry pointing at `bytes` by URL, with their own size and SHA-256.
inline std::string repack(std::string lock, const std::string& name, const std::string& old_bytes, const std::string& bytes,
                          const std::string& old_url, const std::string& url) {
    lock = edit_entry(lock, name, "size: " + std::to_string(old_bytes.size()) + "\n", "size: " + std::to_string(bytes.size()) + "\n");
    lock = edit_entry(lock, name, sha_of(old_bytes), sha_of(bytes));
    return edit_entry(lock, name, "\"" + old_url + "\"", "\"" + url + "\"");
}

// `honest` (a lock of mirror `m`) with busybox replaced by a repacked .apk,
// signed with the mirror's own key, written to <d>/busybox-1.37.0-r18.apk
// and named by a file:// URL with its own size, SHA-256 and identity.
inline std::string repacked_busybox(const alpine::LocalMirror& m, const std::string& honest) {
    const std::string apk_name = "busybox-1.37.0-r18.apk";
    const std::string real = read_text(m.repo.root / "x86_64" / apk_name);
    apk::PkgSpec evil_spec = alpine::busybox_spec(false);
    evil_spec.files = {{"bin", "", AE_IFDIR, "", 0755}, {"bin/busybox", "#!evil", AE_IFREG, "", 0755}};
    const apk::BuiltApk evil = apk::build_apk(evil_spec, m.key);
    write_bytes(m.d / apk_name, apk::bytes_of(evil.bytes));
    const std::string text = repack(honest, "busybox", real, evil.bytes, m.repo.url() + "/x86_64/" + apk_name,
                                    "file://" + (m.d / apk_name).string());
    for (const auto& [spec, built] : m.repo.packages)
        if (spec.name == "busybox") return edit_entry(text, "busybox", built.identity, evil.identity);
    FAIL("the mirror has no busybox");
    return text;
}

}  // namespace tdx::test::hostile
