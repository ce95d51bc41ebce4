#include "cli/commands.h"

namespace tdx::cli {

void add_recipe_command(CLI::App&, Runners&) {}

}  // namespace tdx::cli
