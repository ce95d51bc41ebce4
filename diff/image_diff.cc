// Kind detection, the byte and text fallbacks, and the directory walk of
// `tdximage diff`; the per-kind comparisons live in cpio_diff.cc,
// firmware_diff.cc, kernel_diff.cc and json_diff.cc.
#include "diff/image_diff.h"
#include "measure/json_document.h"

#include "builder/published_dir.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "base/file_io.h"
#include "builder/build_manifest.h"
#include "ovmf/tdvf.h"

namespace tdx::builder {
namespace {

bool starts_with(Bytes d, std::initializer_list<std::uint8_t> magic) {
    if (d.size() < magic.size()) return false;
    return std::equal(magic.begin(), magic.end(), d.begin());
}

bool is_kernel(Bytes d) {
    if (d.size() >= 0x206 && std::memcmp(d.data() + 0x202, "HdrS", 4) == 0) return true;
    if (!starts_with(d, {'M', 'Z'}) || d.size() < 0x40) return false;
    const std::uint32_t pe = load_le32(d, 0x3c, "e_lfanew");
    return pe <= d.size() - 4 && std::memcmp(d.data() + pe, "PE\0\0", 4) == 0;
}

// Whitespace, then '{': worth a JSON parse.
bool looks_like_json(Bytes d) {
    for (std::uint8_t c : d) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        return c == '{';
    }
    return false;
}

FileKind json_kind(Bytes d) {
    const std::optional<nlohmann::json> doc = try_parse_json_document(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
    if (!doc || !doc->is_object()) return FileKind::Text;
    const nlohmann::json& j = *doc;
    if (j.contains("schema") && j["schema"] == kManifestSchema) return FileKind::Manifest;
    if (j.contains("events") && j["events"].is_array() && j.contains("mrtd")) return FileKind::Measurements;
    return FileKind::Json;
}

bool is_firmware(Bytes d) {
    try {
        return ovmf::parse_tdvf(d).descriptor.has_value();
    } catch (const Error&) {
        return false;
    }
}

// Printable ASCII/UTF-8 and the usual whitespace: a text file we can show by line.
bool is_text(Bytes d) {
    return std::all_of(d.begin(), d.end(), [](std::uint8_t c) { return c >= 0x20 || c == '\n' || c == '\t' || c == '\r'; });
}

// Long lines (a kernel command line, a JSON blob) are cut for one-line reports.
std::string clip(std::string s) {
    constexpr std::size_t kMax = 160;
    if (s.size() > kMax) s = s.substr(0, kMax) + "...";
    return s;
}

std::vector<std::string> split_lines(Bytes d) {
    std::vector<std::string> lines;
    std::string cur;
    for (std::uint8_t c : d) {
        if (c == '\n') {
            lines.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(c));
        }
    }
    if (!cur.empty()) lines.push_back(cur);
    return lines;
}

std::vector<std::string> files_under(const std::filesystem::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file()) out.push_back(std::filesystem::relative(it->path(), dir).generic_string());
    if (ec) fail("diff: " + dir.string() + ": cannot list the directory: " + ec.message(), ErrorKind::Io);
    // Directory order is the file system's; the report must not depend on it.
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::string to_string(FileKind k) {
    switch (k) {
        case FileKind::Initramfs: return "initramfs";
        case FileKind::Firmware: return "firmware";
        case FileKind::Kernel: return "kernel";
        case FileKind::Manifest: return "manifest";
        case FileKind::Measurements: return "measurements";
        case FileKind::Json: return "json";
        case FileKind::Text: return "text";
        case FileKind::Binary: return "binary";
    }
    return "binary";
}

FileKind detect_kind(Bytes d) {
    if (starts_with(d, {0x1f, 0x8b}) || starts_with(d, {0x28, 0xb5, 0x2f, 0xfd}) || starts_with(d, {0xfd, '7', 'z', 'X', 'Z', 0x00}) ||
        starts_with(d, {'0', '7', '0', '7', '0'}))
        return FileKind::Initramfs;
    if (is_kernel(d)) return FileKind::Kernel;
    if (looks_like_json(d)) return json_kind(d);
    if (is_firmware(d)) return FileKind::Firmware;
    return is_text(d) ? FileKind::Text : FileKind::Binary;
}

std::vector<Difference> diff_binary(Bytes a, Bytes b, const std::string& where) {
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    if (i == a.size() && i == b.size()) return {};
    return {{where, "bytes differ from offset " + hex_u64(i), std::to_string(a.size()) + " bytes", std::to_string(b.size()) + " bytes"}};
}

std::vector<Difference> diff_text(Bytes a, Bytes b, const std::string& where) {
    const std::vector<std::string> la = split_lines(a), lb = split_lines(b);
    for (std::size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
        const std::string x = i < la.size() ? la[i] : "", y = i < lb.size() ? lb[i] : "";
        if (i >= la.size() || i >= lb.size() || x != y) return {{where, "line " + std::to_string(i + 1), clip(x), clip(y)}};
    }
    return diff_binary(a, b, where);  // only line endings or a final newline differ
}

std::vector<Difference> diff_contents(Bytes a, Bytes b, const std::string& where) {
    if (a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin())) return {};
    const FileKind ka = detect_kind(a), kb = detect_kind(b);
    std::vector<Difference> out;
    bool bytes_too = ka != kb;
    if (ka != kb) {
        out.push_back({where, "kind", to_string(ka), to_string(kb)});
    } else {
        try {
            switch (ka) {
                case FileKind::Initramfs: out = diff_initramfs(a, b, where); break;
                case FileKind::Firmware: out = diff_firmware(a, b, where); break;
                case FileKind::Kernel: out = diff_kernel(a, b, where); break;
                case FileKind::Manifest: out = diff_manifest(a, b, where); break;
                case FileKind::Measurements: out = diff_measurements_documents(a, b, where); break;
                case FileKind::Json: out = diff_json(a, b, where); break;
                case FileKind::Text: out = diff_text(a, b, where); break;
                case FileKind::Binary: break;
            }
        } catch (const Error& e) {
            // A damaged file is a finding of the comparison, not trouble.
            out.push_back({where, "unreadable as " + to_string(ka), e.what(), ""});
            bytes_too = true;
        }
    }
    if (bytes_too || out.empty()) {
        std::vector<Difference> bytes = diff_binary(a, b, where);
        out.insert(out.end(), bytes.begin(), bytes.end());
    }
    return out;
}

std::vector<Difference> diff_paths(const std::filesystem::path& a, const std::filesystem::path& b) {
    std::error_code ea, eb;
    const std::filesystem::file_status sa = std::filesystem::status(a, ea), sb = std::filesystem::status(b, eb);
    if (!std::filesystem::exists(sa)) fail("diff: " + a.string() + ": no such file or directory", ErrorKind::Io);
    if (!std::filesystem::exists(sb)) fail("diff: " + b.string() + ": no such file or directory", ErrorKind::Io);
    const bool da = std::filesystem::is_directory(sa), db = std::filesystem::is_directory(sb);
    if (da != db) fail("diff: " + (da ? a : b).string() + " is a directory but " + (da ? b : a).string() + " is not", ErrorKind::Usage);
    if (!da) {
        InputFile fa(a), fb(b);
        return diff_contents(fa.bytes(), fb.bytes(), a.filename().string());
    }
    const std::vector<std::string> la = files_under(a), lb = files_under(b);
    const std::set<std::string> in_a(la.begin(), la.end()), in_b(lb.begin(), lb.end());
    std::set<std::string> all(in_a);
    all.insert(in_b.begin(), in_b.end());
    std::vector<Difference> out;
    for (const std::string& name : all) {
        if (!in_b.count(name)) {
            out.push_back({name, "only in A", "file", ""});
        } else if (!in_a.count(name)) {
            out.push_back({name, "only in B", "", "file"});
        } else {
            InputFile fa(a / name), fb(b / name);
            std::vector<Difference> d = diff_contents(fa.bytes(), fb.bytes(), name);
            out.insert(out.end(), d.begin(), d.end());
        }
    }
    // Two directories can be identical and both lie: each side's documents
    // are claims about its own files, checked like `verify` checks them.
    for (const auto& [side, dir] : {std::pair<std::string, std::filesystem::path>{"A", a}, {"B", b}}) {
        std::error_code ec;
        if (!std::filesystem::exists(dir / "manifest.json", ec) && !std::filesystem::exists(dir / "measurements.json", ec)) continue;
        for (const ClaimFinding& f : check_published_dir(dir).findings)
            out.push_back({side + ":" + f.file, "claim does not hold: " + f.claim, f.claimed, f.actual.empty() ? "(no such file)" : f.actual});
    }
    return out;
}

}  // namespace tdx::builder
