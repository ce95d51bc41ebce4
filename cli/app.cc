#include "cli/app.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <iostream>
#include <map>
#include <vector>

#include "base/error.h"
#include "base/limits.h"
#include "base/suggest.h"
#include "base/text_list.h"
#include "base/version.h"
#include "builder/rootfs/compressor.h"
#include "cli/commands.h"

namespace tdx::cli {
namespace {

// The chain of parsed subcommands, down to the deepest one.
const CLI::App* deepest_parsed(const CLI::App& app) {
    const CLI::App* cur = &app;
    for (auto subs = cur->get_subcommands(); !subs.empty(); subs = cur->get_subcommands()) cur = subs.front();
    return cur;
}

// "eventlog show" for that subcommand, "" for the top level.
std::string command_path(const CLI::App& app) {
    std::string path;
    for (const CLI::App* a = &app; a->get_parent(); a = a->get_parent()) path = a->get_name() + (path.empty() ? "" : " " + path);
    return path;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
    return names;
}

// `tdximage` or `tdximage eventlog` alone.
std::string missing_command_message(const CLI::App& app) {
    const std::string path = command_path(app);
    if (path.empty()) return "no command given (commands: " + comma_list(subcommand_names(app)) + "; see `tdximage --help`)";
    return "'" + path + "' needs a subcommand: " + comma_list(subcommand_names(app)) + " (see `tdximage " + path + " --help`)";
}

// CLI11 reports a mistyped command as "A subcommand is required" or as an
// unexpected argument: the words before the first option that should name
// commands are checked here, with the nearest command as a suggestion.
void check_command_words(const CLI::App& app, int argc, char** argv) {
    const CLI::App* cur = &app;
    for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
        const std::vector<std::string> names = subcommand_names(*cur);
        if (names.empty()) return;  // a command's own arguments
        const CLI::App* next = nullptr;
        for (const CLI::App* sub : cur->get_subcommands([](const CLI::App*) { return true; }))
            if (sub->check_name(argv[i])) next = sub;
        if (!next) {
            const std::string prefix = command_path(*cur).empty() ? "" : command_path(*cur) + " ";
            const std::string best = closest_name(argv[i], names);
            fail("unknown command '" + prefix + argv[i] + "'" +
                     (best.empty() ? " (commands: " + comma_list(names) + ")" : "; did you mean '" + prefix + best + "'?"),
                 ErrorKind::Usage);
        }
        cur = next;
    }
}

}  // namespace

int run_main(int argc, char** argv) {
    CLI::App app{"tdximage: reproducible Intel TDX guest images and their measurements (MR_TD, RTMRs), computed offline"};
    app.footer(
        "Exit status: 0 success; 1 checked and found different (comparing commands); "
        "2 trouble: usage error, bad input, I/O failure.");
    // The libraries whose versions decide output bytes (codecs) or trust
    // (crypto, transport), as they are loaded.
    app.set_version_flag("--version", std::string("tdximage ") + tool_version() + "\n" + OpenSSL_version(OPENSSL_VERSION) + "\n" +
                                          builder::codec_versions() + "\n" + curl_version());
    app.require_subcommand(1);
    // Options of the top level may follow the command ("tdximage build R
    // --limit ..."); subcommands inherit this setting, so it comes first.
    app.fallthrough();
    std::string limit_names;
    for (const LimitInfo& info : limit_table()) limit_names += std::string(limit_names.empty() ? "" : ", ") + info.name;
    std::vector<std::string> limits;
    app.add_option("--limit", limits,
                   "raise or lower a bound on untrusted input, NAME=VALUE (repeat for several; names: " + limit_names + "; see docs/limits.md)")
        ->type_name("NAME=VALUE")
        ->each([](const std::string& v) { set_limit_from_text(v); });

    Runners runners;
    add_measure_command(app, runners);
    add_inspect_command(app, runners);
    add_profiles_command(app, runners);
    add_acpi_command(app, runners);
    add_eventlog_command(app, runners);
    add_recipe_command(app, runners);
    add_cache_command(app, runners);
    add_lock_command(app, runners);
    add_build_command(app, runners);
    add_diff_command(app, runners);
    add_verify_command(app, runners);
    add_completion_command(app, runners);

    try {
        check_command_words(app, argc, argv);
        app.parse(argc, argv);
        const CLI::App* cur = deepest_parsed(app);
        auto it = runners.find(cur);
        if (it == runners.end()) fail(missing_command_message(*cur), ErrorKind::Usage);
        return it->second();
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version
    } catch (const CLI::ParseError& e) {
        // CLI11's own words ("RECIPE is required"), with our prefix and
        // status; its "A subcommand is required" names the commands instead.
        const CLI::App* cur = deepest_parsed(app);
        const std::string path = command_path(*cur);
        if (e.get_name() == "RequiredError" && !subcommand_names(*cur).empty())
            std::cerr << "tdximage: error: " << missing_command_message(*cur) << "\n";
        else
            std::cerr << "tdximage: error: " << e.what() << " (see `tdximage " << (path.empty() ? "" : path + " ") << "--help`)\n";
        return kExitTrouble;
    } catch (const Error& e) {
        // A usage error is fixed by another command line: point at its help,
        // as for CLI11's own parse errors. Bad input and I/O errors name the
        // file already.
        std::cerr << "tdximage: error: " << e.what();
        if (e.kind() == ErrorKind::Usage) {
            const std::string path = command_path(*deepest_parsed(app));
            std::cerr << " (see `tdximage " << (path.empty() ? "" : path + " ") << "--help`)";
        }
        std::cerr << "\n";
        return kExitTrouble;
    } catch (const std::bad_alloc&) {
        std::cerr << "tdximage: error: out of memory\n";
        return kExitTrouble;
    } catch (const std::exception& e) {
        std::cerr << "tdximage: error: " << e.what() << "\n";
        return kExitTrouble;
    }
}

}  // namespace tdx::cli
