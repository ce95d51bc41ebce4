// MRTD replay: the SHA-384 the TDX module accumulates over TDH.MEM.PAGE.ADD
// and TDH.MR.EXTEND while the VMM loads the TDVF sections, finalised by
// TDH.MR.FINALIZE. Two orders exist in the wild (docs/measurement.md):
//   per-page  — for each page: PAGE.ADD, then its 16 MR.EXTEND chunks
//               (upstream KVM >= 6.16 / QEMU >= 10.1, GCP, pre-v19 stacks);
//   two-pass  — per section: every PAGE.ADD, then every MR.EXTEND
//               (KVM TDX API v19 + QEMU 8.2 as in Canonical's 24.04 stack).
// Both are computed in one pass over the firmware bytes.
#pragma once

#include <string>
#include <vector>

#include "base/digest.h"
#include "ovmf/tdvf.h"

namespace tdx {

enum class MrtdOrder { PerPage, TwoPass };
std::string to_string(MrtdOrder order);  // "per-page", "two-pass"

struct MrtdOptions {
    // TDVF sections with the PAGE_AUG attribute are added lazily by the VMM
    // with TDH.MEM.PAGE.AUG, which is not measured: skip their PAGE.ADD
    // records (the TDVF specification's intent). Upstream QEMU ignores the
    // attribute; set false to model it.
    bool skip_page_aug = true;
};

struct MrtdResult {
    Digest384 per_page{};
    Digest384 two_pass{};
    std::uint64_t pages_added = 0;
    std::uint64_t chunks_extended = 0;
    std::vector<std::string> warnings;
    const Digest384& get(MrtdOrder order) const { return order == MrtdOrder::PerPage ? per_page : two_pass; }
};

// `firmware` is the whole image file; `image` its parsed TDVF metadata (it
// must have a descriptor). Throws tdx::Error naming `name` when a section to
// be extended reaches past the end of the file.
MrtdResult compute_mrtd(Bytes firmware, const ovmf::TdvfImage& image, const std::string& name, const MrtdOptions& options = {});

}  // namespace tdx
