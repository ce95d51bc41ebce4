// How a recipe's `sources:` entry becomes what the index loaders take: the
// apt suite to load (mirrors, components, keyrings), the Alpine keyring and
// repository URLs. `lock` resolves through these and `build`/`fetch` check a
// lock through the same ones, so both read a source the same way.
#pragma once

#include <string>
#include <vector>

#include "builder/apk/apk_signed_stream.h"
#include "builder/apt/apt_release.h"
#include "builder/recipe/recipe.h"

namespace tdx::builder {

// One suite of an apt source, without a pin.
AptSource apt_suite_source(const Source& source, const std::string& suite);

// The source's RSA public keys (an Alpine keyring), read from the recipe's files.
ApkKeyring apk_source_keyring(const Source& source);

// "<mirror>/v<release>/<repo>" (or ".../edge/<repo>"): an Alpine repository at one mirror.
std::string alpine_repository(const std::string& mirror, const Source& source, const std::string& repo);

}  // namespace tdx::builder
