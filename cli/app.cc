#include "cli/app.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <iostream>
#include <map>
#include <vector>

#include "builder/compressor.h"
#include "cli/commands.h"
#include "measure/base/error.h"
#include "measure/base/limits.h"

namespace tdx::cli {

int run_main(int argc, char** argv) {
    CLI::App app{"tdximage: reproducible Intel TDX guest images and their measurements (MR_TD, RTMRs), computed offline"};
    app.footer(
        "Exit status: 0 success; 1 checked and found different (comparing commands); "
        "2 trouble: usage error, bad input, I/O failure.");
    // The libraries whose versions decide output bytes (codecs) or trust
    // (crypto, transport), as they are loaded.
    app.set_version_flag("--version", std::string("tdximage ") + TDXIMAGE_VERSION + "\n" + OpenSSL_version(OPENSSL_VERSION) + "\n" +
                                          builder::codec_versions() + "\n" + curl_version());
    app.require_subcommand(1);
    // Options of the top level may follow the command ("tdximage build R
    // --limit ..."); subcommands inherit this setting, so it comes first.
    app.fallthrough();
    std::string limit_names;
    for (const LimitInfo& info : limit_table())
        limit_names += std::string(limit_names.empty() ? "" : ", ") + info.name;
    std::vector<std::string> limits;
    app.add_option("--limit", limits, "raise or lower a bound on untrusted input, NAME=VALUE (repeat for several; names: " +
                                  limit_names + "; see docs/limits.md)")
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

    // CLI11 reports an unknown first word as "A subcommand is required";
    // name the word and the commands instead.
    if (argc > 1 && argv[1][0] != '-') {
        std::string known;
        bool found = false;
        for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
            found = found || sub->check_name(argv[1]);
            known += (known.empty() ? "" : ", ") + sub->get_name();
        }
        if (!found) {
            std::cerr << "tdximage: error: unknown command '" << argv[1] << "' (commands: " << known << ")\n";
            return kExitTrouble;
        }
    }
    try {
        app.parse(argc, argv);
        // Walk down the chain of parsed subcommands to the deepest one.
        const CLI::App* cur = &app;
        for (;;) {
            auto subs = cur->get_subcommands();
            if (subs.empty()) break;
            cur = subs.front();
        }
        auto it = runners.find(cur);
        if (it == runners.end()) {
            std::cerr << "tdximage: error: '" << cur->get_name() << "' needs a subcommand; see --help\n";
            return kExitTrouble;
        }
        return it->second();
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitTrouble;
    } catch (const Error& e) {
        std::cerr << "tdximage: error: " << e.what() << "\n";
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
