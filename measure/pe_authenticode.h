// Authenticode SHA-384 of a PE/COFF image, computed the way edk2's
// DxeImageVerificationLib / Tcg2 image measurement hashes it (the digest OVMF
// extends for EV_EFI_BOOT_SERVICES_APPLICATION).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/digest.h"

namespace tdx {

struct PeSection {
    std::string name;
    std::uint32_t virtual_address = 0;
    std::uint32_t virtual_size = 0;
    std::uint32_t pointer_to_raw_data = 0;
    std::uint32_t size_of_raw_data = 0;
};

struct PeInfo {
    bool pe32_plus = false;
    std::uint16_t machine = 0;
    std::uint32_t size_of_headers = 0;
    std::uint32_t number_of_rva_and_sizes = 0;
    std::uint64_t checksum_offset = 0;    // file offset of OptionalHeader.CheckSum
    std::uint64_t cert_dir_offset = 0;    // file offset of the certificate-table directory entry, 0 if none
    std::uint32_t cert_table_offset = 0;  // the directory's VirtualAddress (a file offset)
    std::uint32_t cert_table_size = 0;
    std::vector<PeSection> sections;  // in header order
};

// Parses the DOS, PE and optional headers and the section table. Throws
// tdx::Error naming `name` and the bad field for anything malformed.
PeInfo parse_pe(Bytes image, const std::string& name);

struct AuthenticodeOptions {
    // dstack, tinfoil and virtee append zeros up to a multiple of 8 bytes
    // (the pesign/sbsign convention); edk2 does not. Off by default.
    bool pad_to_8 = false;
};

Digest384 authenticode_sha384(Bytes image, const std::string& name, AuthenticodeOptions options = {});

}  // namespace tdx
