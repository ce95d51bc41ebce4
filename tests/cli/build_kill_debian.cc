// A real `tdximage build` (the offline Alpine scenario, Debian's kernel and
// firmware) killed with SIGKILL at pseudo-random moments, with a cold and
// with a warm cache. After every kill the output directory is the previous
// complete output or the complete new one, byte for byte, and never missing
// once it existed; the cache holds only entries whose content hashes to their
// name; and the next build with the same cache removes what the killed run
// left beside the output and produces the reference output.
//
// The delays come from uninterrupted builds measured here first: each kill
// aims at a stage and comes a pseudo-random time after the stage begins,
// within the stage's duration in the reference run (stratified when several
// aim at one stage), so kills land in every stage. Where each one landed is
// read from the stage lines the tool prints on a terminal (its stderr is a
// pseudo-terminal here) and from what it left behind. TDXIMAGE_KILL_SEED=N
// repeats a run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>

#include "base/digest.h"
#include "builder/fetch/cache.h"
#include "builder/fetch/file_hash.h"
#include "tests/cli/alpine_scenario.h"
#include "tests/support/catch.h"
#include "tests/support/test_env.h"

using namespace tdx::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kDefaultSeed = 20261124;
constexpr const char* kWriting = "writing an output file";
constexpr const char* kSwap = "the swap";

// What each kill aims at, one kill per name: a stage the tool announces, or
// one of two events seen on disk (see KillAt). With a cold cache mostly the
// fetching, with a warm one the rest. "measuring", the last stage announced,
// spans measuring, writing the outputs and the swap; the events pin the
// last two down, which are too short to hit by timing alone.
const std::vector<std::string> kColdTargets = {"fetching inputs",       "fetching inputs", "staging packages",
                                               "writing the initramfs", kWriting,          kSwap};
const std::vector<std::string> kWarmTargets = {
    "reading the firmware", "reading the kernel", "staging packages", "writing the initramfs", "measuring", kWriting, kWriting, kSwap, kSwap};

// Packages of pseudo-random words (compressible, but not trivially), so that
// fetching, unpacking and compressing take long enough to be hit.
std::vector<apk::PkgSpec> bulky_packages() {
    static const char* const words[] = {"tdx",    "guest", "measure", "kernel",  "initramfs", "quote", "rtmr",   "firmware",
                                        "report", "agent", "module",  "busybox", "lock",      "cache", "mirror", "index"};
    std::mt19937 rng(7);
    std::vector<apk::PkgSpec> out;
    for (int i = 0; i < 6; ++i) {
        std::string text;
        while (text.size() < 100 * 1024) text += std::string(words[rng() % 16]) + ((rng() % 8) ? " " : "\n");
        apk::PkgSpec p("data" + std::to_string(i), "1.0-r0");
        const std::string dir = "usr/share/data" + std::to_string(i);
        p.files = {
            {"usr", "", AE_IFDIR, "", 0755}, {"usr/share", "", AE_IFDIR, "", 0755}, {dir, "", AE_IFDIR, "", 0755}, {dir + "/words", text}};
        out.push_back(p);
    }
    return out;
}

// Every file of an output directory by name; nullopt when there is none.
// Anything but a regular file shows up as a marker no reference has.
using Snapshot = std::map<std::string, std::string>;

std::optional<Snapshot> snapshot(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(dir, ec))) return std::nullopt;
    Snapshot s;
    for (const auto& e : fs::directory_iterator(dir))
        s[e.path().filename().string()] = e.is_regular_file() && !e.is_symlink() ? read_text(e.path()) : "<not a regular file>";
    return s;
}

std::string describe(const std::optional<Snapshot>& s) {
    if (!s) return "(no directory)";
    std::string out;
    for (const auto& [name, bytes] : *s) out += name + " (" + std::to_string(bytes.size()) + " bytes) ";
    return out;
}

// Staging directories beside `out` (".img.tmp-XXXXXX"); anything else
// there is a failure the caller reports.
struct Beside {
    std::size_t staging = 0;
    std::size_t staging_with_files = 0;
    std::vector<std::string> unexpected;
};

Beside beside(const fs::path& out) {
    Beside b;
    const std::string prefix = "." + out.filename().string() + ".tmp-";
    for (const auto& e : fs::directory_iterator(out.parent_path())) {
        const std::string n = e.path().filename().string();
        if (n == out.filename().string()) continue;
        if (n.rfind(prefix, 0) == 0 && n.size() == prefix.size() + 6 && e.is_directory() && !e.is_symlink()) {
            ++b.staging;
            if (!fs::is_empty(e.path())) ++b.staging_with_files;
            continue;
        }
        b.unexpected.push_back(n);
    }
    return b;
}

// The cache as the project reads it: every listed entry's content hashes to
// its name, sha256/ holds nothing but entries, and what tmp/ holds (partial
// downloads resumed by the next fetch, temporaries gc removes) is counted.
struct CacheState {
    std::vector<std::string> problems;
    std::size_t entries = 0, partials = 0, temporaries = 0;
};

CacheState check_cache(const fs::path& root) {
    CacheState st;
    if (!fs::exists(root)) return st;
    tdx::builder::Cache cache(root);
    for (const auto& e : cache.list()) {
        const tdx::builder::FileDigest d = tdx::builder::hash_file(cache.path_for(e.sha256));
        if (d.sha256 != e.sha256 || d.size != e.size) st.problems.push_back("entry " + e.sha256 + " holds content with SHA-256 " + d.sha256);
        ++st.entries;
    }
    for (const auto& f : fs::directory_iterator(root / "sha256")) {
        const std::string n = f.path().filename().string();
        if (!tdx::is_sha256_hex(n) || !f.is_regular_file() || f.is_symlink()) st.problems.push_back("sha256/" + n + " is not an entry");
    }
    for (const auto& f : fs::directory_iterator(root / "tmp")) {
        const std::string n = f.path().filename().string();
        const bool partial = n.size() == 69 && n.compare(64, 5, ".part") == 0;
        ++(partial ? st.partials : st.temporaries);
        // dl-XXXXXX: an unpinned download; inputs-XXXXXX/: a build's private copies.
        if (!partial && n.rfind("dl-", 0) != 0 && n.rfind("inputs-", 0) != 0)
            st.problems.push_back("tmp/" + n + " is no temporary of the cache's");
    }
    for (const auto& f : fs::directory_iterator(root / "names")) {
        const std::string n = f.path().filename().string();
        if (!tdx::is_sha256_hex(n)) st.problems.push_back("names/" + n + " is not a sidecar");
    }
    return st;
}

// What one run of the tool did, as run_observed saw it.
struct Observed {
    bool killed = false;                                 // SIGKILL arrived while it ran
    int exit_code = -1;                                  // when it exited on its own
    double seconds = 0;                                  // until it exited or was killed
    std::vector<std::pair<double, std::string>> stages;  // (seconds, stage)
    std::string text;                                    // everything it wrote to stderr
    std::string last_stage() const { return stages.empty() ? "starting" : stages.back().second; }
};

// One run of the tool with stderr on a pseudo-terminal, so it announces its
// stages ("tdximage: [3] reading the kernel"). With `kill.after` >= 0 it is
// killed that many seconds after `kill.stage` began (after it started, when
// that is empty): relative to the stage, so a machine slower or faster than
// during the reference run still sees the kill in it. Two stages are events
// seen with inotify beside `kill.out` instead: kWriting, `kill.file` created
// in the staging directory, and kSwap, the staging directory renamed to
// `kill.out`.
struct KillAt {
    std::string stage;
    double after = -1;
    fs::path out;
    std::string file;
};

// Turns inotify events beside the output into kWriting and kSwap.
class OutputWatch {
public:
    explicit OutputWatch(const KillAt& kill) : kill_(kill) {
        if (kill.stage != kWriting && kill.stage != kSwap) return;
        fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        REQUIRE(fd_ >= 0);
        fs::create_directories(kill.out.parent_path());
        parent_ = ::inotify_add_watch(fd_, kill.out.parent_path().c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
        REQUIRE(parent_ >= 0);
    }
    ~OutputWatch() {
        if (fd_ >= 0) ::close(fd_);
    }
    OutputWatch(const OutputWatch&) = delete;
    OutputWatch& operator=(const OutputWatch&) = delete;
    int fd() const { return fd_; }
    // Reads what arrived; the event `kill.stage` names when it came, else "".
    std::string take() {
        alignas(inotify_event) char buf[8192];
        const std::string staging_prefix = "." + kill_.out.filename().string() + ".tmp-";
        std::string seen;
        for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) {
            for (ssize_t off = 0; off < n;) {
                const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
                off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
                const std::string name = ev->len ? ev->name : "";
                if (ev->wd == parent_ && (ev->mask & IN_CREATE) && (ev->mask & IN_ISDIR) && name.rfind(staging_prefix, 0) == 0)
                    staging_ = ::inotify_add_watch(fd_, (kill_.out.parent_path() / name).c_str(), IN_CREATE | IN_ONLYDIR);
                if (ev->wd == parent_ && (ev->mask & IN_MOVED_TO) && name == kill_.out.filename().string()) seen = kSwap;
                if (staging_ >= 0 && ev->wd == staging_ && (ev->mask & IN_CREATE) && name == kill_.file) seen = kWriting;
            }
        }
        return seen == kill_.stage ? seen : "";
    }

private:
    const KillAt& kill_;
    int fd_ = -1, parent_ = -1, staging_ = -1;
};

Observed run_observed(const std::vector<std::string>& argv, const KillAt& kill = {},
                      const std::function<void(const std::string&)>& on_stage = {}) {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const std::string slave_name = ::ptsname(master);
    const int slave = ::open(slave_name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(slave >= 0);
    const Clock::time_point start = Clock::now();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(slave, 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(slave);
    ::fcntl(master, F_SETFL, O_NONBLOCK);

    Observed o;
    OutputWatch watch(kill);
    double kill_after = kill.after >= 0 && kill.stage.empty() ? kill.after : -1;
    std::size_t parsed = 0;  // bytes of `text` already split into lines
    auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    auto take = [&] {
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n <= 0) return n == 0 || errno != EAGAIN;  // EIO: every writer is gone
            o.text.append(buf, static_cast<std::size_t>(n));
            for (std::size_t nl; (nl = o.text.find('\n', parsed)) != std::string::npos; parsed = nl + 1) {
                std::string line = o.text.substr(parsed, nl - parsed);
                const std::size_t at = line.find("tdximage: [");
                const std::size_t close = line.find("] ", at == std::string::npos ? 0 : at);
                if (at == std::string::npos || close == std::string::npos) continue;
                line = line.substr(close + 2);
                while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
                o.stages.emplace_back(seconds(), line);
                if (kill.after >= 0 && kill_after < 0 && line == kill.stage) kill_after = o.stages.back().first + kill.after;
                if (on_stage) on_stage(line);
            }
        }
    };
    bool eof = false;
    while (!eof) {
        const double now = seconds();
        if (kill_after >= 0 && now >= kill_after) {
            o.killed = ::kill(pid, SIGKILL) == 0;
            break;
        }
        const int wait_ms = kill_after < 0 ? 100 : static_cast<int>(std::min(100.0, (kill_after - now) * 1000));
        pollfd p[2] = {{master, POLLIN, 0}, {watch.fd(), POLLIN, 0}};
        if (::poll(p, watch.fd() >= 0 ? 2 : 1, wait_ms) <= 0) continue;
        if (p[0].revents) eof = take();
        if (watch.fd() >= 0 && p[1].revents) {
            const std::string event = watch.take();
            if (!event.empty() && kill_after < 0) {
                o.stages.emplace_back(seconds(), event);
                kill_after = o.stages.back().first + kill.after;
            }
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    o.seconds = seconds();
    take();
    ::close(master);
    // A kill that raced a clean exit did not interrupt anything.
    if (WIFEXITED(status)) {
        o.killed = false;
        o.exit_code = WEXITSTATUS(status);
    }
    return o;
}

// The window [start, end) of `stage` in a reference run; the last stage
// ends when the tool exits. Empty (end <= start) when it never showed.
std::pair<double, double> window(const Observed& o, const std::string& stage) {
    for (std::size_t i = 0; i < o.stages.size(); ++i)
        if (o.stages[i].second == stage) return {o.stages[i].first, i + 1 < o.stages.size() ? o.stages[i + 1].first : o.seconds};
    return {0, 0};
}

std::string timeline(const Observed& o) {
    std::ostringstream s;
    s.precision(2);
    s << std::fixed << o.seconds << " s:";
    for (const auto& [t, stage] : o.stages) s << " " << t << " " << stage << ";";
    return s.str();
}

}  // namespace

TEST_CASE("build: SIGKILL at any moment leaves the old or the complete new output and a consistent cache") {
    std::uint32_t seed = kDefaultSeed;
    if (const char* e = std::getenv("TDXIMAGE_KILL_SEED"); e && *e) seed = static_cast<std::uint32_t>(std::strtoul(e, nullptr, 10));
    std::cout << "build-kill: seed " << seed << " (TDXIMAGE_KILL_SEED repeats it)\n";
    INFO("seed " << seed);
    std::mt19937 rng(seed);

    alpine::AlpineBuild s(bulky_packages());
    REQUIRE(s.tool({"lock", s.recipe()}).exit_code == 0);
    const fs::path cache = s.cache_dir();
    const fs::path out = s.d / "outs" / "img";
    // Two variants of the image, so the previous output and the new one
    // always differ and a mix of them cannot pass for either.
    const std::string variants[2] = {"first", "second"};
    auto build_argv = [&](int variant, const fs::path& dir) {
        return std::vector<std::string>{tool_path().string(), "build", s.recipe(),   "--agent",  s.agent(),     "--agent-arg",
                                        variants[variant],    "--out", dir.string(), "--locked", "--cache-dir", cache.string()};
    };

    // The references, each from an uninterrupted build: one with a cold
    // cache, one with a warm one; their durations scale the kill delays.
    Snapshot ref[2];
    fs::remove_all(cache);
    const Observed cold = run_observed(build_argv(0, s.d / "ref0"));
    INFO(cold.text);
    REQUIRE(cold.exit_code == 0);
    const Observed warm = run_observed(build_argv(1, s.d / "ref1"));
    INFO(warm.text);
    REQUIRE(warm.exit_code == 0);
    ref[0] = *snapshot(s.d / "ref0");
    ref[1] = *snapshot(s.d / "ref1");
    const bool variants_differ = ref[0] != ref[1];  // (never let Catch print megabytes of files)
    REQUIRE(variants_differ);
    std::cout << "build-kill: cold build " << timeline(cold) << "\nbuild-kill: warm build " << timeline(warm) << "\n";

    std::optional<Snapshot> current;  // what `out` holds: nothing yet
    std::map<std::string, int> landed;
    const std::size_t kills = kColdTargets.size() + kWarmTargets.size();
    for (std::size_t i = 0; i < kills; ++i) {
        const bool cold_cache = i < kColdTargets.size();
        const std::vector<std::string>& targets = cold_cache ? kColdTargets : kWarmTargets;
        const std::size_t at = cold_cache ? i : i - kColdTargets.size();
        // Stratified: the n-th of the kills aimed at a stage lands at a
        // random point of the n-th share of its window in the reference.
        const auto same = [&](const std::string& t) { return t == targets[at]; };
        const auto shares = static_cast<double>(std::count_if(targets.begin(), targets.end(), same));
        const auto nth = static_cast<double>(std::count_if(targets.begin(), targets.begin() + static_cast<std::ptrdiff_t>(at), same));
        // The events are instants: the kill follows within a few milliseconds.
        const bool event = targets[at] == kWriting || targets[at] == kSwap;
        const auto [from, to] = event ? std::pair<double, double>(0, 0.004) : window(cold_cache ? cold : warm, targets[at]);
        const double delay = std::max(0.0, to - from) * (nth + std::uniform_real_distribution<double>(0, 1)(rng)) / shares;
        // Which output file's creation a kWriting kill follows.
        static const char* const outputs[] = {"vmlinuz", "initramfs.cpio.xz", "OVMF.fd", "mr_td.hex", "launch-qemu.sh", "manifest.json"};
        const std::string file = outputs[rng() % 6];
        const int variant = current == ref[0] ? 1 : 0;
        if (cold_cache) fs::remove_all(cache);
        const std::optional<Snapshot> before = current;

        const Observed k = run_observed(build_argv(variant, out), {targets[at], delay, out, file});
        const std::optional<Snapshot> after = snapshot(out);
        const Beside left = beside(out);
        const CacheState cs = check_cache(cache);

        // The last stage seen, refined by what is on disk: "measuring" and
        // the events span measuring, writing the outputs and the swap.
        std::string where = k.killed ? k.last_stage() : "after the build had finished";
        if (k.killed && after && after == ref[variant] && before != ref[variant])
            where = left.staging ? "after the swap, deleting the old output" : "after the swap, the old output deleted";
        else if (k.killed && (where == "measuring" || where == kWriting || where == kSwap))
            where = left.staging_with_files ? "writing the outputs" : "measuring";
        if (k.killed && where == "writing the initramfs") where = "writing the initramfs (compressing)";
        if (k.killed && where == "fetching inputs" && cold_cache) where = "fetching inputs into the cold cache";
        ++landed[where];
        std::ostringstream what;
        what.precision(3);
        what << std::fixed << "kill " << i + 1 << " (" << (cold_cache ? "cold" : "warm") << " cache) " << delay << " s after \""
             << (targets[at] == kWriting ? "creating " + file : targets[at]) << "\": " << where << "; left " << left.staging
             << " staging dir(s), " << cs.entries << " cache entries, " << cs.partials << " partial download(s), " << cs.temporaries
             << " other temporaries";
        std::cout << "build-kill: " << what.str() << "\n";
        INFO(what.str());
        INFO(k.text);

        CHECK((k.killed || k.exit_code == 0));
        // The output: the previous one or the complete new one, nothing else.
        INFO("output after the kill: " << describe(after));
        const bool old_or_new = before ? (after == before || after == ref[variant]) : (!after || after == ref[variant]);
        CHECK(old_or_new);
        CHECK(left.unexpected.empty());
        for (const std::string& p : cs.problems) FAIL_CHECK("cache: " << p);

        // The next build with this cache cleans up and gives the reference.
        const RunResult next = run(build_argv(variant, out));
        INFO(next.err);
        REQUIRE(next.exit_code == 0);
        const bool reference = snapshot(out) == ref[variant];
        CHECK(reference);
        const Beside after_next = beside(out);
        CHECK(after_next.staging == 0);
        CHECK(after_next.unexpected.empty());
        const CacheState cs_next = check_cache(cache);
        for (const std::string& p : cs_next.problems) FAIL_CHECK("cache after the next build: " << p);
        // Partial downloads were resumed and published. A temporary of a
        // run killed between writing and renaming it (an unpinned fetch, a
        // sidecar) stays until `cache gc` finds it a day old: it is never
        // read as an entry.
        CHECK(cs_next.partials == 0);
        current = ref[variant];
    }
    std::string summary;
    for (const auto& [where, n] : landed) summary += "  " + std::to_string(n) + " x " + where + "\n";
    std::cout << "build-kill: where the kills landed:\n" << summary;
    // At least the kills were spread: some before the output existed and
    // some after the initramfs was written.
    CHECK(landed.size() >= 3);
}

TEST_CASE("build: an error half-way leaves the previous output byte for byte and nothing beside it") {
    alpine::AlpineBuild s;
    const fs::path out = s.d / "outs" / "img";
    REQUIRE(s.tool({"build", s.recipe(), "--agent", s.agent(), "--out", out.string()}).exit_code == 0);
    const std::optional<Snapshot> before = snapshot(out);
    REQUIRE(before);
    const auto argv = [&](const std::string& agent) {
        return std::vector<std::string>{tool_path().string(),
                                        "build",
                                        s.recipe(),
                                        "--agent",
                                        agent,
                                        "--agent-arg",
                                        "other",
                                        "--out",
                                        out.string(),
                                        "--locked",
                                        "--cache-dir",
                                        s.cache_dir().string()};
    };
    const auto unchanged = [&] {
        const bool same = snapshot(out) == before;
        CHECK(same);
        const Beside b = beside(out);
        CHECK(b.staging == 0);
        CHECK(b.unexpected.empty());
    };

    SECTION("the agent vanishes after the build started") {
        fs::copy_file(s.agent(), s.d / "vanishing");
        // Read at "adding files": gone by then when removed as fetching starts.
        const Observed o = run_observed(argv((s.d / "vanishing").string()), {}, [&](const std::string& stage) {
            if (stage == "fetching inputs") fs::remove(s.d / "vanishing");
        });
        INFO(o.text);
        CHECK(o.exit_code == 2);
        CHECK_THAT(o.text, TDX_CONTAINS((s.d / "vanishing").string()));
        unchanged();
    }
    SECTION("a recipe file no longer matches the hash its lock pins") {
        write_text(s.d / "motd", "changed after locking\n");
        const Observed o = run_observed(argv(s.agent()));
        INFO(o.text);
        CHECK(o.exit_code == 2);
        CHECK_THAT(o.text, TDX_CONTAINS((s.d / "motd").string()));
        CHECK_THAT(o.text, TDX_CONTAINS("changed since it was locked"));
        unchanged();
    }
    SECTION("a cache entry was corrupted: discarded and fetched again, the cache stays consistent") {
        for (const auto& e : tdx::builder::Cache(s.cache_dir()).list()) {
            std::string bytes = read_text(s.cache_dir() / "sha256" / e.sha256);
            bytes[bytes.size() / 2] ^= 1;
            write_text(s.cache_dir() / "sha256" / e.sha256, bytes);
        }
        const Observed o = run_observed(argv(s.agent()));
        INFO(o.text);
        CHECK(o.exit_code == 0);
        CHECK(check_cache(s.cache_dir()).problems.empty());
        CHECK(beside(out).staging == 0);
    }
}
