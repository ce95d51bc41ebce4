#include "base/version.h"

namespace tdx {

// Defined for this file only (base/CMakeLists.txt), so a version change
// recompiles one file.
const char* tool_version() { return TDXIMAGE_VERSION; }

}  // namespace tdx
