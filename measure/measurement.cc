#include "measure/measurement.h"

#include <future>

#include "base/file_io.h"
#include "measure/pe_authenticode.h"
#include "ovmf/firmware_volume.h"

namespace tdx {
namespace {

// The SHA-256 identities are independent of the measurements, so they are
// computed on a second thread while the first replays the measurements; the
// results do not depend on scheduling.
std::future<InputIdentity> identify_async(const InputFile& f) {
    return std::async(std::launch::async, [&f] {
        InputIdentity id;
        id.file = f.path().filename().string();
        id.size = f.size();
        id.sha256 = to_hex(sha256(f.bytes()));
        return id;
    });
}

}  // namespace

MeasureReport measure(const MeasureRequest& req) {
    if (req.initrd && !req.kernel) fail("--initrd given without --kernel: an initrd is only measured when a kernel boots", ErrorKind::Usage);
    if (req.memory_size == 0 || req.memory_size % 4096 != 0)
        fail("memory size " + std::to_string(req.memory_size) + " is not a positive multiple of 4 KiB", ErrorKind::Usage);

    MeasureReport r;
    r.profile = req.profile;
    r.memory_size = req.memory_size;
    r.cmdline = req.cmdline;

    InputFile ovmf = req.ovmf_contents ? InputFile(req.ovmf, *req.ovmf_contents, Limit::FirmwareSize) : InputFile(req.ovmf, Limit::FirmwareSize);
    auto ovmf_id = identify_async(ovmf);
    const std::string ovmf_name = req.ovmf.string();
    // Warnings end up in measurements.json, which must not depend on where
    // the inputs were on this machine: they name files by file name only.
    const std::string ovmf_label = req.ovmf.filename().string();
    ovmf::TdvfImage image = ovmf::load_tdvf(ovmf.bytes(), ovmf_name);
    for (const ovmf::Finding& f : image.findings)
        if (f.severity == ovmf::Finding::Severity::Warning) r.warnings.push_back(ovmf_label + ": " + f.message);
    for (const ovmf::TdvfSection& s : image.descriptor->sections) {
        // QEMU carves TD_HOB and TEMP_MEM out of guest RAM as accepted memory;
        // a section outside RAM cannot be backed and the TD would not start.
        const bool in_ram = s.type == static_cast<std::uint32_t>(ovmf::SectionType::TdHob) ||
                            s.type == static_cast<std::uint32_t>(ovmf::SectionType::TempMem);
        if (in_ram && s.memory_address + s.memory_data_size > q35_below_4g_mem(req.memory_size))
            fail(ovmf_name + ": " + ovmf::section_type_name(s.type) + " section ends at GPA " +
                     std::to_string(s.memory_address + s.memory_data_size) + ", beyond the " +
                     std::to_string(q35_below_4g_mem(req.memory_size)) + " bytes of RAM below 4 GiB; give more --memory",
                 ErrorKind::Usage);
    }
    MrtdOptions mo;
    mo.skip_page_aug = req.profile.skip_page_aug;
    // A firmware without the TDX measurement drivers extends no RTMR in a
    // real TD: the RTMR values would never be seen.
    for (const std::string& w : ovmf::firmware_warnings(ovmf::scan_firmware_volumes(ovmf.bytes()), ovmf_label)) r.warnings.push_back(w);
    r.mrtd = compute_mrtd(ovmf.bytes(), image, ovmf_label, mo);
    r.mrtd_selected = r.mrtd.get(req.profile.mrtd_order);
    r.warnings.insert(r.warnings.end(), r.mrtd.warnings.begin(), r.mrtd.warnings.end());

    // RTMR0: the TD HOB, the variable store, Secure Boot, ACPI, boot variables.
    std::optional<AcpiBlobs> acpi;
    if (req.acpi_dir) acpi = load_acpi_dir(*req.acpi_dir);
    Rtmr0Input r0;
    r0.firmware = ovmf.bytes();
    r0.image = &image;
    r0.firmware_name = ovmf_name;
    r0.memory_size = req.memory_size;
    r0.layout = req.profile.fw_layout;
    r0.acpi = acpi ? &*acpi : nullptr;
    if (req.secure_boot_dir) {
        r0.secure_boot = load_secure_boot_dir(*req.secure_boot_dir);
        r.secure_boot_given = true;
    }
    r.cpus = req.cpus;
    if (acpi) {
        AcpiSummary sum;
        auto identity = [](const AcpiBlob& b) {
            return InputIdentity{b.name, b.bytes.size(), to_hex(sha256(Bytes(b.bytes.data(), b.bytes.size())))};
        };
        sum.blobs.push_back(identity(acpi->loader));
        for (const AcpiBlob& b : acpi->allocated) sum.blobs.push_back(identity(b));
        sum.table_signatures = acpi->table_signatures;
        sum.cpus = acpi->enabled_cpus;
        // The tables fix the vCPU count; a declared count that disagrees means
        // the tables were captured for another VM shape.
        if (req.cpus && acpi->enabled_cpus && *req.cpus != *acpi->enabled_cpus)
            fail(req.acpi_dir->string() + ": the ACPI tables describe " + std::to_string(*acpi->enabled_cpus) +
                     " enabled vCPUs (MADT) but --cpus is " + std::to_string(*req.cpus) +
                     "; capture the tables for the VM shape you run (tdximage acpi dump ... -smp " + std::to_string(*req.cpus) + ")",
                 ErrorKind::Usage);
        if (!r.cpus) r.cpus = acpi->enabled_cpus;
        if (!acpi->enabled_cpus) r.warnings.push_back("the ACPI tables have no MADT; the vCPU count could not be checked");
        r.acpi = std::move(sum);
    }
    Rtmr0Result rtmr0 = measure_rtmr0(r0);
    r.td_hob = std::move(rtmr0.hob);
    r.rtmr0_note = rtmr0.unavailable;
    if (rtmr0.unavailable.empty()) r.rtmr0 = replay(rtmr0.events, 0);
    r.events = std::move(rtmr0.events);

    r.ovmf = ovmf_id.get();

    if (req.kernel) {
        InputFile kernel = req.kernel_contents ? InputFile(*req.kernel, *req.kernel_contents) : InputFile(*req.kernel);
        // The PE headers first: a file that is no kernel fails at once, before
        // the identity hash or QEMU's header patch touch the rest of it.
        parse_pe(kernel.bytes(), req.kernel->string());
        std::optional<InputFile> initrd;
        if (req.initrd && req.initrd_contents) initrd.emplace(*req.initrd, *req.initrd_contents);
        else if (req.initrd)
            initrd.emplace(*req.initrd);
        auto kernel_id = identify_async(kernel);
        std::optional<std::future<InputIdentity>> initrd_id;
        if (initrd) initrd_id = identify_async(*initrd);
        KernelBoot boot;
        boot.kernel = kernel.bytes();
        boot.kernel_name = req.kernel->string();
        if (initrd) boot.initrd = initrd->bytes();
        boot.cmdline = req.cmdline;
        boot.memory_size = req.memory_size;
        boot.authenticode_pad8 = req.authenticode_pad8;
        r.kernel_version = kernel_version_string(kernel.bytes());
        if (kernel_measures_rtmr2(r.kernel_version) == std::optional<bool>(false))
            r.warnings.push_back(req.kernel->filename().string() + ": Linux " + r.kernel_version.substr(0, r.kernel_version.find(' ')) +
                                 " predates 6.9: its EFI stub does not extend RTMR2 in a TD, so a real TD reports an all-zero RTMR2; "
                                 "the RTMR2 shown is what a >= 6.9 kernel with the same inputs would produce");
        BootMeasurement bm = measure_kernel_boot(boot, req.profile);
        r.events.insert(r.events.end(), std::make_move_iterator(bm.events.begin()), std::make_move_iterator(bm.events.end()));
        r.header_patch = std::move(bm.header_patch);
        r.initrd_address = bm.initrd_address;
        r.rtmr1 = replay(r.events, 1);
        r.rtmr2 = replay(r.events, 2);
        r.kernel = kernel_id.get();
        if (initrd_id) r.initrd = initrd_id->get();
    }
    CoverageContext cc;
    cc.profile = req.profile;
    cc.kernel_measures_rtmr2 = kernel_measures_rtmr2(r.kernel_version) != std::optional<bool>(false);
    r.coverage = register_coverage(cc);
    return r;
}

}  // namespace tdx
