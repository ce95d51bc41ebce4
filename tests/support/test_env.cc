#include "tests/support/test_env.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tdx::test {

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tdximage-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
}

void write_bytes(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::filesystem::path tool_path() { return TDXIMAGE_TEST_TOOL; }

std::filesystem::path debian_inputs_dir() {
    const char* d = std::getenv("TDXIMAGE_TEST_INPUTS");
    std::filesystem::path p = d && *d ? d : TDXIMAGE_TEST_INPUTS_DEFAULT;
    if (!std::filesystem::exists(p / "ready"))
        throw std::runtime_error("Debian test inputs missing in " + p.string() + " (run the fetch_debian_inputs fixture)");
    return p;
}

namespace {
std::string slurp_fd(int fd) {
    std::string s;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        s.append(buf, static_cast<std::size_t>(n));
    }
    return s;
}
}  // namespace

RunResult run(const std::vector<std::string>& argv) {
    TempDir tmp;
    std::string out_path = (tmp / "out").string(), err_path = (tmp / "err").string();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(o, 1);
        ::dup2(e, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    int fo = ::open(out_path.c_str(), O_RDONLY), fe = ::open(err_path.c_str(), O_RDONLY);
    r.out = slurp_fd(fo);
    r.err = slurp_fd(fe);
    ::close(fo);
    ::close(fe);
    return r;
}

bool running_in_ci() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

std::filesystem::path source_dir() { return TDXIMAGE_TEST_SOURCE_DIR; }

std::vector<std::string> warnings_on_stderr(const std::string& err) {
    static const std::string prefix = "tdximage: warning: ";
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < err.size()) {
        std::size_t end = err.find('\n', at);
        if (end == std::string::npos) end = err.size();
        if (err.compare(at, prefix.size(), prefix) == 0) out.push_back(err.substr(at + prefix.size(), end - at - prefix.size()));
        at = end + 1;
    }
    return out;
}

RunResult run_tool(std::vector<std::string> args) {
    args.insert(args.begin(), tool_path().string());
    return run(args);
}

}  // namespace tdx::test
