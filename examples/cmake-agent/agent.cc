// The example agent: proves it runs inside the image (the marker line a
// boot test greps for), shows the configuration the recipe put in /etc and
// its arguments, and exits 0 so /init reports success.
#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
    std::printf("cmake-agent: running\n");
    for (int i = 1; i < argc; ++i) std::printf("cmake-agent: argument %s\n", argv[i]);
    std::ifstream conf("/etc/agent.conf");
    std::string line;
    while (std::getline(conf, line)) {
        if (!line.empty() && line[0] != '#') std::printf("cmake-agent: config %s\n", line.c_str());
    }
    return 0;
}
