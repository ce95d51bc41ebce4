#include "cli/args.h"

#include "base/error.h"
#include "base/memory_size.h"

namespace tdx::cli {

std::uint64_t parse_memory_size(const std::string& text, const std::string& flag) {
    const std::optional<std::uint64_t> bytes = parse_qemu_memory_size(text);
    if (!bytes) fail(flag + ": '" + text + "' is not a memory size (examples: 512M, 2G, 2048 = MiB as in QEMU's -m)", ErrorKind::Usage);
    return *bytes;
}

CLI::Option* with_choices(CLI::Option* option, const std::vector<std::string>& values) {
    std::string type;
    for (const std::string& v : values) type += (type.empty() ? "" : "|") + v;
    return option->type_name(type);
}

}  // namespace tdx::cli
