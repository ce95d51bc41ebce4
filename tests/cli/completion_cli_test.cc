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
        const std::string script = "source '" + (d / "tdximage.bash").string() + "'; COMP_WORDS=(" + words +
                                   "); COMP_CWORD=" + std::to_string(cword) + "; _tdximage; printf '%s\\n' \"${COMPREPLY[@]}\"";
        return run({"/bin/bash", "-c", script});
    };
    CHECK(complete("tdximage bu", 1).out == "build\n");
    CHECK(complete("tdximage build --ag", 2).out.find("--agent\n") != std::string::npos);
    CHECK(complete("tdximage eventlog sh", 2).out == "show\n");
    CHECK(complete("tdximage eventlog compare --exp", 3).out.find("--expected") != std::string::npos);
    // After an option that takes a value: its values, not the options.
    CHECK(complete("tdximage measure --profile ''", 3).out == "canonical-24.04\nubuntu-25.04\nupstream\n");
    CHECK(complete("tdximage measure --ovmf OVMF.fd --profile up", 5).out == "upstream\n");
    CHECK(complete("tdximage measure --mrtd-order ''", 3).out == "per-page\ntwo-pass\n");
    CHECK(complete("tdximage measure --kernel-header ''", 3).out == "patched\nraw\n");
    CHECK(complete("tdximage measure --fw-layout 20", 3).out == "2024.11\n2025.05\n");
    CHECK(complete("tdximage measure --page-aug ''", 3).out == "skip\nadd\n");
    // ... or file names, for an option naming a file.
    write_text(d / "my-agent", "");
    const RunResult files = complete("tdximage build --agent '" + (d / "my-").string() + "'", 3);
    CHECK(files.out == (d / "my-agent").string() + "\n");
    CHECK(complete("tdximage build --agent --", 3).out.find("--agent") == std::string::npos);
    RunResult z = run({tool_path().string(), "completion", "zsh"});
    CHECK(z.exit_code == 0);
    CHECK(z.out.rfind("#compdef tdximage", 0) == 0);
    CHECK(run({tool_path().string(), "completion", "fish"}).exit_code == 2);
}

TEST_CASE("man: every command and option, no date, valid roff requests") {
    RunResult r = run({tool_path().string(), "man"});
    REQUIRE(r.exit_code == 0);
    for (const char* s :
         {".TH TDXIMAGE 1 \"\"", ".SS \"tdximage build RECIPE\"", ".SS \"tdximage verify RECIPE\"", ".SS \"tdximage eventlog compare",
          "\\fB\\-\\-agent\\fR", "\\fB\\-\\-expect\\-mrtd\\fR", ".SH EXIT STATUS", "SOURCE_DATE_EPOCH",
          "\\fB\\-\\-profile\\fR \\fIcanonical\\-24.04|ubuntu\\-25.04|upstream\\fR", "TDXIMAGE_RECIPE_PATH"})
        CHECK(r.out.find(s) != std::string::npos);
    // Every line starting with a dot is a request we write (no text line
    // accidentally turned into one).
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line))
        if (!line.empty() && line[0] == '.')
            CHECK((line.rfind(".TH ", 0) == 0 || line.rfind(".SH ", 0) == 0 || line.rfind(".SS ", 0) == 0 || line == ".TP" || line == ".PP" ||
                   line == ".RS" || line == ".RE" || line == ".nf" || line == ".fi"));
    // The same bytes every time.
    CHECK(run({tool_path().string(), "man"}).out == r.out);
}

TEST_CASE("man: EXAMPLES shows the main workflows, each command in a no-fill block") {
    RunResult r = run({tool_path().string(), "man"});
    REQUIRE(r.exit_code == 0);
    const std::size_t examples = r.out.find(".SH EXAMPLES\n");
    REQUIRE(examples != std::string::npos);
    CHECK(examples < r.out.find(".SH EXIT STATUS"));
    const std::string section = r.out.substr(examples, r.out.find(".SH EXIT STATUS") - examples);
    for (const char* s : {".nf\ntdximage build debian\\-13 \\-\\-agent ./my\\-agent\n.fi", "tdximage verify debian\\-13 ",
                          "\\-\\-expect\\-dir published/", "tdximage measure \\-\\-ovmf OVMF.fd ",
                          "tdximage eventlog compare /sys/firmware/acpi/tables/data/CCEL \\-\\-expected out/measurements.json"}) {
        INFO(s);
        CHECK(section.find(s) != std::string::npos);
    }
    // Every example is a command of this tool that parses: its --help works.
    std::istringstream lines(section);
    std::string line;
    int commands = 0;
    while (std::getline(lines, line)) {
        if (line.rfind("tdximage ", 0) != 0) continue;
        ++commands;
        std::string words = line.substr(9);
        std::string cmd = words.substr(0, words.find(' '));
        INFO(line);
        CHECK(run({tool_path().string(), cmd, "--help"}).exit_code == 0);
    }
    CHECK(commands >= 5);
}
