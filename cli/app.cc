#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "measure/base/error.h"

namespace tdx::cli {

int run_main(int argc, char** argv) {
    CLI::App app{"tdximage: reproducible Intel TDX guest images and their measurements"};
    app.require_subcommand(1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e) == 0 ? kExitOk : kExitTrouble;
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitTrouble;
    } catch (const Error& e) {
        std::cerr << "tdximage: error: " << e.what() << "\n";
        return kExitTrouble;
    }
    return kExitOk;
}

}  // namespace tdx::cli
