// The five Secure Boot variables TDVF measures into RTMR0 (PCR 7) as
// EV_EFI_VARIABLE_DRIVER_CONFIG, always in this order and even when a
// variable does not exist (then with empty data): SecureBoot, PK, KEK (EFI
// global variable GUID), db, dbx (image security database GUID).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ovmf/tdvf.h"

namespace tdx {

struct SecureBootVariable {
    std::string name;
    ovmf::Guid vendor;
    std::vector<std::uint8_t> data;  // empty: variable absent (Secure Boot not provisioned)
};

// The five variables, all empty: what OVMF without an enrolled key store measures.
std::vector<SecureBootVariable> empty_secure_boot_variables();

// Reads the variables from `dir`. A variable's data comes from DIR/NAME (the
// raw variable data) or DIR/NAME-GUID (an efivarfs file: the 4-byte attribute
// prefix is dropped); a variable with no file stays empty. Any other file is
// an error, so a misspelt name cannot silently measure an empty variable.
std::vector<SecureBootVariable> load_secure_boot_dir(const std::filesystem::path& dir);

}  // namespace tdx
