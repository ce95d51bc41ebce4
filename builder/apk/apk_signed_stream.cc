#include "builder/apk/apk_signed_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>

#include "base/archive_message.h"
#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "base/limits.h"

namespace tdx::builder {
namespace {

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

// Each candidate member end costs one trial decompression; real members see
// one or two, so many more means a crafted file.
constexpr int kMaxBoundaryProbes = 256;
constexpr std::size_t kGzipMinMember = 18;  // 10-byte header + 8-byte trailer

// Decompresses `gz` as gzip. Returns false (with the reason) instead of
// throwing because member splitting probes candidate ends that may be wrong.
bool try_gunzip(Bytes gz, std::vector<std::uint8_t>& out, std::string& why) {
    out.clear();
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_raw(a.get());
    if (archive_read_open_memory(a.get(), gz.data(), gz.size()) != ARCHIVE_OK) {
        why = archive_message(a.get());
        return false;
    }
    struct archive_entry* e = nullptr;
    if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
        why = archive_message(a.get());
        return false;
    }
    // The raw format accepts anything; insist the gzip filter was what decoded it.
    if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_GZIP) {
        why = "not gzip data";
        return false;
    }
    std::uint8_t buf[65536];
    for (;;) {
        la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
        if (n < 0) {
            why = archive_message(a.get());
            return false;
        }
        if (n == 0) return true;
        if (out.size() + static_cast<std::size_t>(n) > limit(Limit::DecompressedSize)) {
            why = exceeded_message(Limit::DecompressedSize, "", "the decompressed size");
            return false;
        }
        out.insert(out.end(), buf, buf + n);
    }
}

// CRC-32 as in the gzip trailer (reflected polynomial 0xedb88320).
std::uint32_t crc32(const std::vector<std::uint8_t>& data) {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (std::uint8_t b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

// Whether the 8 bytes before `end` are the gzip trailer (CRC-32, length mod
// 2^32) of `content`. libarchive stops quietly at bytes that are not a new
// member, so a clean decompression alone does not prove the member ends at
// `end`; the trailer being right there does.
bool trailer_matches(Bytes file, std::uint64_t end, const std::vector<std::uint8_t>& content) {
    return load_le32(file, end - 8, "gzip CRC-32") == crc32(content) &&
           load_le32(file, end - 4, "gzip length") == static_cast<std::uint32_t>(content.size());
}

// Finds where the gzip member starting at `start` ends. zlib is not linked
// into the builder and libarchive decodes concatenated members as one
// stream without reporting boundaries, so each place where a new member
// header (1f 8b 08) could begin is tried in turn: the first prefix that
// decompresses cleanly, CRC and length checked, is exactly one member —
// a prefix ending inside a member can never pass the trailer check.
std::uint64_t member_end(Bytes file, std::uint64_t start, const std::string& what, const char* which, std::vector<std::uint8_t>& content) {
    if (file.size() - start < kGzipMinMember || file[start] != 0x1f || file[start + 1] != 0x8b)
        fail(what + ": offset " + hex_u64(start) + ": the " + which + " is not a gzip member (truncated or not an apk file)");
    int probes = 0;
    std::string why = "no end found";
    for (std::uint64_t p = start + kGzipMinMember; p <= file.size(); ++p) {
        bool candidate = p == file.size() || (p + 2 < file.size() && file[p] == 0x1f && file[p + 1] == 0x8b && file[p + 2] == 0x08);
        if (!candidate) continue;
        if (++probes > kMaxBoundaryProbes)
            fail(what + ": offset " + hex_u64(start) + ": the " + which + " has too many false gzip headers inside; refusing to scan further");
        if (try_gunzip(file.subspan(start, p - start), content, why)) {
            if (trailer_matches(file, p, content)) return p;
            why = "data after the member's end where its trailer should be";
        }
    }
    fail(what + ": offset " + hex_u64(start) + ": the " + which + " gzip member is truncated or corrupt (" + why + ")");
}

// The regular files of an uncompressed tar segment. apk writes the signature
// and control segments without end-of-archive blocks, so two are appended.
std::vector<ApkTarFile> read_tar_segment(const std::vector<std::uint8_t>& seg, const std::string& what) {
    std::vector<std::uint8_t> tar = seg;
    tar.insert(tar.end(), 1024, 0);
    ArchivePtr a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK) fail(what + ": not a tar segment: " + archive_message(a.get()));
    std::vector<ApkTarFile> files;
    struct archive_entry* e = nullptr;
    for (;;) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            fail(what + ": corrupt tar after " + std::to_string(files.size()) + " entries: " + archive_message(a.get()));
        std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        if (archive_entry_filetype(e) != AE_IFREG)
            fail(what + ": entry \"" + name + "\" is not a regular file (only files belong in this segment)");
        ApkTarFile f{name, {}};
        std::uint8_t buf[65536];
        for (;;) {
            la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
            if (n < 0) fail(what + ": entry \"" + name + "\": " + archive_message(a.get()));
            if (n == 0) break;
            f.data.insert(f.data.end(), buf, buf + n);
        }
        files.push_back(std::move(f));
    }
    return files;
}

ApkSignature parse_signature_name(const ApkTarFile& f, const std::string& what) {
    static const std::pair<const char*, ApkSignatureHash> kPrefixes[] = {
        {".SIGN.RSA.", ApkSignatureHash::Sha1},
        {".SIGN.RSA256.", ApkSignatureHash::Sha256},
        {".SIGN.RSA512.", ApkSignatureHash::Sha512},
    };
    for (const auto& [prefix, hash] : kPrefixes) {
        std::string p(prefix);
        if (f.name.rfind(p, 0) == 0 && f.name.size() > p.size()) {
            std::string key = f.name.substr(p.size());
            if (key.find('/') != std::string::npos) fail(what + ": signature file \"" + f.name + "\" names a key path, not a key name");
            return ApkSignature{hash, key, f.data};
        }
    }
    fail(what + ": signature file \"" + f.name + "\" is not an RSA signature (.SIGN.RSA., .SIGN.RSA256., .SIGN.RSA512.); DSA is not supported");
}

const EVP_MD* md_for(ApkSignatureHash h) {
    switch (h) {
        case ApkSignatureHash::Sha1: return EVP_sha1();
        case ApkSignatureHash::Sha256: return EVP_sha256();
        case ApkSignatureHash::Sha512: return EVP_sha512();
    }
    return EVP_sha1();
}

std::vector<std::uint8_t> digest(const EVP_MD* md, Bytes data) {
    std::vector<std::uint8_t> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) fail("OpenSSL: digest failed", ErrorKind::Io);
    out.resize(len);
    return out;
}

}  // namespace

struct ApkKeyring::Key {
    EVP_PKEY* pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

ApkKeyring::ApkKeyring() = default;
ApkKeyring::~ApkKeyring() = default;
ApkKeyring::ApkKeyring(ApkKeyring&&) noexcept = default;
ApkKeyring& ApkKeyring::operator=(ApkKeyring&&) noexcept = default;

ApkKeyring ApkKeyring::from_directory(const std::filesystem::path& dir) {
    ApkKeyring ring;
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& ent : std::filesystem::directory_iterator(dir, ec))
        if (ent.is_regular_file() && ent.path().extension() == ".pub") files.push_back(ent.path());
    if (ec) fail(dir.string() + ": cannot list the key directory: " + ec.message(), ErrorKind::Io);
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::vector<std::uint8_t> pem = read_file(f);
        ring.add_pem(f.filename().string(), std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()), f.string());
    }
    return ring;
}

void ApkKeyring::add_pem(const std::string& key_name, std::string_view pem, const std::string& what) {
    std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    auto key = std::make_shared<Key>();
    key->pkey = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!key->pkey) fail(what + ": not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    if (EVP_PKEY_get_base_id(key->pkey) != EVP_PKEY_RSA) fail(what + ": not an RSA public key; apk v2 signatures are RSA");
    keys_[key_name] = std::move(key);
}

bool ApkKeyring::has(const std::string& key_name) const { return keys_.count(key_name) != 0; }

std::vector<std::string> ApkKeyring::names() const {
    std::vector<std::string> n;
    for (const auto& [k, v] : keys_) n.push_back(k);
    return n;
}

bool ApkKeyring::verify(const std::string& key_name, ApkSignatureHash hash, Bytes message, Bytes signature) const {
    auto it = keys_.find(key_name);
    if (it == keys_.end()) fail("no trusted key named " + key_name);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    // RSA keys default to PKCS#1 v1.5 padding, which is what abuild-sign produces.
    if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md_for(hash), nullptr, it->second->pkey) != 1)
        fail("OpenSSL: cannot initialise RSA verification with " + key_name, ErrorKind::Io);
    return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
}

ApkSignedStream split_apk_stream(Bytes file, const std::string& what, bool expect_data) {
    ApkSignedStream s;
    s.file = file;
    std::vector<std::uint8_t> first;
    std::uint64_t end0 = member_end(file, 0, what, "first", first);
    std::vector<ApkTarFile> files0 = read_tar_segment(first, what + ": first gzip member");
    bool signed_stream = !files0.empty() && files0.front().name.rfind(".SIGN.", 0) == 0;
    if (signed_stream) {
        for (const ApkTarFile& f : files0) {
            if (f.name.rfind(".SIGN.", 0) != 0)
                fail(what + ": signature member also holds \"" + f.name + "\"; signatures must be alone in the first member");
            if (f.data.empty() || f.data.size() > 65536)
                fail(what + ": signature file \"" + f.name + "\" has an implausible size " + std::to_string(f.data.size()));
            s.signatures.push_back(parse_signature_name(f, what));
        }
        s.control_offset = end0;
        std::vector<std::uint8_t> control;
        s.data_offset = member_end(file, end0, what, expect_data ? "control" : "index", control);
        s.control_files = read_tar_segment(control, what + ": " + (expect_data ? "control" : "index") + " member");
    } else {
        // An unsigned stream starts with the control member directly.
        s.control_offset = 0;
        s.data_offset = end0;
        s.control_files = std::move(files0);
    }
    if (expect_data && s.data_offset == file.size())
        fail(what + ": no data member after the control member at offset " + hex_u64(s.control_offset) + " (truncated?)");
    if (!expect_data && s.data_offset != file.size())
        fail(what + ": offset " + hex_u64(s.data_offset) + ": unexpected data after the index member");
    return s;
}

std::string verify_apk_signatures(const ApkSignedStream& s, const ApkKeyring& keys, Bytes signed_region, const std::string& what) {
    if (s.signatures.empty()) fail(what + ": not signed (no .SIGN.RSA.* file in the first gzip member)");
    std::string signers, bad;
    for (const ApkSignature& sig : s.signatures) {
        signers += (signers.empty() ? "" : ", ") + sig.key_name;
        if (!keys.has(sig.key_name)) continue;
        if (keys.verify(sig.key_name, sig.hash, signed_region, sig.signature)) return sig.key_name;
        bad += (bad.empty() ? "" : ", ") + sig.key_name;
    }
    if (!bad.empty()) fail(what + ": signature by " + bad + " does not match the signed content (tampered or corrupt)");
    std::string known;
    for (const std::string& k : keys.names()) known += (known.empty() ? "" : ", ") + k;
    fail(what + ": signed only by untrusted keys (" + signers + "); trusted keys: " + (known.empty() ? "none" : known));
}

std::vector<std::uint8_t> apk_gunzip(Bytes gz, const std::string& what) {
    std::vector<std::uint8_t> out;
    std::string why;
    if (!try_gunzip(gz, out, why)) fail(what + ": " + why);
    return out;
}

std::vector<std::uint8_t> apk_sha1(Bytes data) { return digest(EVP_sha1(), data); }
std::vector<std::uint8_t> apk_sha256(Bytes data) { return digest(EVP_sha256(), data); }

std::string apk_identity_string(const std::vector<std::uint8_t>& d) {
    std::string out(4 * ((d.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), d.data(), static_cast<int>(d.size()));
    out.resize(static_cast<std::size_t>(n));
    return "Q1" + out;
}

std::vector<std::uint8_t> parse_apk_identity(std::string_view text, const std::string& what) {
    auto bad = [&](const std::string& why) -> std::vector<std::uint8_t> { fail(what + ": checksum \"" + std::string(text) + "\" " + why); };
    if (text.size() < 3 || (text.substr(0, 2) != "Q1" && text.substr(0, 2) != "X1")) return bad("does not start with Q1 (base64) or X1 (hex)");
    std::string_view body = text.substr(2);
    std::vector<std::uint8_t> out;
    if (text[0] == 'X') {
        if (body.size() % 2) return bad("has an odd number of hex digits");
        for (std::size_t i = 0; i < body.size(); i += 2) {
            int hi = hex_digit_value(body[i]), lo = hex_digit_value(body[i + 1]);
            if (hi < 0 || lo < 0) return bad("has a non-hex character");
            out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
        }
    } else {
        if (body.size() % 4) return bad("is not whole base64 quads");
        out.resize(body.size() / 4 * 3);
        int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(body.data()), static_cast<int>(body.size()));
        if (n < 0) return bad("is not valid base64");
        std::size_t pad = body.back() == '=' ? (body[body.size() - 2] == '=' ? 2 : 1) : 0;
        out.resize(static_cast<std::size_t>(n) - pad);
    }
    if (out.size() != 20 && out.size() != 32) return bad("is " + std::to_string(out.size()) + " bytes, not a SHA-1 (20) or SHA-256 (32)");
    return out;
}

}  // namespace tdx::builder
