// UEFI firmware volumes anywhere in an image: FV headers, FFS2/FFS3 files,
// sections, LZMA-compressed and nested volumes, and what is concluded from
// the inventory (the TD measurement drivers, the warnings).
#include "ovmf/firmware_volume.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    // The walk never throws for bad content (firmware_volume.h): no
    // tdx::Error is expected here either.
    const ovmf::FirmwareInventory inventory = ovmf::scan_firmware_volumes(fuzz::bytes_of(data, size));
    (void)ovmf::td_measurement_drivers(inventory);
    (void)ovmf::firmware_warnings(inventory, "fuzz.fd");
    (void)inventory.undecoded_sections();
    for (const ovmf::FfsFile& f : inventory.files) {
        (void)ovmf::ffs_file_type_name(f.type);
        (void)ovmf::file_state_name(f.state);
    }
    for (const ovmf::FirmwareVolume& v : inventory.volumes) (void)ovmf::file_system_name(v.file_system);
    return 0;
}
