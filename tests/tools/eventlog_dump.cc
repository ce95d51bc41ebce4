// Test helper: decodes a TCG2 crypto-agile event log with the project's own
// parser (measure/tcg_event_log.h).
//   tdximage_test_eventlog_dump unhex HEXTEXT OUT
//       converts whitespace-separated hex bytes (as printed by `od -An -v -tx1`)
//       into a binary file; any other character is an error.
//   tdximage_test_eventlog_dump show LOG
//       one line per record (offset, index, type, SHA-384, data summary), then
//       the SHA-384 replay of every index that has events.
//   tdximage_test_eventlog_dump replay LOG INDEX
//       prints the SHA-384 replay of INDEX as 96 lowercase hex digits.
#include <cstdint>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_io.h"
#include "measure/event_types.h"
#include "measure/tcg_event_log.h"

namespace {

std::vector<std::uint8_t> unhex(const std::string& text, const std::string& name) {
    std::vector<std::uint8_t> out;
    int high = -1;
    std::uint64_t line = 1;
    for (char c : text) {
        if (c == '\n') ++line;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (high >= 0) tdx::fail(name + ": line " + std::to_string(line) + ": odd number of hex digits");
            continue;
        }
        int v = tdx::hex_digit_value(c);
        if (v < 0) {
            tdx::fail(name + ": line " + std::to_string(line) + ": unexpected character '" + std::string(1, c) +
                      "' (console noise inside the hex dump?)");
        }
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0) tdx::fail(name + ": odd number of hex digits at the end");
    return out;
}

// A printable rendering of event data: ASCII, UTF-16LE text, or a hex prefix.
std::string describe_data(const tdx::TcgEvent& e) {
    const auto& d = e.data;
    if (e.type == tdx::ev::kEventTag) {
        auto t = tdx::parse_tagged_event(tdx::Bytes(d.data(), d.size()));
        if (t) {
            std::ostringstream s;
            s << "tag 0x" << std::hex << t->id << std::dec << " data ";
            std::string text;
            for (auto c : t->data) {
                if (c == 0) continue;
                text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
            }
            s << '"' << text << '"';
            return s.str();
        }
    }
    bool ascii = !d.empty();
    for (auto c : d) {
        if (!(c >= 0x20 && c < 0x7f) && c != 0) ascii = false;
    }
    if (ascii) {
        std::string text;
        for (auto c : d) {
            if (c != 0) text += static_cast<char>(c);
        }
        return '"' + text + '"';
    }
    std::size_t n = d.size() < 32 ? d.size() : 32;
    return std::to_string(d.size()) + " bytes " + tdx::to_hex(tdx::Bytes(d.data(), n)) + (n < d.size() ? "..." : "");
}

int usage(const char* argv0) {
    std::cerr << "usage: " << argv0 << " unhex HEXTEXT OUT | show LOG | replay LOG INDEX\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage(argv[0]);
    const std::string cmd = argv[1];
    try {
        if (cmd == "unhex" && argc == 4) {
            auto text = tdx::read_file(argv[2]);
            auto bytes = unhex(std::string(text.begin(), text.end()), argv[2]);
            tdx::write_file_atomically(argv[3], std::string(bytes.begin(), bytes.end()));
            return 0;
        }
        if ((cmd == "show" && argc == 3) || (cmd == "replay" && argc == 4)) {
            tdx::InputFile in(argv[2]);
            auto log = tdx::parse_tcg2_event_log(in.bytes(), argv[2]);
            if (cmd == "replay") {
                std::uint32_t index = static_cast<std::uint32_t>(std::stoul(argv[3]));
                std::cout << tdx::to_hex(tdx::replay_sha384(log, index)) << "\n";
                return 0;
            }
            std::cout << "algorithms:";
            for (const auto& a : log.algorithms) std::cout << " 0x" << std::hex << a.id << std::dec << "/" << a.digest_size;
            std::cout << "\n";
            std::set<std::uint32_t> indices;
            for (const auto& e : log.events) {
                auto d = e.sha384();
                std::cout << "0x" << std::hex << e.offset << std::dec << " pcr " << e.index << " " << tdx::event_type_name(e.type) << " sha384 "
                          << (d ? tdx::to_hex(*d) : std::string("-")) << " " << describe_data(e) << "\n";
                if (e.type != tdx::ev::kNoAction) indices.insert(e.index);
            }
            for (auto i : indices) std::cout << "replay pcr " << i << " sha384 " << tdx::to_hex(tdx::replay_sha384(log, i)) << "\n";
            return 0;
        }
    } catch (const tdx::Error& e) {
        std::cerr << "eventlog_dump: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "eventlog_dump: error: " << e.what() << "\n";
        return 2;
    }
    return usage(argv[0]);
}
