// The qtest protocol layer without QEMU: reply parsing and the exact command
// text sent, over a scripted channel.
#include "tests/support/catch.h"

#include <deque>

#include "base/error.h"
#include "qemu/qtest_client.h"

using namespace tdx::builder;

namespace {

// Replays canned reply lines and records what was sent.
class ScriptedChannel : public LineChannel {
public:
    explicit ScriptedChannel(std::deque<std::string> replies) : replies_(std::move(replies)) {}
    void send_line(const std::string& line) override { sent.push_back(line); }
    std::string read_line() override {
        if (replies_.empty()) throw tdx::Error("script exhausted");
        std::string r = replies_.front();
        replies_.pop_front();
        return r;
    }
    std::vector<std::string> sent;

private:
    std::deque<std::string> replies_;
};

}  // namespace

TEST_CASE("qtest replies: OK with and without a value, IRQ lines skipped, FAIL/ERR/garbage rejected with the command") {
    CHECK(parse_qtest_reply("OK", "outl 0xcf8 0x0") == std::string());
    CHECK(parse_qtest_reply("OK 0x29c08086", "inl 0xcfc") == std::string("0x29c08086"));
    CHECK_FALSE(parse_qtest_reply("IRQ raise 4", "inb 0x511").has_value());
    CHECK_FALSE(parse_qtest_reply("IRQ lower 4", "inb 0x511").has_value());
    CHECK_THROWS_WITH(parse_qtest_reply("FAIL Unknown command 'outz'", "outz 0x1 0x2"),
                      TDX_CONTAINS("QEMU refused 'outz 0x1 0x2'") && TDX_CONTAINS("FAIL Unknown command"));
    CHECK_THROWS_WITH(parse_qtest_reply("ERR invalid argument size", "write 0x0 0x1 0x"), TDX_CONTAINS("QEMU refused"));
    CHECK_THROWS_WITH(parse_qtest_reply("OKAY", "inb 0x511"), TDX_CONTAINS("unexpected reply 'OKAY' to 'inb 0x511'"));
    CHECK_THROWS_WITH(parse_qtest_reply("", "inb 0x511"), TDX_CONTAINS("unexpected reply"));
}

TEST_CASE("qtest numbers: hex within the access width") {
    CHECK(parse_qtest_number("0x29c08086", 0xffffffff, "inl 0xcfc") == 0x29c08086);
    CHECK(parse_qtest_number("0x0", 0xff, "inb 0x511") == 0);
    CHECK(parse_qtest_number("0xFF", 0xff, "inb 0x511") == 0xff);
    CHECK_THROWS_WITH(parse_qtest_number("0x100", 0xff, "inb 0x511"), TDX_CONTAINS("not a number up to 0xff"));
    CHECK_THROWS_WITH(parse_qtest_number("12", 0xff, "inb 0x511"), TDX_CONTAINS("'OK 12' to 'inb 0x511'"));
    CHECK_THROWS(parse_qtest_number("0x", 0xff, "inb 0x511"));
    CHECK_THROWS(parse_qtest_number("0xg1", 0xff, "inb 0x511"));
    CHECK_THROWS(parse_qtest_number("0x11111111111111111", ~0ull, "read"));
}

TEST_CASE("qtest memory payloads: exactly the requested bytes as hex") {
    CHECK(parse_qtest_hex("0x00ff10Ab", 4, "read 0x0 0x4") == std::vector<std::uint8_t>{0x00, 0xff, 0x10, 0xab});
    CHECK_THROWS_WITH(parse_qtest_hex("0x00ff", 4, "read 0x0 0x4"), TDX_CONTAINS("should hold 4 bytes"));
    CHECK_THROWS_WITH(parse_qtest_hex("0x00fz", 2, "read 0x0 0x2"), TDX_CONTAINS("non-hex character at byte 1"));
    CHECK_THROWS(parse_qtest_hex("00ff", 1, "read 0x0 0x1"));
    const std::uint8_t b[] = {0xde, 0xad, 0x00, 0x01};
    CHECK(qtest_hex(tdx::Bytes(b, 4)) == "0xdead0001");
}

TEST_CASE("QtestClient sends QEMU's command syntax and skips interrupt notifications") {
    ScriptedChannel ch({"OK", "IRQ raise 9", "OK 0x29c08086", "OK 0x01", "OK 0x0600", "OK 0x51454d55", "OK", "OK"});
    QtestClient q(ch);
    q.outl(0xcf8, 0x80000000);
    CHECK(q.inl(0xcfc) == 0x29c08086);
    CHECK(q.inb(0x511) == 1);
    CHECK(q.inw(0x600) == 0x600);
    CHECK(q.read(0x100000, 4) == std::vector<std::uint8_t>{0x51, 0x45, 0x4d, 0x55});
    const std::uint8_t desc[] = {0x00, 0x19, 0x00, 0x0a};
    q.write(0x100000, tdx::Bytes(desc, 4));
    q.outw(0x510, 0x19);
    CHECK(ch.sent == std::vector<std::string>{"outl 0xcf8 0x80000000", "inl 0xcfc", "inb 0x511", "inw 0x600", "read 0x100000 0x4",
                                              "write 0x100000 0x4 0x0019000a", "outw 0x510 0x19"});
    // Zero-length transfers never reach QEMU (it asserts on them).
    CHECK(q.read(0x100000, 0).empty());
    q.write(0x100000, tdx::Bytes());
    CHECK(ch.sent.size() == 7);
}

TEST_CASE("QtestClient reports a refused command and a value wider than the access") {
    ScriptedChannel ch({"FAIL Unknown command 'inl'", "OK 0x1ff"});
    QtestClient q(ch);
    CHECK_THROWS_WITH(q.inl(0xcfc), TDX_CONTAINS("QEMU refused 'inl 0xcfc'"));
    CHECK_THROWS_WITH(q.inb(0x511), TDX_CONTAINS("not a number up to 0xff"));
}
