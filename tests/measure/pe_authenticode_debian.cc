// Authenticode and QEMU's header patch on the real Debian kernel (a signed
// PE32+ bzImage with a certificate table at the end), checked against an
// independent implementation: osslsigncode. Signing a copy with a throw-away
// certificate and "-h sha384" replaces Debian's signature; "osslsigncode
// verify" then prints the SHA-384 image digest it recomputes from the file
// ("Calculated message digest : <96 hex digits>"). osslsigncode pads the image
// to 8 bytes before appending the signature; Debian's kernel needs no padding,
// so its digest is edk2's.
#include "tests/support/catch.h"

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/file_io.h"
#include "measure/kernel_setup.h"
#include "measure/pe_authenticode.h"
#include "tests/support/test_env.h"

using namespace tdx;
using tdx::test::run;
using tdx::test::TempDir;

namespace {

Digest384 osslsigncode_digest(const std::vector<std::uint8_t>& image) {
    TempDir tmp;
    const std::string key = (tmp / "key.pem").string(), cert = (tmp / "cert.pem").string();
    const std::string in = (tmp / "in.efi").string(), out = (tmp / "signed.efi").string();
    tdx::test::write_bytes(in, image);

    auto r = run(
        {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test", "-days", "1", "-keyout", key, "-out", cert});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = run({"/usr/bin/osslsigncode", "sign", "-h", "sha384", "-certs", cert, "-key", key, "-in", in, "-out", out});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    // verify exits non-zero: the throw-away certificate chains to no CA. The
    // digest line is printed regardless.
    r = run({"/usr/bin/osslsigncode", "verify", "-in", out});
    std::istringstream lines(r.out);
    const std::string label = "Calculated message digest";
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(label, 0) != 0) continue;
        const auto colon = line.find(':');
        REQUIRE(colon != std::string::npos);
        return parse_digest384(line.substr(colon + 1), "osslsigncode output");
    }
    FAIL("no '" << label << "' line in osslsigncode verify output:\n" << r.out << r.err);
    return {};
}

std::vector<std::uint8_t> to_vector(Bytes b) { return {b.begin(), b.end()}; }

}  // namespace

TEST_CASE("Authenticode SHA-384 of the Debian kernel equals osslsigncode's") {
    InputFile kernel(tdx::test::debian_inputs_dir() / "vmlinuz");
    PeInfo info = parse_pe(kernel.bytes(), "vmlinuz");
    CHECK(info.pe32_plus);
    CHECK(info.cert_table_size > 0);
    CHECK(std::uint64_t{info.cert_table_offset} + info.cert_table_size == kernel.size());

    const Digest384 ours = authenticode_sha384(kernel.bytes(), "vmlinuz");
    const Digest384 theirs = osslsigncode_digest(to_vector(kernel.bytes()));
    INFO("tdximage     " << to_hex(ours));
    INFO("osslsigncode " << to_hex(theirs));
    CHECK(ours == theirs);
    // The signed file's size is a multiple of 8: padding changes nothing.
    CHECK(authenticode_sha384(kernel.bytes(), "vmlinuz", {.pad_to_8 = true}) == ours);
}

TEST_CASE("QEMU's patch of the Debian kernel changes exactly the expected fields") {
    InputFile kernel(tdx::test::debian_inputs_dir() / "vmlinuz");
    SetupHeader h = read_setup_header(kernel.bytes(), "vmlinuz");
    REQUIRE(h.has_hdrs);
    CHECK(h.protocol >= 0x20C);
    CHECK((h.xloadflags & 0x2) != 0);
    CHECK((h.loadflags & 0x1) != 0);

    QemuKernelPatchInput in;
    in.below_4g_mem = q35_below_4g_mem(4ull << 30);
    in.cmdline = "console=ttyS0 panic=-1";
    in.initrd_size = 1234567;
    PatchedKernel p = qemu_patch_kernel(kernel.bytes(), "vmlinuz", in);
    const std::uint64_t addr = (0x80000000u - 0x28000 - 1 - 1234567) & ~std::uint64_t{0xFFF};
    CHECK(p.initrd_address == addr);

    struct Want {
        const char* name;
        std::uint64_t offset;
        std::uint32_t size;
        std::uint64_t value;
    };
    const std::vector<Want> want = {
        {"cmd_line_ptr", 0x228, 4, 0x20000}, {"type_of_loader", 0x210, 1, 0xB0}, {"loadflags", 0x211, 1, h.loadflags | 0x80u},
        {"heap_end_ptr", 0x224, 2, 0xFE00},  {"ramdisk_image", 0x218, 4, addr},  {"ramdisk_size", 0x21C, 4, 1234567}};
    REQUIRE(p.fields.size() == want.size());
    std::set<std::uint64_t> allowed;
    for (std::size_t i = 0; i < want.size(); ++i) {
        CHECK(p.fields[i].name == want[i].name);
        CHECK(p.fields[i].offset == want[i].offset);
        CHECK(p.fields[i].size == want[i].size);
        CHECK(p.fields[i].new_value == want[i].value);
        for (std::uint32_t k = 0; k < want[i].size; ++k) allowed.insert(want[i].offset + k);
    }
    REQUIRE(p.bytes.size() == kernel.size());
    std::set<std::uint64_t> changed;
    for (std::size_t i = 0; i < p.bytes.size(); ++i)
        if (p.bytes[i] != kernel.bytes()[i]) changed.insert(i);
    for (std::uint64_t off : changed) {
        INFO("byte " << off);
        CHECK(allowed.count(off) == 1);
    }
    CHECK(changed.size() >= 8);  // 0x210, 0x211, 0x224-0x225 and the initrd fields at least

    // The patched bytes are inside the headers, so the digest moves; and
    // osslsigncode agrees on the patched image too.
    const Digest384 raw = authenticode_sha384(kernel.bytes(), "vmlinuz");
    const Digest384 patched = authenticode_sha384(Bytes(p.bytes.data(), p.bytes.size()), "vmlinuz (patched)");
    CHECK(patched != raw);
    INFO("patched: tdximage " << to_hex(patched));
    CHECK(osslsigncode_digest(p.bytes) == patched);
}
