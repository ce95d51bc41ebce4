// A main for the fuzz harnesses without libFuzzer: runs LLVMFuzzerTestOneInput
// once on every file named (directories are walked, files in sorted path
// order), so seed corpora and regression inputs run in every build, under any
// compiler and with or without sanitizers. Hidden files (.gitkeep) are
// skipped. A crash or an escaping exception ends the process as it would
// under libFuzzer; a missing argument is an error, so a corpus that was never
// generated cannot pass as empty.
//
// libFuzzer also stops an input that runs too long or takes too much memory
// (run.sh: -timeout=10, -rss_limit_mb=512); a watchdog thread applies the
// same limits here, so such a regression input fails the test instead of
// taking the machine's memory.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::uint64_t kRssLimitMb = 512;

std::atomic<const fs::path*> current{nullptr};
std::atomic<Clock::rep> started{0};

std::uint64_t rss_mb() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) >> 20;
}

[[noreturn]] void watchdog() {
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const fs::path* input = current.load();
        if (!input) continue;
        const std::uint64_t rss = rss_mb();
        const auto running = Clock::now() - Clock::time_point(Clock::duration(started.load()));
        if (rss > kRssLimitMb) {
            std::fprintf(stderr, "out of memory: %llu MB resident (limit %llu MB) while replaying %s\n", static_cast<unsigned long long>(rss),
                         static_cast<unsigned long long>(kRssLimitMb), input->c_str());
            std::abort();
        }
        if (running > kTimeout) {
            std::fprintf(stderr, "timeout: more than %lld s replaying %s\n", static_cast<long long>(kTimeout.count()), input->c_str());
            std::abort();
        }
    }
}

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg = argv[i];
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            for (const fs::directory_entry& e : fs::recursive_directory_iterator(arg))
                if (e.is_regular_file() && !hidden(e.path())) inputs.push_back(e.path());
        } else if (fs::is_regular_file(arg, ec)) {
            inputs.push_back(arg);
        } else {
            std::fprintf(stderr, "%s: %s: no such file or directory\n", argv[0], arg.c_str());
            return 2;
        }
    }
    std::sort(inputs.begin(), inputs.end());
    std::thread(watchdog).detach();
    for (const fs::path& p : inputs) {
        std::ifstream in(p, std::ios::binary);
        const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (!in.good() && !in.eof()) {
            std::fprintf(stderr, "%s: cannot read %s\n", argv[0], p.c_str());
            return 2;
        }
        std::fprintf(stderr, "replaying %s (%zu bytes)\n", p.c_str(), bytes.size());
        started = Clock::now().time_since_epoch().count();
        current = &p;
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
        current = nullptr;
    }
    std::printf("%zu inputs replayed\n", inputs.size());
    return 0;
}
