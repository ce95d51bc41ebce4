#include "base/reporter.h"

namespace tdx {
namespace {

class Silent final : public Reporter {
public:
    void stage(const std::string&) override {}
    void note(const std::string&) override {}
    bool wants_progress() const override { return false; }
    unsigned progress_width() const override { return 80; }
    void progress_line(const std::string&) override {}
    void end_progress() override {}
};

}  // namespace

Reporter& silent_reporter() {
    static Silent silent;
    return silent;
}

}  // namespace tdx
