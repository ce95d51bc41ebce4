// The smallest valid recipe the CLI tests use: one Debian source whose
// keyring is "keyring.gpg" beside the recipe (write an empty one for
// `recipe check` and `build` to get past the local-file check), nothing
// fetched before a command's own argument checks.
#pragma once

namespace tdx::test {

inline constexpr char kMinimalRecipe[] = R"(name: t
sources:
  - name: trixie
    distribution: debian
    release: trixie
    mirrors: [https://deb.debian.org/debian]
    keyring: keyring.gpg
kernel: {package: linux-image-cloud-amd64}
ovmf: {package: ovmf, path: /usr/share/ovmf/OVMF.fd}
init: {program: /init}
)";

}  // namespace tdx::test
