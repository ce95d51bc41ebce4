#include "builder/fetch/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tdx::builder {
namespace {

unsigned terminal_width() {
    struct winsize ws {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
    return 80;
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

Progress::Progress(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}

Progress::~Progress() { finish(); }

bool Progress::wanted(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

void Progress::set_label(std::string label) { label_ = std::move(label); }

void Progress::update(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    // Redrawing on every libcurl callback would flood slow terminals.
    if (drawn_ && now - last_ < std::chrono::milliseconds(100) && !(total && done >= total)) return;
    last_ = now;
    draw(done, total);
}

void Progress::draw(std::uint64_t done, std::uint64_t total) {
    const unsigned width = terminal_width();
    std::string sizes = human_size(done) + (total ? " / " + human_size(total) : "");
    std::string bar;
    if (total) {
        // The bar takes what is left after label, percentage and sizes.
        const std::size_t fixed = 2 + 6 + sizes.size() + 2;
        const std::size_t label_room = width > fixed + 20 ? std::min<std::size_t>(label_.size(), width - fixed - 20) : 0;
        const std::size_t cells = width - 1 > fixed + label_room + 2 ? width - 1 - fixed - label_room - 2 : 0;
        const double frac = done >= total ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
        const auto filled = static_cast<std::size_t>(frac * static_cast<double>(cells));
        char pct[8];
        std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100.0));
        bar = label_.substr(0, label_room) + " [" + std::string(filled, '#') + std::string(cells - filled, ' ') + "] " + pct + "  " + sizes;
    } else {
        bar = label_ + "  " + sizes;
    }
    if (bar.size() >= width) bar.resize(width - 1);
    // \r and erase-to-end-of-line: the only control sequences used.
    std::fprintf(stderr, "\r%s\x1b[K", bar.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (!enabled_ || !drawn_) return;
    std::fputc('\n', stderr);
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace tdx::builder
