// A QEMU child process driven over a qtest connection. QEMU connects to a
// Unix socket we listen on (-qtest unix:PATH) rather than using its stdio,
// so the operator's own options may keep claiming stdio (-nographic,
// -serial stdio). Its stdout and stderr are collected so that an early exit
// ("invalid option", "cannot open file") can be reported with QEMU's own
// words. Every wait has one deadline for the whole run; the child is killed
// and reaped on every path out, and dies with us (PR_SET_PDEATHSIG) even if
// we are killed. Messages describe what happened ("exited with status 1
// while ...: <QEMU's stderr>") without naming the program: the caller adds
// the name it was given as context.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tdx::builder {

using Clock = std::chrono::steady_clock;

// The executable a shell would run for `program`: the path itself when it
// contains a slash, otherwise the first executable match on PATH. Throws
// tdx::Error (Io) naming the program when there is none.
std::filesystem::path resolve_program(const std::string& program);

// The qtest byte stream, as the protocol layer sees it.
class LineChannel {
public:
    virtual ~LineChannel() = default;
    virtual void send_line(const std::string& line) = 0;
    // The next line without its '\n'.
    virtual std::string read_line() = 0;
};

class ChildProcess;

class QemuProcess : public LineChannel {
public:
    // Creates a private directory holding the listening socket; nothing runs
    // yet. `timeout` bounds everything from here on.
    explicit QemuProcess(std::chrono::milliseconds timeout);
    ~QemuProcess() override;
    QemuProcess(const QemuProcess&) = delete;
    QemuProcess& operator=(const QemuProcess&) = delete;

    // The argument to pass as -qtest.
    std::string qtest_chardev() const;

    // Starts `program` with `args` (argv[1..]); stdin is /dev/null. Throws
    // tdx::Error naming the program when it cannot be executed.
    void start(const std::filesystem::path& program, const std::vector<std::string>& args);

    // Waits for QEMU to connect. Throws when it exits first (with its
    // stderr) or the deadline passes.
    void accept_qtest();

    void send_line(const std::string& line) override;
    std::string read_line() override;

    // Ends the child (SIGTERM, then SIGKILL) and reaps it; idempotent.
    void stop();

    // Last lines QEMU wrote to stderr (and stdout), for messages.
    std::string output_tail() const;

private:
    void wait_for(int fd, short events, const std::string& while_doing);
    [[noreturn]] void fail_closed(const std::string& while_doing);

    std::chrono::milliseconds timeout_;
    Clock::time_point deadline_;
    std::filesystem::path dir_;
    int listen_fd_ = -1;
    int conn_fd_ = -1;
    std::unique_ptr<ChildProcess> child_;
    std::string rx_;
    std::string last_command_;
};

// Runs `program args...` to completion within `timeout` and returns the
// last 8 KiB of its stdout (enough for `--version`). Throws when it cannot
// run, fails or times out.
std::string run_and_capture(const std::filesystem::path& program, const std::vector<std::string>& args, std::chrono::milliseconds timeout);

}  // namespace tdx::builder
