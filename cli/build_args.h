// The command line of `build` (and the build part of `verify`): the build
// request plus how the result is shown.
#pragma once

#include "builder/build_pipeline.h"

namespace tdx::cli {

struct BuildArgs : builder::BuildRequest {
    bool twice = false;
    bool quiet = false;  // no stages, notes or progress on stderr
    bool json = false;
};

}  // namespace tdx::cli
