#include "cli/commands.h"

namespace tdx::cli {

void add_acpi_command(CLI::App&, Runners&) {}

}  // namespace tdx::cli
