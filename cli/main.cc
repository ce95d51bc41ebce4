#include "cli/app.h"

int main(int argc, char** argv) { return tdx::cli::run_main(argc, argv); }
