// tdximage diff: what differs between two images, initramfs files, firmware or kernels.
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "diff/image_diff.h"

namespace tdx::cli {
namespace {

struct DiffArgs {
    std::string a, b;
    bool json = false;
    bool all = false;
};

// A CI log should show the cause without scrolling through thousands of
// changed files; --all lifts the cap.
constexpr std::size_t kDefaultLines = 200;

std::string line_of(const builder::Difference& d) {
    std::string s = d.where + ": " + d.what;
    if (d.what.rfind("only in ", 0) == 0) {
        const std::string& desc = d.a.empty() ? d.b : d.a;
        return desc.empty() ? s : s + " (" + desc + ")";
    }
    if (d.what.rfind("unreadable as ", 0) == 0) return s + ": " + d.a;  // a is the reader's message
    if (d.a.empty() && d.b.empty()) return s;
    return s + " " + (d.a.empty() ? "(absent)" : d.a) + " -> " + (d.b.empty() ? "(absent)" : d.b);
}

int run_diff(const DiffArgs& args) {
    const std::vector<builder::Difference> diffs = builder::diff_paths(args.a, args.b);
    if (args.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const builder::Difference& d : diffs) list.push_back({{"where", d.where}, {"what", d.what}, {"a", d.a}, {"b", d.b}});
        const nlohmann::json doc = {{"schema", "tdximage.diff/v1"}, {"identical", diffs.empty()}, {"differences", list}};
        // Paths inside an archive are bytes, not necessarily UTF-8.
        std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    } else if (diffs.empty()) {
        std::cout << "identical\n";
    } else {
        std::cout << diffs.size() << (diffs.size() == 1 ? " difference\n" : " differences\n");
        std::cout << "first difference: " << line_of(diffs.front()) << "\n";
        const std::size_t shown = args.all ? diffs.size() : std::min(diffs.size(), kDefaultLines);
        for (std::size_t i = 0; i < shown; ++i) std::cout << line_of(diffs[i]) << "\n";
        if (shown < diffs.size()) std::cout << "... and " << diffs.size() - shown << " more (--all shows them)\n";
    }
    std::cout.flush();
    return diffs.empty() ? kExitOk : kExitDifferent;
}

}  // namespace

void add_diff_command(CLI::App& app, Runners& runners) {
    CLI::App* c = app.add_subcommand("diff", "Compare two output directories, initramfs files, firmware images or kernels");
    auto args = std::make_shared<DiffArgs>();
    c->add_option("A", args->a, "first output directory or file")->required();
    c->add_option("B", args->b, "second output directory or file")->required();
    c->add_flag("--json", args->json, "print a JSON document (schema tdximage.diff/v1)");
    c->add_flag("--all", args->all, "print every difference (default: the first 200)");
    runners[c] = [args] { return run_diff(*args); };
}

}  // namespace tdx::cli
