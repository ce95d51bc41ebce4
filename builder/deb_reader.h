// Reads Debian binary packages (.deb): an ar archive holding debian-binary,
// control.tar.* and data.tar.* (gz, xz, zst or uncompressed), decoded with
// libarchive in-process so no host tool decides what is extracted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tdx::builder {

// Returns the content of the regular file at `path_in_package` (an absolute
// path such as "/usr/share/ovmf/OVMF.fd", matched against the data tarball's
// "./usr/share/..." names). Throws tdx::Error naming the package and what is
// wrong (not an ar archive, no data member, path absent, path not a regular
// file).
std::vector<std::uint8_t> deb_extract_file(const std::filesystem::path& deb, const std::string& path_in_package);

// The package's control file (the "control" member of control.tar.*): the
// stanza with Package, Version, Depends... Throws like deb_extract_file.
std::string deb_control(const std::filesystem::path& deb);

// Lists the regular files and symlinks of the data tarball, sorted, as absolute paths.
std::vector<std::string> deb_list_files(const std::filesystem::path& deb);

}  // namespace tdx::builder
