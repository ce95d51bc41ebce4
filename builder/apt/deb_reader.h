// Reads Debian binary packages (.deb): an ar archive holding debian-binary,
// control.tar.* and data.tar.* (gz, xz, zst or uncompressed), decoded with
// libarchive in-process so no host tool decides what is extracted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
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

// One member of the data tarball, as the package describes it.
struct DebEntry {
    enum class Type { File, Directory, Symlink, Hardlink, CharDevice, BlockDevice, Fifo, Other };
    std::string path;  // "/usr/bin/busybox"; "/" for the root
    Type type = Type::Other;
    unsigned mode = 0;  // permission bits incl. setuid/setgid/sticky
    std::uint32_t uid = 0, gid = 0;
    std::int64_t mtime = 0;
    std::string link_target;  // Symlink: as written; Hardlink: the earlier member, normalised like path
    std::uint32_t rdev_major = 0, rdev_minor = 0;
    std::uint64_t size = 0;
};
// Calls `fn` for every member of the data tarball in archive order; for a
// File, `read()` returns its content (only inside the call). `fn` returns
// false to stop early.
using DebEntryReader = std::function<std::vector<std::uint8_t>()>;
void deb_for_each_data_entry(const std::filesystem::path& deb, const std::function<bool(const DebEntry&, const DebEntryReader& read)>& fn);

// Lists the regular files and symlinks of the data tarball, sorted, as absolute paths.
std::vector<std::string> deb_list_files(const std::filesystem::path& deb);

}  // namespace tdx::builder
