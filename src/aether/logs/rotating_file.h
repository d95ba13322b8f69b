// RotatingFile: appends CRI-format records (cri.h) to a log file, rotating it by size the way
// the kubelet does: when a record would take the file past `max_bytes`, path.(keep-1) →
// path.keep, …, path → path.1, and a fresh path is opened (O_APPEND, mode 0640). Records are
// gathered by Add and written with one write() per Flush, so a reader never waits on a buffer.
// Messages longer than kMaxRecordMessage are split into "P" records ended by an "F" record (or a
// "P" one when the caller says the line goes on). Not thread-safe: one writer (the agent's loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aether/core/status.h"

namespace aether::logs {

inline constexpr size_t kMaxRecordMessage = size_t{16} * 1024;

struct RotatingFileOptions {
  std::string path;
  int64_t max_bytes = int64_t{10} * 1024 * 1024;
  int keep = 3;  // rotated files kept beside path (path.1 … path.keep); 0 truncates instead
};

class RotatingFile {
 public:
  // Opens (creating) options.path for appending. kInternal naming the path on failure.
  static Result<std::unique_ptr<RotatingFile>> Open(RotatingFileOptions options);
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Queues one line (`message` without '\n'); `partial`: the line continues in a later record.
  // Rotates first when the queued records would not fit.
  Status Add(int64_t time_ns, std::string_view stream, std::string_view message,
             bool partial = false);
  // Writes what Add queued.
  Status Flush();
  // Add and Flush.
  Status Write(int64_t time_ns, std::string_view stream, std::string_view message);

  // Bytes in the current file, counting what is queued.
  int64_t size() const { return size_ + static_cast<int64_t>(pending_.size()); }

 private:
  RotatingFile(RotatingFileOptions options, int fd, int64_t size)
      : options_(std::move(options)), fd_(fd), size_(size) {}
  Status AddRecord(const std::string& record);
  Status Rotate();

  const RotatingFileOptions options_;
  int fd_ = -1;
  int64_t size_ = 0;     // bytes written to the current file
  std::string pending_;  // records queued by Add
};

}  // namespace aether::logs
