// tdximage diff: what differs between two images, initramfs files, firmware or kernels.
#include "cli/app.h"
#include "cli/commands.h"
#include "measure/base/error.h"

namespace tdx::cli {

void add_diff_command(CLI::App& app, Runners& runners) {
    CLI::App* c = app.add_subcommand("diff", "Compare two output directories, initramfs files, firmware images or kernels");
    runners[c] = [] { return fail("diff: not implemented yet", ErrorKind::Usage), 2; };
}

}  // namespace tdx::cli
