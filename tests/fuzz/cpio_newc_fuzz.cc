// The strict newc reader `tdximage diff` opens initramfs archives with, and
// diff_initramfs around it (codec detection, decompression, the entry by
// entry comparison) against a small archive of the canonical writer.
#include "builder/rootfs/cpio_newc.h"
#include "diff/image_diff.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

std::vector<std::uint8_t> reference_archive() {
    using namespace tdx::builder;
    FsTree tree;
    tree.add_directory("/etc", {0755, 0, 0, 1700000000, "fuzz"});
    tree.add_file("/etc/hostname", {'t', 'd', '\n'}, {0644, 0, 0, 1700000000, "fuzz"});
    tree.add_symlink("/init", "/bin/sh", {0777, 0, 0, 1700000000, "fuzz"});
    return write_newc(tree);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tdx;
    fuzz::lower_limits();
    static const std::vector<std::uint8_t> reference = reference_archive();
    const Bytes archive = fuzz::bytes_of(data, size);
    fuzz::rejecting([&] { (void)builder::read_newc(archive, "fuzz.cpio"); });
    fuzz::rejecting([&] { (void)builder::diff_initramfs(archive, Bytes(reference.data(), reference.size()), "initramfs"); });
    return 0;
}
