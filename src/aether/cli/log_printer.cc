// LogPrinter: text and NDJSON rendering of log lines, with per-instance colours.
#include "aether/cli/log_printer.h"

#include <array>

#include "aether/cli/log_follow.h"

namespace aether::cli {
namespace {

// Cyan, green, magenta, yellow, blue, then their bright variants; red is left to errors.
constexpr std::array<std::string_view, 10> kPalette = {"36", "32", "35", "33", "34",
                                                       "96", "92", "95", "93", "94"};

}  // namespace

std::string_view LogPrinter::ColorOf(const std::string& instance) {
  auto [it, inserted] = colors_.try_emplace(instance, colors_.size() % kPalette.size());
  return kPalette[it->second];
}

bool LogPrinter::ToStderr(const logs::LogLine& line) const {
  return !json_ && IsMissedLinesNotice(line);
}

std::string LogPrinter::Format(const logs::LogLine& line, std::string_view ndjson) {
  if (json_) return std::string(ndjson) + "\n";
  std::string out;
  if (timestamps_) out = logs::FormatTime(line.time_ns) + " ";
  std::string prefix = (line.instance.empty() ? line.app : line.instance) + "/" + line.container;
  if (color_ && !IsMissedLinesNotice(line)) {
    prefix = "\033[" + std::string(ColorOf(line.instance)) + "m" + prefix + "\033[0m";
  }
  out += prefix;
  out += ' ';
  out += line.message;
  out += '\n';
  return out;
}

}  // namespace aether::cli
