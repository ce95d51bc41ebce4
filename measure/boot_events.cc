#include "measure/boot_events.h"

#include "base/digest.h"
#include "measure/event_types.h"
#include "measure/pe_authenticode.h"

namespace tdx {
namespace {

const std::uint8_t kSeparatorData[4] = {0, 0, 0, 0};

std::vector<std::uint8_t> ascii_bytes(std::string_view text) { return {text.begin(), text.end()}; }

MeasuredEvent action(int rtmr, const char* text) {
    return {rtmr, ev::kEfiAction, sha384(std::string_view(text)), text, EventKind::Action, ascii_bytes(text)};
}

// UEFI_IMAGE_LOAD_EVENT as OVMF logs the kernel it got from QEMU: load
// address and length (run-time values, left zero), link-time address 0, and
// the device path VenMedia(QemuKernelLoaderFs)/File("kernel") seen in real logs.
std::vector<std::uint8_t> kernel_image_load_event() {
    static const std::uint8_t path[] = {0x04, 0x03, 0x14, 0x00, 0x72, 0xf7, 0x28, 0x14, 0x4a, 0xb6, 0x1e, 0x44, 0xb8, 0xc3,
                                        0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc7, 0x04, 0x04, 0x12, 0x00, 'k',  0,    'e',  0,
                                        'r',  0,    'n',  0,    'e',  0,    'l',  0,    0,    0,    0x7f, 0xff, 0x04, 0x00};
    std::vector<std::uint8_t> out;
    append_le(out, 0, 8);
    append_le(out, 0, 8);
    append_le(out, 0, 8);
    append_le(out, sizeof(path), 8);
    out.insert(out.end(), std::begin(path), std::end(path));
    return out;
}

// TCG_PCClientTaggedEvent as the Linux EFI stub logs it: the tag id, the
// length of the description and the NUL-terminated description.
std::vector<std::uint8_t> tagged_event(std::uint32_t id, std::string_view description) {
    std::vector<std::uint8_t> out;
    append_le(out, id, 4);
    append_le(out, description.size() + 1, 4);
    out.insert(out.end(), description.begin(), description.end());
    out.push_back(0);
    return out;
}

}  // namespace

MeasuredEvent separator_event(int rtmr, const std::string& description) {
    return {rtmr,        ev::kSeparator,       sha384(Bytes(kSeparatorData, 4)),
            description, EventKind::Separator, std::vector<std::uint8_t>(kSeparatorData, kSeparatorData + 4)};
}

namespace {

MeasuredEvent separator(int rtmr) { return separator_event(rtmr, "separator (ReadyToBoot)"); }

std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out.push_back(static_cast<char>(c));
        else
            append_hex_escape(out, c);
    }
    return out;
}

}  // namespace

std::string ovmf_load_options_text(const std::string& cmdline, bool has_initrd, InitrdArg arg) {
    // QEMU always serves the command line NUL-terminated (size >= 1); OVMF
    // drops the NUL, so an empty -append is "no command line" to it.
    if (has_initrd && arg == InitrdArg::Prefix) return "initrd=initrd " + cmdline;
    if (has_initrd) return cmdline + " initrd=initrd";
    return cmdline;
}

std::vector<std::uint8_t> ovmf_load_options(const std::string& cmdline, bool has_initrd, InitrdArg arg) {
    const std::string text = ovmf_load_options_text(cmdline, has_initrd, arg);
    std::vector<std::uint8_t> out;
    if (text.empty()) return out;
    out.reserve(text.size() * 2 + 2);
    for (unsigned char c : text) {
        out.push_back(c);
        out.push_back(0);
    }
    out.push_back(0);
    out.push_back(0);
    return out;
}

BootMeasurement measure_kernel_boot(const KernelBoot& boot, const Profile& profile) {
    BootMeasurement m;

    // RTMR1: the kernel as OVMF's LoadImage sees it.
    AuthenticodeOptions ac;
    ac.pad_to_8 = boot.authenticode_pad8;
    Digest384 kernel_digest{};
    std::string kernel_desc;
    if (profile.kernel_header == KernelHeader::Patched) {
        QemuKernelPatchInput in;
        in.below_4g_mem = q35_below_4g_mem(boot.memory_size);
        in.cmdline = boot.cmdline;
        if (boot.initrd) in.initrd_size = boot.initrd->size();
        PatchedKernel patched = qemu_patch_kernel(boot.kernel, boot.kernel_name, in);
        kernel_digest = authenticode_sha384(Bytes(patched.bytes.data(), patched.bytes.size()), boot.kernel_name, ac);
        m.header_patch = std::move(patched.fields);
        m.initrd_address = patched.initrd_address;
        kernel_desc = "kernel image (Authenticode, setup header patched by QEMU)";
    } else {
        kernel_digest = authenticode_sha384(boot.kernel, boot.kernel_name, ac);
        kernel_desc = "kernel image (Authenticode, unpatched)";
    }
    m.events.push_back({1, ev::kEfiBootServicesApplication, kernel_digest, kernel_desc, EventKind::Kernel, kernel_image_load_event()});
    m.events.push_back(action(1, kCallingEfiApplication));
    if (profile.fw_layout != FirmwareLayout::Edk2Pre202411) m.events.push_back(separator(1));
    m.events.push_back(action(1, kExitBootServicesInvocation));
    m.events.push_back(action(1, kExitBootServicesSucceeded));

    // RTMR2: load options, then initrd.
    const bool has_initrd = boot.initrd.has_value();
    std::vector<std::uint8_t> options = ovmf_load_options(boot.cmdline, has_initrd, profile.initrd_arg);
    if (!options.empty()) {
        m.events.push_back({2, ev::kEventTag, sha384(Bytes(options.data(), options.size())),
                            "Linux load options (command line, UTF-16LE with NUL): \"" +
                                printable(ovmf_load_options_text(boot.cmdline, has_initrd, profile.initrd_arg)) + "\"",
                            EventKind::LoadOptions, tagged_event(kLinuxLoadOptionsTagId, "LOADED_IMAGE::LoadOptions")});
    }
    if (boot.initrd) {
        m.events.push_back({2, ev::kEventTag, sha384(*boot.initrd), "Linux initrd (" + std::to_string(boot.initrd->size()) + " bytes)",
                            EventKind::Initrd, tagged_event(kLinuxInitrdTagId, "Linux initrd")});
    }
    return m;
}

Digest384 replay(const std::vector<MeasuredEvent>& events, int rtmr) {
    Digest384 reg{};
    for (const MeasuredEvent& e : events) {
        if (e.rtmr == rtmr) extend_register(reg, e.digest);
    }
    return reg;
}

}  // namespace tdx
