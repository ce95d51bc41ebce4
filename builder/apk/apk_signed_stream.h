// The apk v2 container shared by packages and APKINDEX.tar.gz: gzip members
// written back to back, the first holding signature files, the second the
// control tar (.PKGINFO) or the index tar, any further ones the data tar.
// What apk signs and hashes are the *compressed* bytes of the members as they
// sit in the file, so the split below keeps exact byte ranges, and only then
// decompresses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"

namespace tdx::builder {

// The hash under an apk RSA signature, from the file name: ".SIGN.RSA." is
// SHA-1 (what abuild writes today), ".SIGN.RSA256." SHA-256, ".SIGN.RSA512." SHA-512.
enum class ApkSignatureHash { Sha1, Sha256, Sha512 };

struct ApkSignature {
    ApkSignatureHash hash = ApkSignatureHash::Sha1;
    std::string key_name;                 // "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"
    std::vector<std::uint8_t> signature;  // PKCS#1 v1.5
};

// Trusted RSA public keys by apk key name (the key file's name, which is what
// a signature file names after ".SIGN.RSA.").
class ApkKeyring {
public:
    ApkKeyring();
    ~ApkKeyring();
    ApkKeyring(ApkKeyring&&) noexcept;
    ApkKeyring& operator=(ApkKeyring&&) noexcept;

    // Loads every "*.pub" file of `dir` (PEM "PUBLIC KEY"); other files
    // (README.md) are ignored. Throws naming the file when one is not an RSA key.
    static ApkKeyring from_directory(const std::filesystem::path& dir);
    void add_pem(const std::string& key_name, std::string_view pem, const std::string& what);

    bool has(const std::string& key_name) const;
    std::vector<std::string> names() const;
    // True when `signature` is a valid PKCS#1 v1.5 signature over `message`
    // with the named key; throws when the key is unknown.
    bool verify(const std::string& key_name, ApkSignatureHash hash, Bytes message, Bytes signature) const;

private:
    struct Key;
    std::map<std::string, std::shared_ptr<Key>> keys_;
};

// A small tar entry of a signature or control segment.
struct ApkTarFile {
    std::string name;
    std::vector<std::uint8_t> data;
};

struct ApkSignedStream {
    Bytes file;
    std::vector<ApkSignature> signatures;   // empty for an unsigned stream
    std::uint64_t control_offset = 0;       // the control/index member: [control_offset, data_offset)
    std::uint64_t data_offset = 0;          // the rest of the file (packages: the data tar's members)
    std::vector<ApkTarFile> control_files;  // the control/index tar's regular files, in order

    Bytes control_member() const { return file.subspan(control_offset, data_offset - control_offset); }
    Bytes data_members() const { return file.subspan(data_offset); }
};

// Splits `file` (`what` names it in errors). With `expect_data`, a data part
// must follow the control member (packages); without, the control member must
// end the file (indexes). Throws on truncated or corrupt gzip, a tar entry that
// is not a regular file in the signature/control segments, or a signature
// file with an unknown algorithm.
ApkSignedStream split_apk_stream(Bytes file, const std::string& what, bool expect_data);

// Verifies the stream's signatures over `signed_region`: one signature made
// by a key of `keys` that verifies suffices (apk's rule). Returns that key's
// name. Throws naming the keys the stream was signed with when none is
// trusted, or that the signature does not match (tampered content).
std::string verify_apk_signatures(const ApkSignedStream& s, const ApkKeyring& keys, Bytes signed_region, const std::string& what);

// Decompresses a gzip byte range (one or more members); throws naming `what`.
std::vector<std::uint8_t> apk_gunzip(Bytes gz, const std::string& what);

// SHA-1 / SHA-256 of a byte range (apk identities, datahash).
std::vector<std::uint8_t> apk_sha1(Bytes data);
std::vector<std::uint8_t> apk_sha256(Bytes data);

// "Q1" + base64(digest), the index's C: form.
std::string apk_identity_string(const std::vector<std::uint8_t>& digest);
// Decodes "Q1<base64>" or "X1<hex>" (20-byte SHA-1 or 32-byte SHA-256);
// throws naming `what` when malformed.
std::vector<std::uint8_t> parse_apk_identity(std::string_view text, const std::string& what);

}  // namespace tdx::builder
