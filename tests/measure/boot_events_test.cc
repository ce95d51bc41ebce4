#include "tests/support/catch.h"

#include "measure/boot_events.h"
#include "measure/event_types.h"

using namespace tdx;

namespace {
std::string hex_of(std::string_view s) { return to_hex(sha384(s)); }
std::vector<std::uint8_t> utf16(const std::string& s) {
    std::vector<std::uint8_t> v;
    for (unsigned char c : s) {
        v.push_back(c);
        v.push_back(0);
    }
    v.push_back(0);
    v.push_back(0);
    return v;
}
}  // namespace

TEST_CASE("EFI action strings hash to the reference constants (measurement-reference section 3)") {
    CHECK(hex_of(kCallingEfiApplication) == "77a0dab2312b4e1e57a84d865a21e5b2ee8d677a21012ada819d0a98988078d3d740f6346bfe0abaa938ca20439a8d71");
    CHECK(hex_of(kExitBootServicesInvocation) ==
          "214b0bef1379756011344877743fdc2a5382bac6e70362d624ccf3f654407c1b4badf7d8f9295dd3dabdef65b27677e0");
    CHECK(hex_of(kExitBootServicesSucceeded) ==
          "0a2e01c85deae718a530ad8c6d20a84009babe6c8989269e950d8cf440c6e997695e64d455c4174a652cd080f6230b74");
}

TEST_CASE("OVMF load options: UTF-16LE, NUL, initrd=initrd placement") {
    CHECK(ovmf_load_options("console=ttyS0", true, InitrdArg::Suffix) == utf16("console=ttyS0 initrd=initrd"));
    CHECK(ovmf_load_options("console=ttyS0", true, InitrdArg::Prefix) == utf16("initrd=initrd console=ttyS0"));
    CHECK(ovmf_load_options("console=ttyS0", false, InitrdArg::Prefix) == utf16("console=ttyS0"));
    CHECK(ovmf_load_options("", true, InitrdArg::Suffix) == utf16(" initrd=initrd"));
    CHECK(ovmf_load_options("", true, InitrdArg::Prefix) == utf16("initrd=initrd "));
    CHECK(ovmf_load_options("", false, InitrdArg::Suffix).empty());
    // Bytes >= 0x80 are widened (Latin-1), not decoded as UTF-8.
    auto v = ovmf_load_options("\xc3\xa9", false, InitrdArg::Suffix);
    CHECK(v == std::vector<std::uint8_t>{0xc3, 0, 0xa9, 0, 0, 0});
}

TEST_CASE("replay extends digests in order from a zero register") {
    std::vector<MeasuredEvent> evs;
    evs.push_back({1, ev::kEfiAction, sha384(std::string_view("a")), "a", EventKind::Action, {}});
    evs.push_back({2, ev::kEfiAction, sha384(std::string_view("b")), "b", EventKind::Action, {}});
    evs.push_back({1, ev::kEfiAction, sha384(std::string_view("c")), "c", EventKind::Action, {}});
    Digest384 r{};
    for (const char* s : {"a", "c"}) {
        Hasher h;
        h.update(Bytes(r.data(), r.size()));
        Digest384 d = sha384(std::string_view(s));
        h.update(Bytes(d.data(), d.size()));
        r = h.final384();
    }
    CHECK(replay(evs, 1) == r);
    CHECK(replay(evs, 3) == Digest384{});
}
