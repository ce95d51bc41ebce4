#include "measure/pe_authenticode.h"

#include <algorithm>
#include <sstream>

#include "measure/pe_sections.h"

// The validation and the hash below follow edk2, because the digest that ends
// up in RTMR1 is the one OVMF computes:
//  - MdePkg/Library/BasePeCoffLib/BasePeCoff.c, PeCoffLoaderGetPeHeader():
//    the checks PeCoffLoaderGetImageInfo() runs before anything is hashed
//    (DxeTpm2MeasureBootLib does not measure an image that fails them);
//  - OvmfPkg/Tcg/TdTcg2Dxe/MeasureBootPeCoff.c and
//    SecurityPkg/Tcg/Tcg2Dxe/MeasureBootPeCoff.c, MeasurePeImageAndExtend(),
//    which is the same algorithm as HashPeImage() in
//    SecurityPkg/Library/DxeImageVerificationLib.
// Where edk2 rejects an image we throw; we never clamp a range that edk2
// would have refused.

namespace tdx {
namespace {

// PE/COFF layout (PE/COFF specification; edk2 IndustryStandard/PeImage.h).
constexpr std::uint64_t kDosHeaderSize = 64;
constexpr std::uint64_t kDosLfanewOffset = 0x3C;
constexpr std::uint16_t kDosMagic = 0x5A4D;         // "MZ"
constexpr std::uint32_t kPeSignature = 0x00004550;  // "PE\0\0"
constexpr std::uint16_t kTeSignature = 0x5A56;      // "VZ"
constexpr std::uint64_t kFileHeaderSize = 20;
constexpr std::uint16_t kMagicPe32 = 0x10B;
constexpr std::uint16_t kMagicPe32Plus = 0x20B;
constexpr std::uint64_t kSectionHeaderSize = 40;
constexpr std::uint64_t kDataDirectorySize = 8;
constexpr std::uint32_t kMaxDataDirectories = 16;
constexpr std::uint32_t kSecurityDirectory = 4;  // EFI_IMAGE_DIRECTORY_ENTRY_SECURITY
// edk2 reads sizeof(EFI_IMAGE_OPTIONAL_HEADER_UNION) at the PE header offset
// in one go (signature + file header + the PE32+ optional header with all 16
// directories) and rejects the image when that read comes back short.
constexpr std::uint64_t kPeHeaderUnionSize = 4 + kFileHeaderSize + 112 + kMaxDataDirectories * kDataDirectorySize;

// Offsets inside the optional header, identical for PE32 and PE32+ up to
// CheckSum; the directory array moves by 16 bytes in PE32+.
constexpr std::uint64_t kOptSizeOfImage = 56;
constexpr std::uint64_t kOptSizeOfHeaders = 60;
constexpr std::uint64_t kOptCheckSum = 64;

[[noreturn]] void bad_pe(const std::string& name, const std::string& what) { fail(name + ": not a valid PE/COFF image: " + what); }

// Everything the hash needs, beyond the public PeInfo.
struct Layout {
    PeInfo info;
    std::uint64_t pe_offset = 0;
    std::uint64_t directories_offset = 0;  // file offset of DataDirectory[0]
};

Layout parse_layout(Bytes image, const std::string& name) {
    const std::uint64_t file_size = image.size();

    if (file_size < kDosHeaderSize) bad_pe(name, "the file is " + std::to_string(file_size) + " bytes, too short for a 64-byte DOS header");

    Layout l;
    // edk2 also accepts an image without a DOS stub: the PE header is then at 0.
    const bool has_mz = load_le16(image, 0, "DOS e_magic") == kDosMagic;
    if (has_mz) l.pe_offset = load_le32(image, kDosLfanewOffset, "DOS e_lfanew");

    if (l.pe_offset > file_size || file_size - l.pe_offset < kPeHeaderUnionSize) {
        const std::string where = has_mz ? "e_lfanew " + hex_u64(l.pe_offset) : "PE header at offset 0";
        bad_pe(name, where + " leaves less than " + std::to_string(kPeHeaderUnionSize) + " bytes for the PE headers in the " +
                         std::to_string(file_size) + "-byte file");
    }
    const std::uint32_t signature = load_le32(image, l.pe_offset, "PE signature");
    if ((signature & 0xFFFF) == kTeSignature) bad_pe(name, "TE images (signature \"VZ\") are not supported");
    if (signature != kPeSignature) {
        bad_pe(name, has_mz ? "no \"PE\\0\\0\" signature at e_lfanew " + hex_u64(l.pe_offset) + " (found " + hex_u64(signature) + ")"
                            : "no \"MZ\" signature at offset 0 and no \"PE\\0\\0\" signature there either");
    }

    const std::uint64_t file_header = l.pe_offset + 4;
    const std::uint64_t opt = file_header + kFileHeaderSize;
    PeInfo& info = l.info;
    info.machine = load_le16(image, file_header, "Machine");
    const std::uint16_t number_of_sections = load_le16(image, file_header + 2, "NumberOfSections");
    const std::uint16_t size_of_optional_header = load_le16(image, file_header + 16, "SizeOfOptionalHeader");

    // edk2's MeasurePeImageAndExtend reads Magic without the IA64 "ELILO"
    // override that DxeImageVerificationLib has; no x64 OVMF loads IA64 images.
    const std::uint16_t magic = load_le16(image, opt, "optional header Magic");
    if (magic != kMagicPe32 && magic != kMagicPe32Plus)
        bad_pe(name, "optional header Magic " + hex_u64(magic) + " is neither PE32 (0x10b) nor PE32+ (0x20b)");
    info.pe32_plus = magic == kMagicPe32Plus;
    const std::uint64_t fixed_part = info.pe32_plus ? 112 : 96;  // optional header without directories
    l.directories_offset = opt + fixed_part;
    info.number_of_rva_and_sizes = load_le32(image, opt + fixed_part - 4, "NumberOfRvaAndSizes");
    info.checksum_offset = opt + kOptCheckSum;
    const std::uint32_t size_of_image = load_le32(image, opt + kOptSizeOfImage, "SizeOfImage");
    info.size_of_headers = load_le32(image, opt + kOptSizeOfHeaders, "SizeOfHeaders");

    // PeCoffLoaderGetPeHeader check 1: at most 16 directories.
    if (info.number_of_rva_and_sizes > kMaxDataDirectories)
        bad_pe(name, "NumberOfRvaAndSizes " + std::to_string(info.number_of_rva_and_sizes) + " exceeds 16");
    // Check 2: SizeOfOptionalHeader must be exactly the fixed part plus the
    // directories, so the section table really starts after them.
    const std::uint64_t expected_opt_size = fixed_part + info.number_of_rva_and_sizes * kDataDirectorySize;
    if (size_of_optional_header != expected_opt_size) {
        bad_pe(name, "SizeOfOptionalHeader " + hex_u64(size_of_optional_header) + " does not match NumberOfRvaAndSizes " +
                         std::to_string(info.number_of_rva_and_sizes) + " (expected " + hex_u64(expected_opt_size) + ")");
    }
    // Checks 3 and 4: the section table fits in SizeOfImage and inside
    // SizeOfHeaders, and SizeOfHeaders < SizeOfImage.
    const std::uint64_t section_table = opt + size_of_optional_header;
    const std::uint64_t section_table_end = section_table + number_of_sections * kSectionHeaderSize;
    if (size_of_image <= section_table || (size_of_image - section_table) / kSectionHeaderSize <= number_of_sections)
        bad_pe(name, "SizeOfImage " + hex_u64(size_of_image) + " is too small for the section table ending at " + hex_u64(section_table_end));
    if (info.size_of_headers <= section_table || section_table_end > info.size_of_headers)
        bad_pe(name, "SizeOfHeaders " + hex_u64(info.size_of_headers) + " does not cover the section table (" +
                         std::to_string(number_of_sections) + " sections ending at " + hex_u64(section_table_end) + ")");
    if (info.size_of_headers >= size_of_image)
        bad_pe(name, "SizeOfHeaders " + hex_u64(info.size_of_headers) + " is not below SizeOfImage " + hex_u64(size_of_image));
    // Check 4.2: the last header byte must be in the file.
    if (info.size_of_headers > file_size)
        bad_pe(name,
               "SizeOfHeaders " + hex_u64(info.size_of_headers) + " lies beyond the end of the " + std::to_string(file_size) + "-byte file");

    // The certificate table directory entry exists only when there are more
    // than 4 directories (edk2 tests NumberOfRvaAndSizes <= SECURITY).
    if (info.number_of_rva_and_sizes > kSecurityDirectory) {
        info.cert_dir_offset = l.directories_offset + kSecurityDirectory * kDataDirectorySize;
        info.cert_table_offset = load_le32(image, info.cert_dir_offset, "certificate table VirtualAddress");
        info.cert_table_size = load_le32(image, info.cert_dir_offset + 4, "certificate table Size");
        // Its "VirtualAddress" is a file offset; edk2 reads its last byte.
        const std::uint64_t cert_end = std::uint64_t{info.cert_table_offset} + info.cert_table_size;
        if (info.cert_table_size != 0 && (cert_end > 0xFFFFFFFFu || cert_end > file_size)) {
            bad_pe(name, "certificate table [" + hex_u64(info.cert_table_offset) + ", +" + hex_u64(info.cert_table_size) +
                             ") lies outside the " + std::to_string(file_size) + "-byte file");
        }
    }

    info.sections.reserve(number_of_sections);
    for (std::uint16_t i = 0; i < number_of_sections; ++i) {
        const std::uint64_t at = section_table + i * kSectionHeaderSize;
        Bytes header = slice(image, at, kSectionHeaderSize, name + ": section table entry " + std::to_string(i) + " (outside the file)");
        const PeSectionHeader h = decode_pe_section_header(header, name + ": section " + std::to_string(i));
        PeSection s;
        s.name = h.name;
        s.virtual_size = h.virtual_size;
        s.virtual_address = h.virtual_address;
        s.size_of_raw_data = h.size_of_raw_data;
        s.pointer_to_raw_data = h.pointer_to_raw_data;
        if (s.size_of_raw_data > 0) {
            const std::string what = "section " + std::to_string(i) + " '" + s.name + "'";
            // edk2: section data must lie after the headers, in the file and in memory.
            if (s.pointer_to_raw_data < info.size_of_headers || s.virtual_address < info.size_of_headers) {
                bad_pe(name, what + ": PointerToRawData " + hex_u64(s.pointer_to_raw_data) + " / VirtualAddress " + hex_u64(s.virtual_address) +
                                 " lies inside the headers (SizeOfHeaders " + hex_u64(info.size_of_headers) + ")");
            }
            const std::uint64_t end = std::uint64_t{s.pointer_to_raw_data} + s.size_of_raw_data;
            if (end > 0xFFFFFFFFu || end > file_size) {
                bad_pe(name, what + ": raw data [" + hex_u64(s.pointer_to_raw_data) + ", +" + hex_u64(s.size_of_raw_data) +
                                 ") lies outside the " + std::to_string(file_size) + "-byte file");
            }
        }
        info.sections.push_back(std::move(s));
    }
    // Stricter than edk2, which hashes each section's raw data whatever it
    // shares with another: sections whose raw data overlap add up to more
    // than the file, and 65535 sections covering one whole file would hash
    // the file 65535 times. Linkers and signing tools never lay a PE out
    // that way; refuse it, so the bytes hashed are bounded by the file size.
    std::uint64_t raw_total = info.size_of_headers;
    for (const PeSection& s : info.sections) raw_total += s.size_of_raw_data;
    if (raw_total > file_size)
        bad_pe(name, "the headers and the sections' raw data add up to " + std::to_string(raw_total) + " bytes, more than the " +
                         std::to_string(file_size) + "-byte file: sections overlap, and the Authenticode digest would hash bytes again");

    // Stricter than edk2, which would hash on: a certificate table inside the
    // headers or a section's raw data makes the Authenticode digest
    // ill-defined (signing tools never produce it); refuse rather than
    // report a number no other tool reproduces.
    if (info.cert_table_size != 0) {
        const std::uint64_t c0 = info.cert_table_offset, c1 = c0 + info.cert_table_size;
        if (c0 < info.size_of_headers)
            bad_pe(name, "certificate table at " + hex_u64(c0) + " overlaps the headers (SizeOfHeaders " + hex_u64(info.size_of_headers) + ")");
        for (std::size_t i = 0; i < info.sections.size(); ++i) {
            const PeSection& s = info.sections[i];
            const std::uint64_t s0 = s.pointer_to_raw_data, s1 = s0 + s.size_of_raw_data;
            if (s.size_of_raw_data > 0 && c0 < s1 && s0 < c1)
                bad_pe(name, "certificate table [" + hex_u64(c0) + ", " + hex_u64(c1) + ") overlaps section " + std::to_string(i) + " '" +
                                 s.name + "' [" + hex_u64(s0) + ", " + hex_u64(s1) + ")");
        }
    }
    return l;
}

}  // namespace

PeInfo parse_pe(Bytes image, const std::string& name) { return parse_layout(image, name).info; }

Digest384 authenticode_sha384(Bytes image, const std::string& name, AuthenticodeOptions options) {
    const Layout l = parse_layout(image, name);
    const PeInfo& info = l.info;
    Hasher h(Hasher::Algorithm::Sha384);
    auto hash_range = [&](std::uint64_t from, std::uint64_t to, const char* what) {
        if (to > from) h.update(slice(image, from, to - from, name + ": " + what));
    };

    // Header: everything up to SizeOfHeaders except CheckSum (4 bytes) and,
    // when present, the certificate table directory entry (8 bytes).
    const std::uint64_t after_checksum = info.checksum_offset + 4;
    hash_range(0, info.checksum_offset, "headers before CheckSum");
    if (info.cert_dir_offset == 0) {
        hash_range(after_checksum, info.size_of_headers, "headers after CheckSum");
    } else {
        hash_range(after_checksum, info.cert_dir_offset, "headers before the certificate directory");
        hash_range(info.cert_dir_offset + kDataDirectorySize, info.size_of_headers, "headers after the certificate directory");
    }
    std::uint64_t sum_of_bytes_hashed = info.size_of_headers;

    // Sections with raw data, ordered by file offset. edk2 uses an insertion
    // sort, which is stable: equal PointerToRawData keep header order.
    std::vector<const PeSection*> order;
    for (const PeSection& s : info.sections)
        if (s.size_of_raw_data > 0) order.push_back(&s);
    std::stable_sort(order.begin(), order.end(),
                     [](const PeSection* a, const PeSection* b) { return a->pointer_to_raw_data < b->pointer_to_raw_data; });
    for (const PeSection* s : order) {
        h.update(slice(image, s->pointer_to_raw_data, s->size_of_raw_data, name + ": section '" + s->name + "'"));
        sum_of_bytes_hashed += s->size_of_raw_data;
    }

    // Trailing data: edk2 hashes from SUM_OF_BYTES_HASHED to the end of the
    // file minus the certificate table's size. It assumes (as Authenticode
    // requires) that the table is the last thing in the file and does not
    // check where it is; neither do we, so the digest is the one OVMF logs.
    const std::uint64_t file_size = image.size();
    if (file_size > sum_of_bytes_hashed) {
        const std::uint64_t cert_size = info.cert_dir_offset == 0 ? 0 : info.cert_table_size;
        if (file_size > sum_of_bytes_hashed + cert_size) {
            hash_range(sum_of_bytes_hashed, file_size - cert_size, "trailing data");
        } else if (file_size < sum_of_bytes_hashed + cert_size) {
            bad_pe(name, "certificate table size " + hex_u64(cert_size) + " exceeds the " + hex_u64(file_size - sum_of_bytes_hashed) +
                             " bytes left after the headers and sections (edk2 refuses to "
                             "measure it)");
        }
    }

    // dstack and its forks pad with zeros to a multiple of 8 of the file size
    // (the pesign/sbsign convention); edk2 does not.
    if (options.pad_to_8 && file_size % 8 != 0) h.update_zeros(8 - file_size % 8);
    return h.final384();
}

}  // namespace tdx
