#include "qemu/qemu_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/error.h"

namespace tdx::builder {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::size_t kTailBytes = 8192;
constexpr std::size_t kMaxLineBytes = 64u << 20;  // a 32 MiB blob read as hex
constexpr milliseconds kGracePeriod{1000};

std::string errno_text(int e) { return std::strerror(e); }

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int ms_until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1000 * 1000));
}

// For messages: a long command (a `write` with its hex payload) cut short.
std::string shorten(const std::string& s) { return s.size() <= 80 ? s : s.substr(0, 77) + "..."; }

std::string seconds_text(milliseconds ms) {
    auto s = ms.count() / 1000;
    return std::to_string(s) + (ms.count() % 1000 ? "." + std::to_string(ms.count() % 1000 / 100) : "") + " s";
}

}  // namespace

fs::path resolve_program(const std::string& program) {
    if (program.empty()) fail("--qemu: empty program name", ErrorKind::Usage);
    if (program.find('/') != std::string::npos) {
        if (::access(program.c_str(), X_OK) != 0) fail(program + ": cannot execute: " + errno_text(errno), ErrorKind::Io);
        if (fs::is_directory(program)) fail(program + ": is a directory, expected the QEMU executable", ErrorKind::Io);
        return program;
    }
    const char* env = std::getenv("PATH");
    std::string path = env && *env ? env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    for (;;) {
        std::size_t colon = path.find(':', start);
        std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    fail(program + ": not found in PATH (give its path with --qemu)", ErrorKind::Io);
}

// A child with /dev/null as stdin and its stdout/stderr on pipes we drain,
// keeping the tails for messages.
class ChildProcess {
public:
    ChildProcess() = default;
    ~ChildProcess() { stop(); }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void spawn(const fs::path& program, const std::vector<std::string>& args) {
        // Everything the child needs is prepared here: between fork and exec
        // only async-signal-safe calls are allowed.
        std::vector<std::string> argv_store;
        argv_store.push_back(program.string());
        argv_store.insert(argv_store.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_store) argv.push_back(a.data());
        argv.push_back(nullptr);

        int devnull = -1, out[2] = {-1, -1}, err[2] = {-1, -1}, exec_err[2] = {-1, -1};
        auto close_all = [&] {
            for (int* fd : {&devnull, &out[0], &out[1], &err[0], &err[1], &exec_err[0], &exec_err[1]}) close_fd(*fd);
        };
        devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull < 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 || ::pipe2(exec_err, O_CLOEXEC) != 0) {
            int e = errno;
            close_all();
            fail("cannot create pipes: " + errno_text(e), ErrorKind::Io);
        }
        const pid_t parent = ::getpid();
        pid_t pid = ::fork();
        if (pid < 0) {
            int e = errno;
            close_all();
            fail("cannot fork: " + errno_text(e), ErrorKind::Io);
        }
        if (pid == 0) {
            // QEMU must not outlive us, whatever kills us.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            // Its own process group, so stopping it also stops any helper it
            // started; stdin is /dev/null, so it never needs the terminal.
            ::setpgid(0, 0);
            ::signal(SIGPIPE, SIG_DFL);
            ::dup2(devnull, 0);
            ::dup2(out[1], 1);
            ::dup2(err[1], 2);
            ::execv(argv[0], argv.data());
            int e = errno;
            ssize_t ignored = ::write(exec_err[1], &e, sizeof e);
            (void)ignored;
            ::_exit(127);
        }
        pid_ = pid;
        ::setpgid(pid, pid);  // also here: a stop() right after fork must reach the group
        for (int* fd : {&devnull, &out[1], &err[1], &exec_err[1]}) close_fd(*fd);
        out_fd_ = out[0];
        err_fd_ = err[0];
        set_nonblocking(out_fd_);
        set_nonblocking(err_fd_);
        // The exec-error pipe closes on a successful exec; otherwise it carries errno.
        int e = 0;
        ssize_t n;
        do n = ::read(exec_err[0], &e, sizeof e);
        while (n < 0 && errno == EINTR);
        ::close(exec_err[0]);
        if (n == static_cast<ssize_t>(sizeof e)) {
            stop();
            fail(program.string() + ": cannot execute: " + errno_text(e), ErrorKind::Io);
        }
    }

    // Drains output for up to timeout_ms; returns true as soon as `fd` (when
    // not -1) is ready for `events`.
    bool pump(int timeout_ms, int fd, short events) {
        pollfd fds[3];
        nfds_t n = 0;
        int fd_index = -1;
        if (fd >= 0) {
            fd_index = static_cast<int>(n);
            fds[n++] = pollfd{fd, events, 0};
        }
        if (out_fd_ >= 0) fds[n++] = pollfd{out_fd_, POLLIN, 0};
        if (err_fd_ >= 0) fds[n++] = pollfd{err_fd_, POLLIN, 0};
        if (n == 0) {
            std::this_thread::sleep_for(milliseconds(std::min(timeout_ms, 10)));
            return false;
        }
        int r = ::poll(fds, n, timeout_ms);
        if (r < 0) {
            if (errno == EINTR) return false;
            fail("poll failed: " + errno_text(errno), ErrorKind::Io);
        }
        bool ready = false;
        for (nfds_t i = 0; i < n; ++i) {
            if (!fds[i].revents) continue;
            if (static_cast<int>(i) == fd_index) ready = true;
            else if (fds[i].fd == out_fd_)
                drain(out_fd_, out_tail_);
            else if (fds[i].fd == err_fd_)
                drain(err_fd_, err_tail_);
        }
        return ready;
    }

    bool outputs_closed() const { return out_fd_ < 0 && err_fd_ < 0; }

    bool try_reap() {
        if (reaped_ || pid_ < 0) return reaped_;
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            status_ = status;
        }
        return reaped_;
    }

    // Gives the child `grace` to exit by itself while draining its output.
    void wait_exit(milliseconds grace) {
        auto until = Clock::now() + grace;
        while (!try_reap() && Clock::now() < until) pump(std::min(ms_until(until), 20), -1, 0);
        while (!outputs_closed() && Clock::now() < until) pump(std::min(ms_until(until), 20), -1, 0);
    }

    void stop() {
        if (pid_ > 0 && !try_reap()) {
            signalled_ = true;
            if (::kill(-pid_, SIGTERM) != 0) ::kill(pid_, SIGTERM);
            wait_exit(kGracePeriod);
            if (!reaped_) {
                if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
                int status = 0;
                while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
                }
                reaped_ = true;
                status_ = status;
            }
        }
        close_fd(out_fd_);
        close_fd(err_fd_);
    }

    bool reaped() const { return reaped_; }
    bool killed_by_us() const { return signalled_; }
    int status() const { return status_; }

    std::string exit_text() const {
        if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
        if (WIFSIGNALED(status_)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status_));
        return "ended";
    }

    const std::string& out_tail() const { return out_tail_; }
    const std::string& err_tail() const { return err_tail_; }

    // stderr's last lines (stdout's when stderr is empty), on one line.
    std::string tail_text() const {
        const std::string& src = err_tail_.find_first_not_of(" \r\n\t") != std::string::npos ? err_tail_ : out_tail_;
        std::vector<std::string> lines;
        std::size_t start = 0;
        while (start < src.size()) {
            std::size_t nl = src.find('\n', start);
            std::string line = src.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            if (!line.empty()) lines.push_back(line);
            if (nl == std::string::npos) break;
            start = nl + 1;
        }
        if (lines.size() > 8) lines.erase(lines.begin(), lines.end() - 8);
        std::string joined;
        for (const auto& l : lines) joined += (joined.empty() ? "" : "; ") + l;
        return joined;
    }

private:
    void drain(int& fd, std::string& tail) {
        char buf[16384];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) {
                tail.append(buf, static_cast<std::size_t>(n));
                if (tail.size() > kTailBytes) tail.erase(0, tail.size() - kTailBytes);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
            close_fd(fd);
            return;
        }
    }

    pid_t pid_ = -1;
    bool reaped_ = false;
    bool signalled_ = false;
    int status_ = 0;
    int out_fd_ = -1, err_fd_ = -1;
    std::string out_tail_, err_tail_;
};

QemuProcess::QemuProcess(milliseconds timeout) : timeout_(timeout), deadline_(Clock::now() + timeout) {
    // sun_path holds ~108 bytes: fall back to /tmp when TMPDIR is deep.
    std::string base = fs::temp_directory_path().string();
    if (base.size() > 60) base = "/tmp";
    std::string tmpl = base + "/tdximage-qtest-XXXXXX";
    if (!::mkdtemp(tmpl.data())) fail(tmpl + ": cannot create a private directory for the qtest socket: " + errno_text(errno), ErrorKind::Io);
    dir_ = tmpl;
    std::string sock = (dir_ / "qtest.sock").string();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 1) != 0) {
        int e = errno;
        close_fd(listen_fd_);
        std::error_code ec;
        fs::remove_all(dir_, ec);
        fail(sock + ": cannot listen for QEMU's qtest connection: " + errno_text(e), ErrorKind::Io);
    }
}

QemuProcess::~QemuProcess() {
    try {
        stop();
    } catch (...) {
    }
    close_fd(listen_fd_);
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string QemuProcess::qtest_chardev() const { return "unix:" + (dir_ / "qtest.sock").string(); }

void QemuProcess::start(const fs::path& program, const std::vector<std::string>& args) {
    child_ = std::make_unique<ChildProcess>();
    child_->spawn(program, args);
}

void QemuProcess::wait_for(int fd, short events, const std::string& while_doing) {
    if (!child_) fail("QEMU was not started", ErrorKind::Io);
    for (;;) {
        int left = ms_until(deadline_);
        if (left == 0) {
            std::string tail = child_->tail_text();
            stop();
            fail("no progress within " + seconds_text(timeout_) + " (--timeout) while " + while_doing +
                     (last_command_.empty() ? "" : " (last command: '" + shorten(last_command_) + "')") + "; QEMU was stopped" +
                     (tail.empty() ? "" : ". QEMU said: " + tail),
                 ErrorKind::Io);
        }
        if (child_->pump(std::min(left, 200), fd, events)) return;
        if (child_->try_reap()) fail_closed(while_doing);
    }
}

void QemuProcess::fail_closed(const std::string& while_doing) {
    child_->wait_exit(milliseconds(1000));
    stop();
    std::string what = child_->killed_by_us() ? "closed the qtest connection" : child_->exit_text();
    std::string tail = child_->tail_text();
    fail(what + " while " + while_doing + (last_command_.empty() ? "" : " (last command: '" + shorten(last_command_) + "')") +
             (tail.empty() ? " without a message" : ": " + tail),
         ErrorKind::BadInput);
}

void QemuProcess::accept_qtest() {
    const std::string doing = "starting (before it connected to the qtest socket)";
    wait_for(listen_fd_, POLLIN, doing);
    conn_fd_ = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (conn_fd_ < 0) fail("cannot accept the qtest connection: " + errno_text(errno), ErrorKind::Io);
    close_fd(listen_fd_);
    // The connection outlives its name: leave nothing behind even if we are killed later.
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
}

void QemuProcess::send_line(const std::string& line) {
    last_command_ = line;
    std::string data = line + "\n";
    std::size_t sent = 0;
    while (sent < data.size()) {
        // MSG_NOSIGNAL: a QEMU that went away is an error message, not SIGPIPE.
        ssize_t n = ::send(conn_fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            wait_for(conn_fd_, POLLOUT, "sending a command");
            continue;
        }
        fail_closed("receiving a command");
    }
}

std::string QemuProcess::read_line() {
    for (;;) {
        std::size_t nl = rx_.find('\n');
        if (nl != std::string::npos) {
            std::string line = rx_.substr(0, nl);
            rx_.erase(0, nl + 1);
            return line;
        }
        if (rx_.size() > kMaxLineBytes)
            fail("qtest reply longer than " + std::to_string(kMaxLineBytes) + " bytes (last command: '" + shorten(last_command_) + "')");
        wait_for(conn_fd_, POLLIN, "waiting for a qtest reply");
        char buf[65536];
        ssize_t n = ::recv(conn_fd_, buf, sizeof buf, 0);
        if (n > 0) rx_.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            fail_closed("waiting for a qtest reply");
    }
}

void QemuProcess::stop() {
    close_fd(conn_fd_);
    if (child_) child_->stop();
}

std::string QemuProcess::output_tail() const { return child_ ? child_->tail_text() : std::string(); }

std::string run_and_capture(const fs::path& program, const std::vector<std::string>& args, milliseconds timeout) {
    std::string what = program.filename().string();
    for (const auto& a : args) what += " " + a;
    const auto deadline = Clock::now() + timeout;
    ChildProcess child;
    child.spawn(program, args);
    while (!child.outputs_closed()) {
        int left = ms_until(deadline);
        if (left == 0) {
            child.stop();
            fail(what + ": no answer within " + seconds_text(timeout) + "; stopped it", ErrorKind::Io);
        }
        child.pump(std::min(left, 200), -1, 0);
    }
    child.wait_exit(milliseconds(ms_until(deadline)));
    child.stop();
    if (child.killed_by_us() || !WIFEXITED(child.status()) || WEXITSTATUS(child.status()) != 0) {
        std::string tail = child.tail_text();
        fail(what + " " + (child.killed_by_us() ? std::string("did not exit") : child.exit_text()) + (tail.empty() ? "" : ": " + tail),
             ErrorKind::BadInput);
    }
    return child.out_tail();
}

}  // namespace tdx::builder
