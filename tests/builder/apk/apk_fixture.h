// Builds small Alpine repositories for the apk tests: an RSA key made on the
// spot, .apk files laid out as apk v2 expects (signature, control and data
// gzip members back to back), and a signed APKINDEX.tar.gz. Hashes here are
// computed with OpenSSL directly, not with the code under test.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/file_io.h"
#include "builder/fetch/downloader.h"
#include "tests/support/test_env.h"

namespace tdx::test::apk {

inline std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

inline std::string md_bytes(const EVP_MD* md, const std::string& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<char*>(out), len);
}

inline std::string hex(const std::string& raw) { return tdx::to_hex(tdx::Bytes(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size())); }

inline std::string q1(const std::string& raw) {
    std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(raw.data()),
                            static_cast<int>(raw.size()));
    out.resize(static_cast<std::size_t>(n));
    return "Q1" + out;
}

// An RSA key pair with an apk-style key name.
class TestKey {
public:
    explicit TestKey(std::string name, unsigned bits = 2048) : name_(std::move(name)) {
        pkey_ = EVP_RSA_gen(bits);
        if (!pkey_) throw std::runtime_error("RSA key generation failed");
    }
    ~TestKey() { EVP_PKEY_free(pkey_); }
    TestKey(const TestKey&) = delete;
    TestKey& operator=(const TestKey&) = delete;

    const std::string& name() const { return name_; }
    std::string public_pem() const {
        std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
        PEM_write_bio_PUBKEY(bio.get(), pkey_);
        char* p = nullptr;
        long n = BIO_get_mem_data(bio.get(), &p);
        return std::string(p, static_cast<std::size_t>(n));
    }
    std::string sign(const std::string& message, const EVP_MD* md) const {
        std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey_);
        std::size_t len = 0;
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size());
        std::string sig(len, '\0');
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size());
        sig.resize(len);
        return sig;
    }
    void write_public(const std::filesystem::path& dir) const { write_text(dir / name_, public_pem()); }

private:
    std::string name_;
    EVP_PKEY* pkey_ = nullptr;
};

struct TarMember {
    TarMember(std::string n, std::string c = "", unsigned t = AE_IFREG, std::string l = "", unsigned p = 0644)
        : name(std::move(n)), content(std::move(c)), type(t), link(std::move(l)), perm(p) {}
    std::string name;
    std::string content;
    unsigned type = AE_IFREG;
    std::string link;  // symlink target or hard link target
    unsigned perm = 0644;
};

// A tar stream; `segment` drops the end-of-archive blocks as abuild does for
// the signature and control parts.
inline std::string tar(const std::vector<TarMember>& members, bool segment) {
    struct archive* a = archive_write_new();
    archive_write_set_format_ustar(a);
    archive_write_set_bytes_in_last_block(a, 1);
    std::vector<char> buf(1 << 22);
    std::size_t used = 0;
    archive_write_open_memory(a, buf.data(), buf.size(), &used);
    for (const TarMember& m : members) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_filetype(e, m.type);
        archive_entry_set_perm(e, m.perm);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.link.c_str());
        if (m.type == AE_IFREG && !m.link.empty()) archive_entry_set_hardlink(e, m.link.c_str());
        if (m.type == AE_IFCHR) archive_entry_set_rdev(e, 0x0501);
        if (m.type == AE_IFREG && m.link.empty()) archive_entry_set_size(e, static_cast<la_int64_t>(m.content.size()));
        archive_write_header(a, e);
        if (m.type == AE_IFREG && m.link.empty()) archive_write_data(a, m.content.data(), m.content.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    std::string out(buf.data(), used);
    if (segment) out.resize(out.size() - 1024);
    return out;
}

// One gzip member holding `data`.
inline std::string gzip(const std::string& data) {
    struct archive* a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_raw(a);
    archive_write_set_bytes_in_last_block(a, 1);
    std::vector<char> buf(data.size() * 2 + 4096);
    std::size_t used = 0;
    archive_write_open_memory(a, buf.data(), buf.size(), &used);
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_filetype(e, AE_IFREG);
    archive_write_header(a, e);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return std::string(buf.data(), used);
}

struct PkgSpec {
    PkgSpec(std::string n, std::string v) : name(std::move(n)), version(std::move(v)) {}
    std::string name;
    std::string version;
    std::string arch = "x86_64";
    std::string depends;   // space-separated atoms (D:)
    std::string provides;  // p:
    std::string install_if;
    std::string provider_priority;  // k:, empty for none
    std::vector<TarMember> files = {{"usr/share/doc", "", AE_IFDIR, "", 0755}};
    bool datahash = true;
    std::string sig_type = "RSA";  // "RSA" (SHA-1) or "RSA256"
};

struct BuiltApk {
    std::string bytes;
    std::string identity;  // the C: value
    std::size_t control_offset = 0, data_offset = 0;
};

inline const EVP_MD* md_for(const std::string& sig_type) { return sig_type == "RSA256" ? EVP_sha256() : EVP_sha1(); }

inline std::string signature_member(const TestKey& key, const std::string& sig_type, const std::string& signed_bytes) {
    return gzip(tar({{".SIGN." + sig_type + "." + key.name(), key.sign(signed_bytes, md_for(sig_type))}}, true));
}

inline BuiltApk build_apk(const PkgSpec& s, const TestKey& key) {
    std::string data_gz = gzip(tar(s.files, false));
    std::string info = "# Generated by the tdximage tests\npkgname = " + s.name + "\npkgver = " + s.version + "\narch = " + s.arch +
                       "\nsize = 100\n";
    if (s.datahash) info += "datahash = " + hex(md_bytes(EVP_sha256(), data_gz)) + "\n";
    std::string control_gz = gzip(tar({{".PKGINFO", info}}, true));
    std::string covered = s.datahash ? control_gz : control_gz + data_gz;
    std::string sig_gz = signature_member(key, s.sig_type, covered);
    return {sig_gz + control_gz + data_gz, q1(md_bytes(EVP_sha1(), covered)), sig_gz.size(), sig_gz.size() + control_gz.size()};
}

inline std::string index_record(const PkgSpec& s, const BuiltApk& b) {
    std::string r = "C:" + b.identity + "\nP:" + s.name + "\nV:" + s.version + "\nA:" + s.arch + "\nS:" + std::to_string(b.bytes.size()) +
                    "\nI:4096\nT:test package " + s.name + "\nU:https://example.org\nL:MIT\no:" + s.name +
                    "\nm:Test <t@example.org>\nt:1700000000\nc:0123abcd\n";
    if (!s.provider_priority.empty()) r += "k:" + s.provider_priority + "\n";
    if (!s.depends.empty()) r += "D:" + s.depends + "\n";
    if (!s.provides.empty()) r += "p:" + s.provides + "\n";
    if (!s.install_if.empty()) r += "i:" + s.install_if + "\n";
    return r;
}

inline std::string build_index(const std::string& apkindex_text, const TestKey& key, const std::string& sig_type = "RSA") {
    std::string index_gz = gzip(tar({{"DESCRIPTION", "v3.99.0-1-gtest\n"}, {"APKINDEX", apkindex_text}}, true));
    return signature_member(key, sig_type, index_gz) + index_gz;
}

// A repository directory <root>/<arch>/{APKINDEX.tar.gz, NAME-VERSION.apk}.
struct Repo {
    std::filesystem::path root;
    std::string text;
    std::vector<std::pair<PkgSpec, BuiltApk>> packages;

    void add(const PkgSpec& s, const TestKey& key) {
        BuiltApk b = build_apk(s, key);
        std::filesystem::create_directories(root / s.arch);
        write_bytes(root / s.arch / (s.name + "-" + s.version + ".apk"), bytes_of(b.bytes));
        text += index_record(s, b) + "\n";
        packages.emplace_back(s, b);
    }
    void publish(const TestKey& key, const std::string& arch = "x86_64") const {
        std::filesystem::create_directories(root / arch);
        write_bytes(root / arch / "APKINDEX.tar.gz", bytes_of(build_index(text, key)));
    }
    std::string url() const { return "file://" + root.string(); }
};

// Serves file:// URLs from disk, checking the expected size and SHA-256 like the real fetcher.
class FileDownloader : public tdx::builder::Downloader {
public:
    std::vector<std::uint8_t> get(const std::vector<std::string>& urls, const tdx::builder::Expected& expected) override {
        std::string errors;
        for (const std::string& u : urls) {
            requested.push_back(u);
            if (u.rfind("file://", 0) != 0) {
                errors += u + ": not a file URL; ";
                continue;
            }
            std::filesystem::path p = u.substr(7);
            if (!std::filesystem::exists(p)) {
                errors += u + ": missing; ";
                continue;
            }
            std::vector<std::uint8_t> b = tdx::read_file(p);
            if (expected.size && *expected.size != b.size()) {
                errors += u + ": size differs; ";
                continue;
            }
            if (expected.sha256 && *expected.sha256 != tdx::to_hex(tdx::sha256(tdx::Bytes(b.data(), b.size())))) {
                errors += u + ": sha256 differs; ";
                continue;
            }
            return b;
        }
        throw tdx::Error("download failed: " + errors);
    }
    std::vector<std::string> requested;
};

}  // namespace tdx::test::apk
