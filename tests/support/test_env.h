// Shared helpers for tests: temporary directories that clean up after
// themselves, the path of the built tool, the directory of real Debian inputs
// prepared by the debian_inputs fixture, and running the tool as a process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tdx::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

void write_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes);
void write_text(const std::filesystem::path& p, const std::string& text);
std::string read_text(const std::filesystem::path& p);

// Path of the tdximage binary under test (set by CMake).
std::filesystem::path tool_path();
// True under CI=true, where a missing test tool is a failure, not a skip.
bool running_in_ci();

// The project's source tree (for tests that read its docs or recipes).
std::filesystem::path source_dir();

// Directory filled by tests/fixtures/fetch-debian-inputs.sh; fails the test
// when the fixture did not run.
std::filesystem::path debian_inputs_dir();

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};
// Runs argv[0] with argv (no shell), capturing stdout and stderr.
RunResult run(const std::vector<std::string>& argv);
// Runs the tool under test with `args`.
RunResult run_tool(std::vector<std::string> args);

// The texts of the "tdximage: warning: " lines of a command's stderr, in order.
std::vector<std::string> warnings_on_stderr(const std::string& err);

}  // namespace tdx::test
