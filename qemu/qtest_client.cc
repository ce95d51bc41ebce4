#include "qemu/qtest_client.h"

#include "base/digest.h"
#include "base/error.h"

namespace tdx::builder {
namespace {

std::string quoted(const std::string& s) { return "'" + (s.size() <= 80 ? s : s.substr(0, 77) + "...") + "'"; }

std::string io_command(const char* verb, std::uint16_t port) { return std::string(verb) + " " + hex_u64(port); }

}  // namespace

std::optional<std::string> parse_qtest_reply(const std::string& line, const std::string& command) {
    auto starts = [&](const char* word) {
        std::string w(word);
        return line.compare(0, w.size(), w) == 0 && (line.size() == w.size() || line[w.size()] == ' ');
    };
    if (starts("IRQ")) return std::nullopt;
    if (starts("OK")) return line.size() > 3 ? line.substr(3) : std::string();
    if (starts("FAIL") || starts("ERR")) fail("qtest: QEMU refused " + quoted(command) + ": " + quoted(line));
    fail("qtest: unexpected reply " + quoted(line) + " to " + quoted(command));
}

std::uint64_t parse_qtest_number(const std::string& value, std::uint64_t max, const std::string& command) {
    auto bad = [&]() -> std::uint64_t {
        fail("qtest: reply " + quoted("OK " + value) + " to " + quoted(command) + " is not a number up to " + hex_u64(max));
    };
    if (value.size() < 3 || value.compare(0, 2, "0x") != 0 || value.size() > 2 + 16) return bad();
    std::uint64_t v = 0;
    for (std::size_t i = 2; i < value.size(); ++i) {
        int d = hex_digit_value(value[i]);
        if (d < 0) return bad();
        v = (v << 4) | static_cast<std::uint64_t>(d);
    }
    if (v > max) return bad();
    return v;
}

std::vector<std::uint8_t> parse_qtest_hex(const std::string& value, std::uint64_t size, const std::string& command) {
    if (value.compare(0, 2, "0x") != 0 || (value.size() - 2) != size * 2)
        fail("qtest: reply to " + quoted(command) + " should hold " + std::to_string(size) + " bytes as hex, got " +
             std::to_string(value.size()) + " characters");
    std::vector<std::uint8_t> out(static_cast<std::size_t>(size));
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hex_digit_value(value[2 + 2 * i]), lo = hex_digit_value(value[3 + 2 * i]);
        if (hi < 0 || lo < 0) fail("qtest: reply to " + quoted(command) + " has a non-hex character at byte " + std::to_string(i));
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

std::string qtest_hex(Bytes data) { return "0x" + to_hex(data); }

std::string QtestClient::command(const std::string& line) {
    channel_.send_line(line);
    for (;;) {
        std::optional<std::string> value = parse_qtest_reply(channel_.read_line(), line);
        if (value) return *value;
    }
}

void QtestClient::outb(std::uint16_t port, std::uint8_t value) { command(io_command("outb", port) + " " + hex_u64(value)); }
void QtestClient::outw(std::uint16_t port, std::uint16_t value) { command(io_command("outw", port) + " " + hex_u64(value)); }
void QtestClient::outl(std::uint16_t port, std::uint32_t value) { command(io_command("outl", port) + " " + hex_u64(value)); }

std::uint8_t QtestClient::inb(std::uint16_t port) {
    std::string cmd = io_command("inb", port);
    return static_cast<std::uint8_t>(parse_qtest_number(command(cmd), 0xff, cmd));
}

std::uint16_t QtestClient::inw(std::uint16_t port) {
    std::string cmd = io_command("inw", port);
    return static_cast<std::uint16_t>(parse_qtest_number(command(cmd), 0xffff, cmd));
}

std::uint32_t QtestClient::inl(std::uint16_t port) {
    std::string cmd = io_command("inl", port);
    return static_cast<std::uint32_t>(parse_qtest_number(command(cmd), 0xffffffffu, cmd));
}

std::vector<std::uint8_t> QtestClient::read(std::uint64_t address, std::uint64_t size) {
    // QEMU asserts on a zero-length read instead of replying.
    if (size == 0) return {};
    std::string cmd = "read " + hex_u64(address) + " " + hex_u64(size);
    return parse_qtest_hex(command(cmd), size, cmd);
}

void QtestClient::write(std::uint64_t address, Bytes data) {
    if (data.empty()) return;
    command("write " + hex_u64(address) + " " + hex_u64(data.size()) + " " + qtest_hex(data));
}

}  // namespace tdx::builder
