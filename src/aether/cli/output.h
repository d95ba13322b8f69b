// Terminal output for the CLI: human lines on stdout (colored only on a TTY and without
// NO_COLOR / --no-color), JSON documents for --json, the one-line "aether: …" error on stderr,
// and an upload progress bar drawn on stderr only when stderr is a TTY. One per process;
// used from the main thread only.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace aether::cli {

class Output {
 public:
  // Detects TTYs on stdout/stderr and honours NO_COLOR.
  Output(bool json, bool no_color);

  bool json() const { return json_; }
  bool stdin_tty() const { return stdin_tty_; }
  bool stderr_tty() const { return stderr_tty_; }
  // Whether stdout gets colours (a TTY, no --json, --no-color, NO_COLOR or TERM=dumb).
  bool color() const { return color_; }

  // Styled text for stdout (plain when colors are off).
  std::string Bold(std::string_view s) const { return Style("1", s); }
  std::string Dim(std::string_view s) const { return Style("2", s); }
  std::string Green(std::string_view s) const { return Style("32", s); }
  std::string Red(std::string_view s) const { return Style("31", s); }
  std::string Cyan(std::string_view s) const { return Style("36", s); }

  // A human line on stdout; dropped in --json mode.
  // With --json, human lines go to stderr so stdout carries only the JSON document.
  void Line(std::string_view text) const;
  // "aether: warning: …" on stderr, in every mode.
  void Warn(std::string_view message) const;
  // A JSON document on stdout (one line).
  void Json(const nlohmann::json& doc) const;
  // A status note on stderr ("aether: reconnecting…"), dim when colours are on and stderr is a
  // TTY; in every mode.
  void Notice(std::string_view message) const;
  // The single failure line: "aether: <message>" on stderr.
  void Error(std::string_view message) const;

  // Progress on stderr (TTY only): "\r  upload [####      ] 42% 1.2/2.9 MiB".
  void Progress(std::string_view label, int64_t done, int64_t total);
  // Clears the progress line, if one was drawn.
  void EndProgress();

 private:
  std::string Style(std::string_view code, std::string_view s) const;

  bool json_;
  bool color_;
  bool stdin_tty_;
  bool stderr_tty_;
  bool progress_drawn_ = false;
  int last_permille_ = -1;
};

// 1234 → "1.2 KiB"; 999 → "999 B".
std::string HumanBytes(int64_t bytes);
// 640 → "640ms"; 1500 → "1.50s"; 95000 → "1m35s".
std::string HumanMs(int64_t ms);

}  // namespace aether::cli
