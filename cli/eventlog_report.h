// What `tdximage eventlog show|replay|compare` print: readable text on a
// terminal, or JSON ("tdximage.eventlog/v1", "tdximage.eventlog-compare/v1")
// with sorted keys, lowercase hex, and files named by file name only, so the
// same log prints the same bytes on any machine.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "measure/event_compare.h"
#include "measure/log_mapping.h"
#include "measure/tcg_event_log.h"
#include "measure/tcg_event_log_writer.h"

namespace tdx::cli {

struct LoadedLog {
    std::string file;  // file name only, for documents
    std::string path;  // as given, for errors
    std::uint64_t size = 0;
    LogMapping mapping = LogMapping::Tdx;
    TcgEventLog log;
    RtmrReplay replay;
    std::vector<PredictionGap> gaps;  // registers a predicted log declares incomplete
};

nlohmann::json eventlog_json(const LoadedLog& l, bool with_events);
void print_eventlog_show(std::ostream& out, const LoadedLog& l);
void print_eventlog_replay(std::ostream& out, const LoadedLog& l);

nlohmann::json eventlog_compare_json(const LoadedLog& l, const std::string& expected_file, const LogComparison& c);
void print_eventlog_compare(std::ostream& out, const LoadedLog& l, const std::string& expected_file, const LogComparison& c);

}  // namespace tdx::cli
