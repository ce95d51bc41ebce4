#include "builder/varied_rebuild.h"

#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include "base/error.h"
#include "builder/recipe/recipe_search.h"

namespace tdx::builder {
namespace fs = std::filesystem;
namespace {

std::set<std::string> files_below(const fs::path& root) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out.insert(fs::relative(e.path(), root).generic_string());
    return out;
}

bool same_bytes(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::file_size(a, ec) != fs::file_size(b, ec)) return false;
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    std::vector<char> ba(1 << 16), bb(1 << 16);
    while (fa && fb) {
        fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
        fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
        if (fa.gcount() != fb.gcount() || !std::equal(ba.begin(), ba.begin() + fa.gcount(), bb.begin())) return false;
    }
    return true;
}

}  // namespace

std::vector<std::string> rebuild_argv(const BuildRequest& a, const fs::path& program, const std::string& out,
                                      const std::vector<std::string>& limit_args) {
    auto abs = [](const fs::path& p) { return fs::absolute(p).lexically_normal().string(); };
    const RecipeLocation where = find_recipe(a.recipe);
    std::vector<std::string> argv = {program.string(), "build", abs(where.file), "--lock", abs(where.lock_for(a.lock)),
                                     "--out",          out,     "--locked",      "--quiet"};
    if (a.offline) argv.push_back("--offline");
    if (!a.cache_dir.empty()) argv.insert(argv.end(), {"--cache-dir", abs(a.cache_dir)});
    if (!a.agent.empty()) argv.insert(argv.end(), {"--agent", abs(a.agent)});
    for (const std::string& x : a.agent_args) argv.insert(argv.end(), {"--agent-arg", x});
    for (const std::string& l : limit_args) argv.insert(argv.end(), {"--limit", l});
    return argv;
}

int run_varied(const std::vector<std::string>& argv, const fs::path& cwd) {
    // Everything the child needs is built before fork: only async-signal-safe
    // calls happen between fork and exec.
    std::vector<char*> args;
    std::vector<std::string> storage = argv;
    for (std::string& s : storage) args.push_back(s.data());
    args.push_back(nullptr);
    cpu_set_t one;
    CPU_ZERO(&one);
    cpu_set_t mine;
    CPU_ZERO(&mine);
    if (sched_getaffinity(0, sizeof mine, &mine) == 0) {
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &mine)) {
                CPU_SET(c, &one);
                break;
            }
    }
    std::string tz = "TZ=Asia/Kolkata", lc = "LC_ALL=C.UTF-8";
    std::vector<char*> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "TZ=", 3) != 0 && std::strncmp(*e, "LC_ALL=", 7) != 0) env.push_back(*e);
    env.push_back(tz.data());
    env.push_back(lc.data());
    env.push_back(nullptr);
    const std::string dir = cwd.string();
    const pid_t pid = ::fork();
    if (pid < 0) fail(std::string("cannot start the second build: ") + std::strerror(errno), ErrorKind::Io);
    if (pid == 0) {
        ::umask(077);
        if (CPU_COUNT(&one) > 0) sched_setaffinity(0, sizeof one, &one);
        if (::chdir(dir.c_str()) != 0) ::_exit(127);
        ::execve(args[0], args.data(), env.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) fail(std::string("waiting for the second build: ") + std::strerror(errno), ErrorKind::Io);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

std::vector<std::string> differing_files(const fs::path& a, const fs::path& b) {
    const std::set<std::string> fa = files_below(a), fb = files_below(b);
    std::set<std::string> all = fa;
    all.insert(fb.begin(), fb.end());
    std::vector<std::string> out;
    for (const std::string& f : all)
        if (!fa.count(f) || !fb.count(f) || !same_bytes(a / f, b / f)) out.push_back(f);
    return out;
}

}  // namespace tdx::builder
