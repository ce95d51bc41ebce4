// The demo agent the quick start packs into an image: it says where it runs
// (is this a TD? can it ask for a quote?) and exits with the status given as
// its first argument, so a boot test can see both the marker and the exit
// status the generated /init reports. Linked statically: the image needs no
// C++ runtime for it.
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

bool exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

std::string first_line(const char* path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

bool cpu_flag(const std::string& flag) {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("flags", 0) == 0) return (line + " ").find(" " + flag + " ") != std::string::npos;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    struct utsname u {};
    ::uname(&u);
    std::printf("tdximage-demo-agent: hello from %s %s\n", u.sysname, u.release);
    std::printf("tdximage-demo-agent: TDX guest (tdx_guest cpu flag): %s\n", cpu_flag("tdx_guest") ? "yes" : "no");
    std::printf("tdximage-demo-agent: /dev/tdx_guest: %s\n", exists("/dev/tdx_guest") ? "present" : "absent");
    std::printf("tdximage-demo-agent: TSM reports (/sys/kernel/config/tsm/report): %s\n",
                exists("/sys/kernel/config/tsm/report") ? "available" : "unavailable");
    std::printf("tdximage-demo-agent: command line: %s\n", first_line("/proc/cmdline").c_str());
    const int status = argc > 1 ? std::atoi(argv[1]) : 0;
    std::printf("tdximage-demo-agent: done, exiting with status %d\n", status);
    std::fflush(stdout);
    return status;
}
