// Output: TTY/color detection, lines, JSON, errors and the progress bar.
#include "aether/cli/output.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace aether::cli {

Output::Output(bool json, bool no_color)
    : json_(json),
      stdin_tty_(::isatty(STDIN_FILENO) == 1),
      stderr_tty_(::isatty(STDERR_FILENO) == 1) {
  const char* env = std::getenv("NO_COLOR");
  bool env_no_color = env != nullptr && *env != '\0';
  const char* term = std::getenv("TERM");
  bool dumb = term != nullptr && std::string_view(term) == "dumb";
  color_ = !json && !no_color && !env_no_color && !dumb && ::isatty(STDOUT_FILENO) == 1;
}

std::string Output::Style(std::string_view code, std::string_view s) const {
  if (!color_) return std::string(s);
  return "\033[" + std::string(code) + "m" + std::string(s) + "\033[0m";
}

void Output::Line(std::string_view text) const {
  FILE* to = json_ ? stderr : stdout;
  std::fwrite(text.data(), 1, text.size(), to);
  std::fputc('\n', to);
  std::fflush(to);
}

void Output::Warn(std::string_view message) const {
  std::string line = "aether: warning: " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void Output::Notice(std::string_view message) const {
  std::string line = "aether: " + std::string(message);
  if (color_ && stderr_tty_) line = "\033[2m" + line + "\033[0m";
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void Output::Json(const nlohmann::json& doc) const {
  std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void Output::Error(std::string_view message) const {
  std::string line = "aether: ";
  for (char c : message) line.push_back(c == '\n' || c == '\r' ? ' ' : c);  // one line, always
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void Output::Progress(std::string_view label, int64_t done, int64_t total) {
  if (!stderr_tty_) return;
  int permille = total > 0 ? static_cast<int>(done * 1000 / total) : 0;
  if (permille == last_permille_) return;
  last_permille_ = permille;
  constexpr int kWidth = 24;
  int filled = permille * kWidth / 1000;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, ' ');
  std::string line = "\r\033[K  " + std::string(label) + " [" + bar + "] " +
                     std::to_string(permille / 10) + "% " + HumanBytes(done) + " / " +
                     HumanBytes(total);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  progress_drawn_ = true;
}

void Output::EndProgress() {
  last_permille_ = -1;
  if (!progress_drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  progress_drawn_ = false;
}

std::string HumanBytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = -1;
  while (v >= 1024 && unit < 3) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  return buf;
}

std::string HumanMs(int64_t ms) {
  char buf[32];
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60000) {
    std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(ms) / 1000);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(ms / 60000),
                static_cast<long long>((ms % 60000) / 1000));
  return buf;
}

}  // namespace aether::cli
