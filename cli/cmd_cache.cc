#include "cli/commands.h"

namespace tdx::cli {

void add_cache_command(CLI::App&, Runners&) {}

}  // namespace tdx::cli
