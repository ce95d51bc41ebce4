#include "measure/secure_boot_vars.h"

#include <algorithm>
#include <system_error>

#include "base/error.h"
#include "base/file_io.h"
#include "measure/uefi_variable.h"

namespace tdx {

std::vector<SecureBootVariable> empty_secure_boot_variables() {
    const ovmf::Guid global = efi_global_variable_guid();
    const ovmf::Guid db = image_security_database_guid();
    return {{"SecureBoot", global, {}}, {"PK", global, {}}, {"KEK", global, {}}, {"db", db, {}}, {"dbx", db, {}}};
}

std::vector<SecureBootVariable> load_secure_boot_dir(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) fail(dir.string() + ": not a directory (--secure-boot-dir)");
    std::vector<SecureBootVariable> vars = empty_secure_boot_variables();
    std::vector<fs::path> entries;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) entries.push_back(e.path());
    std::sort(entries.begin(), entries.end());  // errors name the same file whatever the directory order
    std::vector<std::string> seen;
    for (const fs::path& p : entries) {
        const std::string file = p.filename().string();
        auto it = std::find_if(vars.begin(), vars.end(),
                               [&](const SecureBootVariable& v) { return file == v.name || file == v.name + "-" + v.vendor.to_string(); });
        if (it == vars.end())
            fail(p.string() +
                     ": not a Secure Boot variable file (expected SecureBoot, PK, KEK, db, dbx, or efivarfs names such as "
                     "PK-8be4df61-93ca-11d2-aa0d-00e098032b8c)",
                 ErrorKind::Usage);
        if (std::find(seen.begin(), seen.end(), it->name) != seen.end())
            fail(dir.string() + ": " + it->name + " is given twice (raw and efivarfs form)", ErrorKind::Usage);
        seen.push_back(it->name);
        std::vector<std::uint8_t> data = read_file(p);
        if (file != it->name) {
            // efivarfs prefixes the data with the variable's u32 attributes.
            if (data.size() < 4) fail(p.string() + ": efivarfs file shorter than its 4-byte attribute prefix");
            data.erase(data.begin(), data.begin() + 4);
        }
        it->data = std::move(data);
    }
    return vars;
}

}  // namespace tdx
