// The section table of a PE/COFF image with every field a diff shows,
// including the characteristics (IMAGE_SCN_* flags) that parse_pe leaves out
// because the Authenticode hash does not need them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/byte_reader.h"

namespace tdx {

struct PeSectionHeader {
    std::string name;  // up to 8 bytes, NULs dropped
    std::uint32_t virtual_size = 0;
    std::uint32_t virtual_address = 0;
    std::uint32_t size_of_raw_data = 0;
    std::uint32_t pointer_to_raw_data = 0;
    std::uint32_t characteristics = 0;
};

// One 40-byte IMAGE_SECTION_HEADER; `what` names it in errors.
PeSectionHeader decode_pe_section_header(Bytes header, const std::string& what);

// Header order. The PE header is at e_lfanew after an "MZ" stub, else at
// offset 0 (as edk2 reads images without a stub). Throws tdx::Error naming
// `name` when the signature is missing or the table runs past the file.
std::vector<PeSectionHeader> read_pe_section_headers(Bytes image, const std::string& name);

}  // namespace tdx
