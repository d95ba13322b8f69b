// CRI log line format: "<time> <stream> <F|P> <message>".
#include "aether/logs/cri.h"

#include "aether/logs/log_line.h"

namespace aether::logs {

std::string FormatCri(int64_t time_ns, std::string_view stream, std::string_view message,
                      bool partial) {
  std::string out = FormatTime(time_ns);
  out.reserve(out.size() + stream.size() + message.size() + 5);
  out += ' ';
  out += stream;
  out += partial ? " P " : " F ";
  out += message;
  out += '\n';
  return out;
}

std::optional<CriRecord> ParseCri(std::string_view line) {
  size_t a = line.find(' ');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = line.find(' ', a + 1);
  if (b == std::string_view::npos || b + 2 > line.size()) return std::nullopt;
  char tag = line[b + 1];
  if ((tag != 'F' && tag != 'P') || (b + 2 < line.size() && line[b + 2] != ' ')) {
    return std::nullopt;
  }
  auto t = ParseTime(line.substr(0, a));
  if (!t) return std::nullopt;
  CriRecord r;
  r.time_ns = *t;
  r.stream = line.substr(a + 1, b - a - 1);
  r.partial = tag == 'P';
  r.message = b + 3 <= line.size() ? line.substr(b + 3) : std::string_view();
  return r;
}

}  // namespace aether::logs
