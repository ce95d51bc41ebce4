// TDVF metadata of an OVMF image: the GUID table at the end of the file, the
// TDX metadata entry, the descriptor and its sections, validated at every
// lint level; for images QEMU or td-shim would load, also what is computed
// from the descriptor (MR_TD in both orders, the CFV digest, the TD HOB).
#include "measure/cfv.h"
#include "measure/mrtd.h"
#include "measure/td_hob.h"
#include "ovmf/tdvf.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    const Bytes file = fuzz::bytes_of(data, size);
    // parse_tdvf reports every problem as a finding: it must not throw at all.
    for (ovmf::LintLevel level : {ovmf::LintLevel::Qemu, ovmf::LintLevel::Gce, ovmf::LintLevel::TdShim}) {
        (void)ovmf::parse_tdvf(file, level);
        // td-shim accepts section types QEMU refuses: both reach the measurements.
        if (level == ovmf::LintLevel::Gce) continue;
        fuzz::rejecting([&] {
            const ovmf::TdvfImage image = ovmf::load_tdvf(file, "fuzz.fd", level);
            (void)compute_mrtd(file, image, "fuzz.fd");
            (void)compute_mrtd(file, image, "fuzz.fd", MrtdOptions{.skip_page_aug = false});
            (void)cfv_digest(file, image);
            (void)build_td_hob(image, 2ull << 30, "fuzz.fd");
        });
    }
    return 0;
}
