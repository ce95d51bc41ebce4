// The lockfile: strict YAML with fixed keys, and what is done with a parsed
// one (rendering it again, comparing it). A lock that parses must render to
// a document that parses back to the same lock: `lock` writes what `build
// --locked` reads, so a value that survives one way but not the other is a
// finding too.
#include <cstdio>
#include <cstdlib>

#include "builder/lock/lockfile.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tdx::fuzz::lower_limits();
    using namespace tdx;
    builder::Lockfile lock;
    try {
        lock = builder::parse_lockfile(std::string(fuzz::text_of(data, size)), "fuzz.lock");
    } catch (const Error&) {
        return 0;
    }
    const std::string text = builder::render_lockfile(lock);
    const builder::Lockfile back = builder::parse_lockfile(text, "rendered.lock");
    if (builder::render_lockfile(back) != text) {
        std::fprintf(stderr, "the lock does not survive render + parse; rendered:\n%s\n", text.c_str());
        std::abort();
    }
    (void)builder::diff_lockfiles(lock, back);
    (void)builder::diff_lockfiles(builder::Lockfile{}, lock);
    return 0;
}
