// A kernel file given to -kernel: the x86 boot protocol setup header, QEMU's
// patch of it, the version string, and the PE/COFF image behind the EFI stub
// (headers, section table, the Authenticode SHA-384 OVMF measures).
#include "measure/kernel_setup.h"
#include "measure/pe_authenticode.h"
#include "measure/pe_sections.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    const Bytes kernel = fuzz::bytes_of(data, size);
    fuzz::rejecting([&] {
        const SetupHeader h = read_setup_header(kernel, "fuzz.efi");
        (void)qemu_setup_size(h);
    });
    fuzz::rejecting([&] {
        QemuKernelPatchInput in;
        in.below_4g_mem = q35_below_4g_mem(2ull << 30);
        in.cmdline = "console=ttyS0";
        in.initrd_size = 0x100000;
        (void)qemu_patch_kernel(kernel, "fuzz.efi", in);
        in.initrd_size.reset();
        in.legacy_patch_without_hdrs = true;
        (void)qemu_patch_kernel(kernel, "fuzz.efi", in);
    });
    // Documented as "empty when it cannot be read": no error expected.
    (void)kernel_measures_rtmr2(kernel_version_string(kernel));

    fuzz::rejecting([&] { (void)parse_pe(kernel, "fuzz.efi"); });
    fuzz::rejecting([&] { (void)authenticode_sha384(kernel, "fuzz.efi"); });
    fuzz::rejecting([&] { (void)authenticode_sha384(kernel, "fuzz.efi", AuthenticodeOptions{.pad_to_8 = true}); });
    fuzz::rejecting([&] { (void)read_pe_section_headers(kernel, "fuzz.efi"); });
    return 0;
}
