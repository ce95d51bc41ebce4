// The tool's version (CMakeLists.txt's project(VERSION); CHANGELOG.md), as
// `--version`, manifests and SBOMs show it.
#pragma once

namespace tdx {

const char* tool_version();

}  // namespace tdx
