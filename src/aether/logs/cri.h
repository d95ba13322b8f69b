// The on-disk line format of local log files, as the CRI (kubelet) writes container logs:
// "<RFC 3339 nano time> <stream> <F|P> <message>\n". Stream is stdout, stderr or event (the
// agent's own notices: start, crash, restart). P marks a partial line (a very long line split,
// continued by the next record). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aether::logs {

struct CriRecord {
  int64_t time_ns = 0;
  std::string_view stream;
  bool partial = false;
  std::string_view message;
};

std::string FormatCri(int64_t time_ns, std::string_view stream, std::string_view message,
                      bool partial = false);
// One line without its '\n'; nullopt when malformed.
std::optional<CriRecord> ParseCri(std::string_view line);

}  // namespace aether::logs
