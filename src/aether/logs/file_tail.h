// Reading the CRI log files RotatingFile writes (<path>, <path>.1 … older): the history of a
// file family, oldest record first, and FileFollower, which reads what is appended to <path>
// from a given position and survives rotation and truncation (tail -F). Records split into "P"
// parts come back joined into one message. ReadLogHistory is a stateless function;
// FileFollower is not thread-safe (one owner polls it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aether/core/status.h"

namespace aether::logs {

// One log line read back from a file: stream "stdout", "stderr" or "event".
struct FileRecord {
  int64_t time_ns = 0;
  std::string stream;
  std::string message;

  bool operator==(const FileRecord&) const = default;
};

// A point in a file family: a file (by inode, whichever name it has now) and a byte offset.
// ino 0: no file yet.
struct TailPosition {
  dev_t dev = 0;
  ino_t ino = 0;
  int64_t offset = 0;

  bool operator==(const TailPosition&) const = default;
};

// The records of path.N … path.1 and path, oldest first. With `until`, reading stops in the file
// with until's inode at until.offset (files newer than it are left out; with until.ino == 0
// nothing is read). A missing family is empty; a final line without '\n' is left out; malformed
// lines are skipped.
std::vector<FileRecord> ReadLogHistory(const std::string& path,
                                       std::optional<TailPosition> until = std::nullopt);

// The same records read backwards from the end (or `until`) in blocks: `enough` sees each
// complete record newest first and returns true to stop there (that record included), so a tail
// or a recent `since` costs what it returns rather than the size of the files. The result is
// oldest first, like ReadLogHistory's.
std::vector<FileRecord> ReadLogHistoryBackward(
    const std::string& path, std::optional<TailPosition> until,
    const std::function<bool(const FileRecord&)>& enough);

// Joins the "P" parts of a long line with its "F" record, per stream (parts of one stream's line
// may be interleaved with other streams' lines). Lines that do not parse are skipped.
class RecordJoiner {
 public:
  // One line without its '\n'; appends the record it completes, if any, to *out.
  void Add(std::string_view line, std::vector<FileRecord>* out);

 private:
  std::vector<FileRecord> pending_;  // at most one per stream
};

class FileFollower {
 public:
  enum class Start {
    kBeginning,  // every record of the file now at path
    kEnd,        // only records appended from now on (a partial last line is read whole)
  };
  // Opens path now when it exists; when it does not, the file it later becomes is read from its
  // beginning whatever `start` says.
  FileFollower(std::string path, Start start);
  ~FileFollower();
  FileFollower(const FileFollower&) = delete;
  FileFollower& operator=(const FileFollower&) = delete;

  // The records completed since the last call (only '\n'-terminated lines; P parts are held
  // until their F). After a rotation, the old file is read to its end, then the new one from 0;
  // after a truncation, the file is read again from 0.
  std::vector<FileRecord> Poll();

  // Where the records not yet returned by Poll begin: ReadLogHistory(path, position()) and the
  // following Polls together return every record exactly once.
  TailPosition position() const;

  const std::string& path() const { return path_; }

 private:
  bool OpenPath(int64_t offset, bool at_end);
  void ReadToEnd(std::vector<FileRecord>* out);

  std::string path_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  int64_t offset_ = 0;  // bytes of the file read into buf_ so far
  std::string buf_;     // read but not yet a complete line
  RecordJoiner joiner_;
};

}  // namespace aether::logs
