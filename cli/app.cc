#include "cli/app.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <iostream>
#include <map>

#include "builder/compressor.h"
#include "cli/commands.h"
#include "measure/base/error.h"

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
