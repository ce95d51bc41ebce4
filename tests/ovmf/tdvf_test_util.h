// Helpers shared by the TDVF unit tests: look up findings by rule and print
// them when an assertion fails.
#pragma once

#include <string>
#include <vector>

#include "ovmf/tdvf.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/catch.h"

namespace tdx::test {

// Builds the image and parses it at `level`.
inline ovmf::TdvfImage parse(const TdvfBuilder& b, ovmf::LintLevel level = ovmf::LintLevel::Qemu) {
    auto bytes = b.build();
    return ovmf::parse_tdvf(Bytes(bytes.data(), bytes.size()), level);
}

inline std::string dump(const ovmf::TdvfImage& img) {
    std::string s = "findings (" + std::to_string(img.findings.size()) + "):";
    for (const auto& f : img.findings)
        s += std::string("\n  ") + (f.severity == ovmf::Finding::Severity::Error ? "error   " : "warning ") + f.rule + ": " + f.message;
    return s;
}

inline std::vector<ovmf::Finding> with_rule(const ovmf::TdvfImage& img, const std::string& rule) {
    std::vector<ovmf::Finding> out;
    for (const auto& f : img.findings)
        if (f.rule == rule) out.push_back(f);
    return out;
}

inline bool has_rule(const ovmf::TdvfImage& img, const std::string& rule) { return !with_rule(img, rule).empty(); }

inline std::size_t error_count(const ovmf::TdvfImage& img) {
    std::size_t n = 0;
    for (const auto& f : img.findings) n += f.severity == ovmf::Finding::Severity::Error;
    return n;
}

inline const char* level_name(ovmf::LintLevel l) {
    switch (l) {
        case ovmf::LintLevel::Qemu: return "qemu";
        case ovmf::LintLevel::Gce: return "gce";
        case ovmf::LintLevel::TdShim: return "td-shim";
    }
    return "?";
}

inline constexpr ovmf::LintLevel kAllLevels[] = {ovmf::LintLevel::Qemu, ovmf::LintLevel::Gce, ovmf::LintLevel::TdShim};

// Exactly one finding of `rule`, of `severity`, whose message contains every
// string in `parts`.
inline void expect_rule(const ovmf::TdvfImage& img, const std::string& rule, ovmf::Finding::Severity severity,
                        const std::vector<std::string>& parts) {
    INFO(dump(img));
    auto found = with_rule(img, rule);
    REQUIRE(found.size() == 1);
    CHECK((found[0].severity == severity));
    for (const auto& p : parts) CHECK_THAT(found[0].message, TDX_CONTAINS(p));
}

inline constexpr auto kError = ovmf::Finding::Severity::Error;
inline constexpr auto kWarning = ovmf::Finding::Severity::Warning;

}  // namespace tdx::test
