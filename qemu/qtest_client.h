// QEMU's qtest protocol (softmmu/qtest.c): one text command per line, one
// reply per command, "OK" with an optional value, or "FAIL ..." / "ERR ..."
// for a command QEMU refuses. Lines starting with "IRQ" are asynchronous
// interrupt notifications (sent after irq_intercept_*) that can arrive
// between a command and its reply; they are skipped. The CPU never runs:
// these commands act on the machine's I/O ports and guest memory directly,
// as the firmware would.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "qemu/qemu_process.h"

namespace tdx::builder {

class QtestClient {
public:
    explicit QtestClient(LineChannel& channel) : channel_(channel) {}

    void outb(std::uint16_t port, std::uint8_t value);
    void outw(std::uint16_t port, std::uint16_t value);
    void outl(std::uint16_t port, std::uint32_t value);
    std::uint8_t inb(std::uint16_t port);
    std::uint16_t inw(std::uint16_t port);
    std::uint32_t inl(std::uint16_t port);

    // Guest-physical memory, as the devices' DMA sees it.
    std::vector<std::uint8_t> read(std::uint64_t address, std::uint64_t size);
    void write(std::uint64_t address, Bytes data);

    // Sends one command line and returns the text after "OK" (may be empty).
    // Throws tdx::Error quoting the command and QEMU's reply otherwise.
    std::string command(const std::string& line);

private:
    LineChannel& channel_;
};

// One reply line to `command`: the value after "OK" (empty when there is
// none), std::nullopt for an asynchronous "IRQ ..." line; throws for
// "FAIL"/"ERR" and anything else.
std::optional<std::string> parse_qtest_reply(const std::string& line, const std::string& command);

// A number in a reply ("0x29c08086"); throws when it is not hex or exceeds `max`.
std::uint64_t parse_qtest_number(const std::string& value, std::uint64_t max, const std::string& command);

// The payload of a `read` reply ("0x" + two hex digits per byte); throws
// unless it holds exactly `size` bytes.
std::vector<std::uint8_t> parse_qtest_hex(const std::string& value, std::uint64_t size, const std::string& command);

// "0x" + two lowercase hex digits per byte, the `write` payload format.
std::string qtest_hex(Bytes data);

}  // namespace tdx::builder
