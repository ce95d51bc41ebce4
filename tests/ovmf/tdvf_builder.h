// Synthetic TDVF images for the unit tests, laid out like an edk2 OVMF.fd in
// miniature: CFV first, then the BFV; inside the BFV the TDX metadata GUID and
// the TDVF descriptor; at the end the OVMF GUIDed table (entries, u16 table
// size, footer GUID at EOF-0x30) and 0x20 bytes of reset-vector area. Every
// field is a public knob so a test can break exactly one rule.
// Header-only: .cc files under tests/ are compiled only when they are tests.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "base/byte_reader.h"
#include "ovmf/tdvf.h"

namespace tdx::test {

struct GuidEntrySpec {
    ovmf::Guid guid;
    std::vector<std::uint8_t> payload;
    std::optional<std::uint16_t> length;  // written instead of payload.size() + 18
};

class TdvfBuilder {
public:
    static constexpr std::uint64_t kDefaultSize = 0x4000;

    std::uint64_t file_size = kDefaultSize;

    // Descriptor.
    std::uint64_t descriptor_offset = 0x3010;  // file offset of "TDVF"
    bool metadata_guid = true;                 // e9eaf9f3-... in the 16 bytes before it
    std::uint32_t signature = 0x46564454;
    std::uint32_t version = 1;
    std::optional<std::uint32_t> length;         // default 16 + 32 * sections.size()
    std::optional<std::uint32_t> section_count;  // default sections.size()
    std::vector<ovmf::TdvfSection> sections = default_sections();

    // GUID table.
    bool footer = true;
    bool tdx_entry = true;
    std::optional<std::uint16_t> tdx_entry_length;  // payload = length - 18 bytes (offset first, zero-padded)
    std::optional<std::uint32_t> tdx_offset;        // default file_size - descriptor_offset
    std::optional<std::uint16_t> table_size;        // default: the real size
    std::vector<GuidEntrySpec> entries_before_tdx;  // lower file offsets than the TDX entry
    std::vector<GuidEntrySpec> entries_after_tdx = {
        {ovmf::Guid::parse("00f771de-1a7e-4fcb-890e-68c77e2fb44e"), {0x00, 0xb0, 0x80, 0x00}, std::nullopt}};

    // The TDVF design guide 1.0 pointer: a u32 file offset at EOF-0x20.
    std::optional<std::uint32_t> legacy_pointer;

    // BFV (code, measured), CFV (variables), TD_HOB, TEMP_MEM; the CFV and the
    // BFV tile the file exactly, as GCE requires.
    static std::vector<ovmf::TdvfSection> default_sections() {
        return {
            {0x1000, 0x3000, 0xffffd000, 0x3000, 0, ovmf::kAttrMrExtend},  // BFV
            {0x0000, 0x1000, 0xffffc000, 0x1000, 1, 0},                    // CFV
            {0, 0, 0x809000, 0x2000, 2, 0},                                // TD_HOB
            {0, 0, 0x800000, 0x6000, 3, 0},                                // TEMP_MEM
        };
    }

    std::uint32_t default_length() const { return static_cast<std::uint32_t>(16 + 32 * sections.size()); }

    std::vector<std::uint8_t> build() const {
        std::vector<std::uint8_t> f(file_size);
        // Recognisable, non-zero contents so measured data is not all zeros.
        for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<std::uint8_t>((i * 7 + (i >> 8)) & 0xff);

        // Reset-vector area: 0x90 bytes, so the legacy pointer reads 0x90909090
        // (far outside any test image) unless a test sets it.
        put_fill(f, file_size - 0x20, 0x20, 0x90);
        if (legacy_pointer) put32(f, file_size - 0x20, *legacy_pointer);

        // Descriptor.
        if (metadata_guid) put_guid(f, descriptor_offset - 16, ovmf::tdx_metadata_guid());
        put32(f, descriptor_offset + 0, signature);
        put32(f, descriptor_offset + 4, length.value_or(default_length()));
        put32(f, descriptor_offset + 8, version);
        put32(f, descriptor_offset + 12, section_count.value_or(static_cast<std::uint32_t>(sections.size())));
        std::uint64_t at = descriptor_offset + 16;
        for (const ovmf::TdvfSection& s : sections) {
            put32(f, at + 0, s.data_offset);
            put32(f, at + 4, s.raw_data_size);
            put64(f, at + 8, s.memory_address);
            put64(f, at + 16, s.memory_data_size);
            put32(f, at + 24, s.type);
            put32(f, at + 28, s.attributes);
            at += 32;
        }

        // GUID table, in file order, then the footer entry.
        std::vector<std::uint8_t> table;
        for (const GuidEntrySpec& e : entries_before_tdx) append_entry(table, e);
        if (tdx_entry) {
            const std::uint16_t len = tdx_entry_length.value_or(22);
            std::vector<std::uint8_t> payload(len >= 18 ? len - 18u : 0u, 0);
            const std::uint32_t off = tdx_offset.value_or(static_cast<std::uint32_t>(file_size - descriptor_offset));
            for (std::size_t i = 0; i < 4 && i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(off >> (8 * i));
            append_entry(table, {ovmf::tdx_metadata_offset_guid(), payload, len});
        }
        for (const GuidEntrySpec& e : entries_after_tdx) append_entry(table, e);
        const std::uint16_t total = table_size.value_or(static_cast<std::uint16_t>(table.size() + 18));
        table.push_back(static_cast<std::uint8_t>(total));
        table.push_back(static_cast<std::uint8_t>(total >> 8));
        const ovmf::Guid foot = ovmf::footer_guid();
        table.insert(table.end(), foot.bytes.begin(), foot.bytes.end());
        const std::uint64_t table_at = file_size - 0x20 - table.size();
        std::copy(table.begin(), table.end(), f.begin() + static_cast<std::ptrdiff_t>(table_at));
        if (!footer) put_fill(f, file_size - 0x30, 16, 0);
        return f;
    }

    // File offset of the first GUID table byte as built (real size, not an override).
    std::uint64_t table_offset() const {
        std::uint64_t n = 18;
        for (const auto& e : entries_before_tdx) n += e.payload.size() + 18;
        for (const auto& e : entries_after_tdx) n += e.payload.size() + 18;
        if (tdx_entry) n += std::max<std::uint64_t>(tdx_entry_length.value_or(22), 18);
        return file_size - 0x20 - n;
    }

private:
    static void check(const std::vector<std::uint8_t>& f, std::uint64_t at, std::uint64_t n) {
        if (at > f.size() || f.size() - at < n) throw std::logic_error("TdvfBuilder: write outside the image");
    }
    static void put_fill(std::vector<std::uint8_t>& f, std::uint64_t at, std::uint64_t n, std::uint8_t v) {
        check(f, at, n);
        for (std::uint64_t i = 0; i < n; ++i) f[at + i] = v;
    }
    static void put32(std::vector<std::uint8_t>& f, std::uint64_t at, std::uint32_t v) {
        check(f, at, 4);
        store_le32(f, at, v);
    }
    static void put64(std::vector<std::uint8_t>& f, std::uint64_t at, std::uint64_t v) {
        check(f, at, 8);
        store_le64(f, at, v);
    }
    static void put_guid(std::vector<std::uint8_t>& f, std::uint64_t at, const ovmf::Guid& g) {
        check(f, at, 16);
        std::copy(g.bytes.begin(), g.bytes.end(), f.begin() + static_cast<std::ptrdiff_t>(at));
    }
    static void append_entry(std::vector<std::uint8_t>& t, const GuidEntrySpec& e) {
        t.insert(t.end(), e.payload.begin(), e.payload.end());
        const std::uint16_t len = e.length.value_or(static_cast<std::uint16_t>(e.payload.size() + 18));
        t.push_back(static_cast<std::uint8_t>(len));
        t.push_back(static_cast<std::uint8_t>(len >> 8));
        t.insert(t.end(), e.guid.bytes.begin(), e.guid.bytes.end());
    }
};

}  // namespace tdx::test
