// Inputs read whole, as a user can give them: a device that never ends, a
// huge sparse file, a FIFO nobody writes to, a pipe from a shell. Each ends
// in exit 2 naming the file and the limit (or works, for a pipe), quickly and
// without taking the machine's memory.
#include "tests/support/catch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "measure/event_types.h"
#include "measure/tcg_event_log_writer.h"
#include "tests/measure/eventlog_scenario.h"
#include "tests/ovmf/tdvf_builder.h"
#include "tests/support/require_tool.h"
#include "tests/support/test_env.h"

using namespace tdx;
using namespace tdx::test;

namespace {

// A file of `size` bytes of which none is stored; false when the file system
// cannot hold it.
bool make_sparse(const std::filesystem::path& p, off_t size) {
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return false;
    const bool ok = ::ftruncate(fd, size) == 0;
    ::close(fd);
    return ok;
}

void check_refused(const RunResult& r, const std::string& file, const std::string& limit_name) {
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, TDX_CONTAINS(file + ": "));
    CHECK_THAT(r.err, TDX_CONTAINS("exceeds the limit " + limit_name));
}

}  // namespace

TEST_CASE("input bounds: /dev/zero as firmware, kernel or event log is refused at its limit, naming it") {
    TempDir d;
    write_bytes(d / "fw.fd", TdvfBuilder{}.build());
    // The firmware has its own, firmware-sized limit: no lowering needed.
    check_refused(run_tool({"measure", "--ovmf", "/dev/zero"}), "/dev/zero", "firmware-size (64 MiB)");
    check_refused(run_tool({"inspect", "ovmf", "/dev/zero"}), "/dev/zero", "firmware-size");
    check_refused(run_tool({"measure", "--ovmf", (d / "fw.fd").string(), "--kernel", "/dev/zero", "--limit", "input-size=1M"}), "/dev/zero",
                  "input-size (1 MiB)");
    check_refused(run_tool({"eventlog", "show", "/dev/zero", "--limit", "input-size=1M"}), "/dev/zero", "input-size (1 MiB)");
    write_bytes(d / "ccel.bin", ccel_of({}));
    check_refused(run_tool({"eventlog", "compare", (d / "ccel.bin").string(), "--expected", "/dev/zero", "--limit", "document-size=1M"}),
                  "/dev/zero", "document-size (1 MiB)");
}

TEST_CASE("input bounds: a huge sparse firmware is refused by its size before it is scanned") {
    TempDir d;
    if (!make_sparse(d / "huge.fd", off_t{100} << 30)) {
        require(false, "a temporary file system that holds a 100 GiB sparse file");
        return;
    }
    REQUIRE(make_sparse(d / "big.fd", off_t{65} << 20));
    check_refused(run_tool({"measure", "--ovmf", (d / "huge.fd").string()}), (d / "huge.fd").string(), "firmware-size");
    // Above firmware-size, below input-size: still refused before the scan.
    check_refused(run_tool({"measure", "--ovmf", (d / "big.fd").string(), "--limit", "input-size=128G"}), (d / "big.fd").string(),
                  "firmware-size");
    check_refused(run_tool({"inspect", "ovmf", (d / "huge.fd").string()}), (d / "huge.fd").string(), "firmware-size");
}

TEST_CASE("input bounds: a kernel without MZ fails at once, before the rest of it is hashed or copied") {
    TempDir d;
    write_bytes(d / "fw.fd", TdvfBuilder{}.build());
    // 100 GiB of holes: hashing it takes minutes and QEMU's patched copy of
    // it cannot be allocated, so only a check of the first bytes ends quickly.
    if (!make_sparse(d / "vmlinuz", off_t{100} << 30)) {
        require(false, "a temporary file system that holds a 100 GiB sparse file");
        return;
    }
    auto r = run_tool({"measure", "--ovmf", (d / "fw.fd").string(), "--kernel", (d / "vmlinuz").string(), "--limit", "input-size=128G"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS((d / "vmlinuz").string() + ": not a valid PE/COFF image: no \"MZ\" signature at offset 0"));
}

TEST_CASE("input bounds: a FIFO without a writer does not hang, a shell's pipe is read") {
    TempDir d;
    REQUIRE(::mkfifo((d / "fifo").c_str(), 0600) == 0);
    auto r = run_tool({"eventlog", "show", (d / "fifo").string()});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, TDX_CONTAINS((d / "fifo").string() + ": the event log is empty"));

    if (!require_tool("/bin/bash")) return;  // for a <(...) pipe
    write_bytes(d / "ccel.bin", ccel_of({}));
    const std::string cmd = "'" + tool_path().string() + "' eventlog replay <(cat '" + (d / "ccel.bin").string() + "')";
    auto piped = run({"/bin/bash", "-c", cmd});
    auto direct = run_tool({"eventlog", "replay", (d / "ccel.bin").string()});
    INFO(piped.err);
    CHECK(piped.exit_code == 0);
    CHECK(piped.out == direct.out);
}

TEST_CASE("input bounds: a log of tiny device-path nodes is bounded by event-log-nodes, naming the log") {
    TempDir d;
    // EV_EFI_BOOT_SERVICES_APPLICATION events whose device paths are 4-byte
    // nodes: 64 KiB of data decode to 16384 nodes each.
    std::vector<std::uint8_t> image(24, 0);
    std::vector<std::uint8_t> path;
    for (int i = 0; i < 16384; ++i) path.insert(path.end(), {0x01, 0x99, 0x04, 0x00});
    path.insert(path.end(), {0x7f, 0xff, 0x04, 0x00});
    scenario_detail::put_le(image, path.size(), 8);
    image.insert(image.end(), path.begin(), path.end());
    std::vector<MeasuredEvent> events;
    for (int i = 0; i < 4; ++i) {
        MeasuredEvent e;
        e.rtmr = 1;
        e.type = ev::kEfiBootServicesApplication;
        e.data = image;
        events.push_back(e);
    }
    write_bytes(d / "nodes.bin", write_tdx_event_log(events));
    for (const char* json : {"", "--json"}) {
        std::vector<std::string> args = {"eventlog", "show", (d / "nodes.bin").string(), "--limit", "event-log-nodes=50000"};
        if (*json) args.push_back(json);
        auto r = run_tool(args);
        INFO(json << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, TDX_CONTAINS((d / "nodes.bin").string() + ": the structures decoded from its events"));
        CHECK_THAT(r.err, TDX_CONTAINS("exceeds the limit event-log-nodes (50000)"));
        args[4] = "event-log-nodes=70000";
        CHECK(run_tool(args).exit_code == 0);
    }
}
