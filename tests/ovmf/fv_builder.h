// Synthetic UEFI firmware volumes for the tests: sections, FFS files and
// volume headers with correct checksums (UEFI PI spec, volume 3), laid out as
// edk2's GenFv/GenFfs/GenSec do, and LZMA sections compressed with liblzma.
// Every knob a test needs to break exactly one rule is a parameter.
// Header-only: .cc files under tests/ are compiled only when they are tests.
#pragma once

#include <lzma.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "ovmf/tdvf.h"

namespace tdx::test::fv {

using Buf = std::vector<std::uint8_t>;

inline ovmf::Guid guid(const char* text) { return ovmf::Guid::parse(text); }
inline const char* const kFfs2 = "8c8ce578-8a3d-4f1c-9935-896185c32dd3";
inline const char* const kFfs3 = "5473c07a-3dcb-4dca-bd6f-1e9689e7349a";
inline const char* const kLzmaGuid = "ee4e5898-3914-4259-9d6e-dc7bd79403cf";
inline const char* const kCrc32Guid = "fc1bcdb0-7d31-49aa-936a-a4600d9dd083";
inline const char* const kBrotliGuid = "3d532050-5cda-4fd0-879e-0f7f630d5afb";
inline const char* const kTdTcg2DxeGuid = "f062221e-c607-44c2-b0b4-c3886331d351";

inline void append(Buf& out, const Buf& more) { out.insert(out.end(), more.begin(), more.end()); }
inline void append_guid(Buf& out, const ovmf::Guid& g) { out.insert(out.end(), g.bytes.begin(), g.bytes.end()); }

// A section: u24 size + type, or size 0xffffff and a u32 size when `extended`.
inline Buf section(std::uint8_t type, const Buf& data, bool extended = false) {
    Buf s;
    const std::uint64_t size = data.size() + (extended ? 8 : 4);
    append_le(s, extended ? 0xffffff : size, 3);
    s.push_back(type);
    if (extended) append_le(s, size, 4);
    append(s, data);
    return s;
}

inline Buf utf16(const std::u16string& text) {
    Buf b;
    for (char16_t c : text) append_le(b, c, 2);
    append_le(b, 0, 2);
    return b;
}

inline Buf ui_section(const std::u16string& name) { return section(0x15, utf16(name)); }
inline Buf version_section(const std::u16string& v, std::uint16_t build = 0) {
    Buf d;
    append_le(d, build, 2);
    append(d, utf16(v));
    return section(0x14, d);
}
inline Buf pe32_section(std::size_t n = 64) { return section(0x10, Buf(n, 0xcc)); }

// Sections back to back, each starting 4-byte aligned (zero padding, as GenSec).
inline Buf sections(const std::vector<Buf>& list) {
    Buf out;
    for (const Buf& s : list) {
        while (out.size() % 4) out.push_back(0);
        append(out, s);
    }
    return out;
}

// GUID_DEFINED: header, GUID, DataOffset, Attributes, `extra` header bytes
// (the CRC32 of a CRC32 section), then data.
inline Buf guid_section(const ovmf::Guid& g, std::uint16_t attributes, const Buf& data, const Buf& extra = {},
                        std::optional<std::uint16_t> data_offset = std::nullopt) {
    Buf body;
    append_guid(body, g);
    append_le(body, data_offset.value_or(static_cast<std::uint16_t>(4 + 20 + extra.size())), 2);
    append_le(body, attributes, 2);
    append(body, extra);
    append(body, data);
    return section(0x02, body);
}

// liblzma's .lzma ("alone") encoder: 13-byte header with the size unknown
// (all ones) and an end marker. `known_size` patches the real size in, as
// edk2's LzmaCompress writes it.
inline Buf lzma_alone(const Buf& data, bool known_size = false) {
    lzma_options_lzma opt;
    if (lzma_lzma_preset(&opt, 1)) throw std::runtime_error("lzma_lzma_preset failed");
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_alone_encoder(&s, &opt) != LZMA_OK) throw std::runtime_error("lzma_alone_encoder failed");
    Buf out(data.size() + data.size() / 2 + 4096);
    s.next_in = data.data();
    s.avail_in = data.size();
    s.next_out = out.data();
    s.avail_out = out.size();
    const lzma_ret r = lzma_code(&s, LZMA_FINISH);
    out.resize(static_cast<std::size_t>(s.total_out));
    lzma_end(&s);
    if (r != LZMA_STREAM_END) throw std::runtime_error("lzma encode did not finish");
    if (known_size) store_le64(out, 5, data.size());
    return out;
}

inline Buf lzma_section(const Buf& stream_of_sections, bool known_size = true) {
    return guid_section(guid(kLzmaGuid), 0x01, lzma_alone(stream_of_sections, known_size));
}

struct File {
    ovmf::Guid name;
    std::uint8_t type = 0x07;  // DRIVER
    Buf body;                  // section stream (or raw bytes)
    std::uint8_t attributes = 0;
    bool data_checksum = false;                          // FFS_ATTRIB_CHECKSUM
    std::uint8_t state_bits = 0x07;                      // construction | header valid | data valid
    std::optional<std::uint32_t> size24 = std::nullopt;  // written instead of the real size
    bool bad_header_checksum = false;
};

// An FFS file as it sits in a volume of the given erase polarity.
inline Buf ffs_file(const File& f, bool erase_polarity = true) {
    const bool large = f.attributes & 0x01;
    const std::uint64_t header = large ? 32 : 24;
    const std::uint64_t size = header + f.body.size();
    std::uint8_t attributes = f.attributes;
    if (f.data_checksum) attributes |= 0x40;
    Buf h;
    append_guid(h, f.name);
    h.push_back(0);  // header checksum, below
    std::uint8_t data_sum = 0;
    for (std::uint8_t b : f.body) data_sum = static_cast<std::uint8_t>(data_sum + b);
    h.push_back(f.data_checksum ? static_cast<std::uint8_t>(0x100 - data_sum) : 0xaa);
    h.push_back(f.type);
    h.push_back(attributes);
    append_le(h, large ? 0 : f.size24.value_or(static_cast<std::uint32_t>(size)), 3);
    h.push_back(erase_polarity ? static_cast<std::uint8_t>(~f.state_bits) : f.state_bits);
    if (large) append_le(h, size, 8);
    std::uint8_t sum = 0;
    for (std::size_t i = 0; i < h.size(); ++i)
        if (i != 17 && i != 23) sum = static_cast<std::uint8_t>(sum + h[i]);
    h[16] = static_cast<std::uint8_t>(0x100 - sum + (f.bad_header_checksum ? 1 : 0));
    append(h, f.body);
    return h;
}

struct Volume {
    std::vector<Buf> files;  // from ffs_file(), each placed 8-byte aligned
    std::optional<ovmf::Guid> name = guid("11111111-2222-3333-4444-555555555555");
    const char* file_system = kFfs2;
    bool erase_polarity = true;
    std::uint64_t free_space = 0x40;                     // erased bytes after the files
    std::optional<std::uint64_t> length = std::nullopt;  // written instead of the real length
    bool bad_checksum = false;
    std::uint8_t revision = 2;
};

inline Buf volume(const Volume& v) {
    const std::uint8_t erase = v.erase_polarity ? 0xff : 0x00;
    Buf fv(72, 0);
    std::uint64_t files_at = 72;
    if (v.name) {
        append_guid(fv, *v.name);
        append_le(fv, 20, 4);
        files_at = 96;
        fv.resize(files_at, erase);
    }
    for (const Buf& f : v.files) {
        while (fv.size() % 8) fv.push_back(erase);
        append(fv, f);
    }
    while (fv.size() % 8) fv.push_back(erase);
    fv.resize(fv.size() + v.free_space, erase);
    const ovmf::Guid fs = guid(v.file_system);
    std::copy(fs.bytes.begin(), fs.bytes.end(), fv.begin() + 16);
    store_le64(fv, 32, v.length.value_or(fv.size()));
    store_le32(fv, 40, 0x4856465f);                                  // "_FVH"
    store_le32(fv, 44, v.erase_polarity ? 0x0004feff : 0x0004f6ff);  // erase polarity is bit 11
    store_le16(fv, 48, 72);
    store_le16(fv, 52, v.name ? 72 : 0);
    fv[55] = v.revision;
    store_le32(fv, 56, 1);  // block map: one block of the whole length, then {0, 0}
    store_le32(fv, 60, static_cast<std::uint32_t>(fv.size()));
    std::uint16_t sum = 0;
    for (std::size_t i = 0; i < 72; i += 2) sum = static_cast<std::uint16_t>(sum + load_le16(fv, i, "fv"));
    store_le16(fv, 50, static_cast<std::uint16_t>(0x10000 - sum + (v.bad_checksum ? 1 : 0)));
    return fv;
}

// An image: `fill` bytes, then each volume at the given offset.
inline Buf image(std::size_t size, const std::vector<std::pair<std::size_t, Buf>>& volumes, std::uint8_t fill = 0xff) {
    Buf img(size, fill);
    for (const auto& [at, fv] : volumes) {
        if (at + fv.size() > img.size()) throw std::logic_error("fv::image: volume outside the image");
        std::copy(fv.begin(), fv.end(), img.begin() + static_cast<std::ptrdiff_t>(at));
    }
    return img;
}

}  // namespace tdx::test::fv
