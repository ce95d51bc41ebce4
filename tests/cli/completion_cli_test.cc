// Shell completion and the man page come from the command definitions: every
// command and option appears, the bash script parses and completes.
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;

TEST_CASE("completion bash: parses, and completes commands and their options") {
    RunResult r = run({tool_path().string(), "completion", "bash"});
    REQUIRE(r.exit_code == 0);
    TempDir d;
    write_text(d / "tdximage.bash", r.out);
    CHECK(run({"/bin/bash", "-n", (d / "tdximage.bash").string()}).exit_code == 0);
    // Complete "tdximage bu" and "tdximage build --ag" in a real bash.
    auto complete = [&](const std::string& words, int cword) {
        const std::string script = "source '" + (d / "tdximage.bash").string() + "'; COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(cword) +
                                   "; _tdximage; printf '%s\\n' \"${COMPREPLY[@]}\"";
        return run({"/bin/bash", "-c", script});
    };
    CHECK(complete("tdximage bu", 1).out == "build\n");
    CHECK(complete("tdximage build --ag", 2).out.find("--agent\n") != std::string::npos);
    CHECK(complete("tdximage eventlog sh", 2).out == "show\n");
    CHECK(complete("tdximage eventlog compare --exp", 3).out.find("--expected") != std::string::npos);
    RunResult z = run({tool_path().string(), "completion", "zsh"});
    CHECK(z.exit_code == 0);
    CHECK(z.out.rfind("#compdef tdximage", 0) == 0);
    CHECK(run({tool_path().string(), "completion", "fish"}).exit_code == 2);
}

TEST_CASE("man: every command and option, no date, valid roff requests") {
    RunResult r = run({tool_path().string(), "man"});
    REQUIRE(r.exit_code == 0);
    for (const char* s : {".TH TDXIMAGE 1 \"\"", ".SS \"tdximage build RECIPE\"", ".SS \"tdximage verify RECIPE\"", ".SS \"tdximage eventlog compare",
                          "\\fB\\-\\-agent\\fR", "\\fB\\-\\-expect\\-mrtd\\fR", ".SH EXIT STATUS", "SOURCE_DATE_EPOCH"})
        CHECK(r.out.find(s) != std::string::npos);
    // Every line starting with a dot is a request we write (no text line
    // accidentally turned into one).
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty() && line[0] == '.') CHECK((line.rfind(".TH ", 0) == 0 || line.rfind(".SH ", 0) == 0 || line.rfind(".SS ", 0) == 0 || line == ".TP"));
    // The same bytes every time.
    CHECK(run({tool_path().string(), "man"}).out == r.out);
}
