#include "cli/stderr_reporter.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace tdx::cli {

StderrReporter::StderrReporter(bool quiet) : quiet_(quiet), terminal_(!quiet && ::isatty(STDERR_FILENO) == 1) {}

void StderrReporter::stage(const std::string& text) {
    if (terminal_) std::fprintf(stderr, "tdximage: [%d] %s\n", ++stage_, text.c_str());
}

void StderrReporter::note(const std::string& text) {
    if (!quiet_) std::fprintf(stderr, "tdximage: %s\n", text.c_str());
}

unsigned StderrReporter::progress_width() const {
    struct winsize ws {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
    return 80;
}

void StderrReporter::progress_line(const std::string& line) {
    if (!terminal_) return;
    // \r and erase-to-end-of-line: the only control sequences used.
    std::fprintf(stderr, "\r%s\x1b[K", line.c_str());
    std::fflush(stderr);
}

void StderrReporter::end_progress() {
    if (!terminal_) return;
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

}  // namespace tdx::cli
