#include "cli/commands.h"

namespace tdx::cli {

void add_eventlog_command(CLI::App&, Runners&) {}

}  // namespace tdx::cli
