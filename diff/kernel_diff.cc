// Kernel diff: the boot-protocol setup header and version string, the PE
// sections of the EFI stub, the Authenticode digest OVMF measures into RTMR1,
// and the whole file.
#include <map>
#include <optional>
#include <set>

#include "base/digest.h"
#include "diff/image_diff.h"
#include "measure/kernel_setup.h"
#include "measure/pe_authenticode.h"
#include "measure/pe_sections.h"

namespace tdx::builder {
namespace {

bool has_mz(Bytes d) { return d.size() >= 2 && d[0] == 'M' && d[1] == 'Z'; }

std::optional<PeInfo> pe_of(Bytes d, const std::string& what, std::string& problem) {
    if (!has_mz(d)) {
        problem = "no PE image";
        return std::nullopt;
    }
    try {
        return parse_pe(d, what);
    } catch (const Error& e) {
        problem = e.what();
        return std::nullopt;
    }
}

std::string authenticode(Bytes d, const std::string& what) {
    try {
        return to_hex(authenticode_sha384(d, what));
    } catch (const Error& e) {
        return std::string("unreadable: ") + e.what();
    }
}

std::string section_hash(Bytes d, const PeSectionHeader& s) {
    try {
        return to_hex(sha256(slice(d, s.pointer_to_raw_data, s.size_of_raw_data, "section")));
    } catch (const Error&) {
        return "outside the file";
    }
}

// Sections by name, numbered when a name repeats.
std::map<std::string, const PeSectionHeader*> sections_by_name(const std::vector<PeSectionHeader>& sections) {
    std::map<std::string, const PeSectionHeader*> out;
    std::map<std::string, unsigned> seen;
    for (const PeSectionHeader& s : sections) {
        const unsigned n = seen[s.name]++;
        out.emplace(n == 0 ? s.name : s.name + "#" + std::to_string(n), &s);
    }
    return out;
}

void diff_pe(Bytes a, const PeInfo& pa, Bytes b, const PeInfo& pb, const std::string& where, std::vector<Difference>& out) {
    auto add = [&](const std::string& at, const std::string& what, const std::string& p, const std::string& q) {
        if (p != q) out.push_back({at, what, p, q});
    };
    add(where + ":PE", "format", pa.pe32_plus ? "PE32+" : "PE32", pb.pe32_plus ? "PE32+" : "PE32");
    add(where + ":PE", "machine", hex_u64(pa.machine), hex_u64(pb.machine));
    add(where + ":PE", "size of headers", hex_u64(pa.size_of_headers), hex_u64(pb.size_of_headers));
    // parse_pe accepted both, so the section tables are inside the files.
    const std::vector<PeSectionHeader> ha = read_pe_section_headers(a, where + " (A)");
    const std::vector<PeSectionHeader> hb = read_pe_section_headers(b, where + " (B)");
    const auto sa = sections_by_name(ha), sb = sections_by_name(hb);
    std::set<std::string> names;
    for (const auto& [n, s] : sa) names.insert(n);
    for (const auto& [n, s] : sb) names.insert(n);
    for (const std::string& n : names) {
        const std::string at = where + ":PE section " + n;
        const auto ia = sa.find(n), ib = sb.find(n);
        if (ib == sb.end()) {
            out.push_back({at, "only in A", hex_u64(ia->second->size_of_raw_data) + " bytes", ""});
            continue;
        }
        if (ia == sa.end()) {
            out.push_back({at, "only in B", "", hex_u64(ib->second->size_of_raw_data) + " bytes"});
            continue;
        }
        const PeSectionHeader &x = *ia->second, &y = *ib->second;
        add(at, "virtual address", hex_u64(x.virtual_address), hex_u64(y.virtual_address));
        add(at, "virtual size", hex_u64(x.virtual_size), hex_u64(y.virtual_size));
        add(at, "raw offset", hex_u64(x.pointer_to_raw_data), hex_u64(y.pointer_to_raw_data));
        add(at, "raw size", hex_u64(x.size_of_raw_data), hex_u64(y.size_of_raw_data));
        add(at, "characteristics", hex_u64(x.characteristics), hex_u64(y.characteristics));
        add(at, "content sha256", section_hash(a, x), section_hash(b, y));
    }
}

}  // namespace

std::vector<Difference> diff_kernel(Bytes a, Bytes b, const std::string& where) {
    std::vector<Difference> out;
    auto add = [&](const std::string& at, const std::string& what, const std::string& p, const std::string& q) {
        if (p != q) out.push_back({at, what, p, q});
    };
    const std::string setup = where + ":setup header";
    if (a.size() >= 1024 && b.size() >= 1024) {  // QEMU's minimum kernel size
        const SetupHeader ha = read_setup_header(a, where + " (A)"), hb = read_setup_header(b, where + " (B)");
        add(setup, "HdrS", ha.has_hdrs ? "present" : "absent", hb.has_hdrs ? "present" : "absent");
        add(setup, "protocol", hex_u64(ha.protocol), hex_u64(hb.protocol));
        add(setup, "setup_sects", std::to_string(ha.setup_sects), std::to_string(hb.setup_sects));
        add(setup, "loadflags", hex_u64(ha.loadflags), hex_u64(hb.loadflags));
        add(setup, "xloadflags", hex_u64(ha.xloadflags), hex_u64(hb.xloadflags));
        add(setup, "initrd_addr_max", hex_u64(ha.initrd_addr_max), hex_u64(hb.initrd_addr_max));
        add(where, "version string", kernel_version_string(a), kernel_version_string(b));
    }
    std::string qa, qb;
    const std::optional<PeInfo> pa = pe_of(a, where + " (A)", qa), pb = pe_of(b, where + " (B)", qb);
    if (pa && pb) {
        diff_pe(a, *pa, b, *pb, where, out);
        add(where, "authenticode sha384", authenticode(a, where + " (A)"), authenticode(b, where + " (B)"));
    } else if (pa || pb) {
        add(where + ":PE", "headers", pa ? "present" : qa, pb ? "present" : qb);
    }
    add(where, "size", std::to_string(a.size()), std::to_string(b.size()));
    add(where, "sha256", to_hex(sha256(a)), to_hex(sha256(b)));
    return out;
}

}  // namespace tdx::builder
