// parse_tdvf / load_tdvf: the GUID table walk, descriptor location, descriptor
// read and validation steps in order, every problem kept as a finding.
#include "ovmf/tdvf.h"

#include "ovmf/tdvf_internal.h"

namespace tdx::ovmf {

bool TdvfImage::has_errors() const {
    for (const Finding& f : findings)
        if (f.severity == Finding::Severity::Error) return true;
    return false;
}

TdvfImage parse_tdvf(Bytes file, LintLevel level) {
    using namespace detail;
    TdvfImage image;
    image.file_size = file.size();
    Findings findings;
    try {
        GuidTableWalk table = walk_guid_table(file, level, findings);
        image.guid_table_footer = table.footer_found;
        image.guid_table_size = table.table_size;
        image.guid_table_offset = table.table_offset;
        image.guid_table = table.entries;
        if (auto where = locate_descriptor(file, table, findings)) {
            image.descriptor = read_descriptor(file, *where, findings);
            if (image.descriptor) validate_tdvf(file, *image.descriptor, level, findings);
        }
    } catch (const Error& e) {
        // Every read above is bounds-checked before it is made; this only
        // turns a missed check into a finding instead of an exception.
        findings.error("image.read_error", e.what());
    }
    image.findings = findings.finish();
    return image;
}

TdvfImage load_tdvf(Bytes file, const std::string& name, LintLevel level) {
    TdvfImage image = parse_tdvf(file, level);
    if (!image.has_errors() && image.descriptor) return image;
    std::string msg = name + ": not a TDVF image that passes the " + detail::lint_level_name(level) + " checks";
    std::size_t errors = 0;
    std::string lines;
    for (const Finding& f : image.findings) {
        if (f.severity != Finding::Severity::Error) continue;
        ++errors;
        lines += "\n  " + f.rule + ": " + f.message;
    }
    if (errors == 0) lines = "\n  no TDVF descriptor found";
    fail(msg + " (" + std::to_string(errors) + (errors == 1 ? " error):" : " errors):") + lines);
}

}  // namespace tdx::ovmf
