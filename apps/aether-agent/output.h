// AppOutput: the app's stdout and stderr, captured through two pipes and written line by line,
// with the time each line was received, to a size-rotated CRI log file (logs::RotatingFile),
// together with the agent's own notices as "event" records. The supervisor polls the pipes'
// read ends and calls Read; every call ends in one write(2) of what it gathered, so a line
// reaches the file as soon as the agent wakes. Not thread-safe: the supervisor's loop only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aether/core/status.h"
#include "aether/logs/rotating_file.h"

namespace aether::agent {

class AppOutput {
 public:
  // Opens the log file and creates the pipes (close-on-exec; read ends non-blocking).
  static Result<std::unique_ptr<AppOutput>> Open(logs::RotatingFileOptions file);
  ~AppOutput();
  AppOutput(const AppOutput&) = delete;
  AppOutput& operator=(const AppOutput&) = delete;

  // In the forked child, before exec: makes the pipes its fds 1 and 2.
  void RedirectChild() const;
  // The read ends to poll for POLLIN.
  int stdout_fd() const { return streams_[0].read_fd; }
  int stderr_fd() const { return streams_[1].read_fd; }

  // Writes the complete lines waiting in the pipes: up to 1 MiB per stream, or with `all` (the
  // process has exited) up to 16 MiB. Never blocks on the pipes.
  void Read(bool all);
  // Writes each stream's last line even without its '\n' (the process has exited).
  void FlushPartial();
  // An agent notice (start, crash, restart, swap, stop) as an "event" record.
  void Event(std::string_view message);

 private:
  struct Stream {
    const char* name;
    int read_fd = -1;
    int write_fd = -1;
    std::string partial;  // received without its '\n' yet
  };
  explicit AppOutput(std::unique_ptr<logs::RotatingFile> file) : file_(std::move(file)) {}
  // Reads up to `budget` bytes of one stream.
  void ReadStream(Stream& s, int64_t budget);
  void Add(std::string_view stream, std::string_view message, bool partial);
  void Flush();
  void Report(const Status& status);

  std::unique_ptr<logs::RotatingFile> file_;
  Stream streams_[2] = {{"stdout", -1, -1, {}}, {"stderr", -1, -1, {}}};
  int64_t last_time_ = 0;  // record times strictly increase: file order is time order
  bool failing_ = false;   // a write error was reported; reported again once it recovers
};

}  // namespace aether::agent
