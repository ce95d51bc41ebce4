#include "builder/fetch/progress.h"

#include <algorithm>
#include <cstdio>

#include "base/human_size.h"

namespace tdx::builder {

Progress::Progress(std::string label, Reporter& reporter) : label_(std::move(label)), reporter_(reporter), enabled_(reporter.wants_progress()) {}

Progress::~Progress() { finish(); }

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
    const unsigned width = std::max(20u, reporter_.progress_width());
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
    reporter_.progress_line(bar);
    drawn_ = true;
}

void Progress::finish() {
    if (!enabled_ || !drawn_) return;
    reporter_.end_progress();
    drawn_ = false;
}

}  // namespace tdx::builder
