// Size-rotated CRI log writer (rotating_file.h). POSIX file I/O on one descriptor.
#include "aether/logs/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "aether/logs/cri.h"

namespace aether::logs {
namespace {

constexpr size_t kFlushAt = size_t{256} * 1024;  // queued bytes that trigger a write on their own

Status Errno(const std::string& what, const std::string& path) {
  return Internal("cannot " + what + " " + path + ": " + std::strerror(errno));
}

int OpenAppend(const std::string& path, bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  return ::open(path.c_str(), flags, 0640);
}

}  // namespace

Result<std::unique_ptr<RotatingFile>> RotatingFile::Open(RotatingFileOptions options) {
  int fd = OpenAppend(options.path, false);
  if (fd < 0) return Errno("open", options.path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status err = Errno("stat", options.path);
    ::close(fd);
    return err;
  }
  return std::unique_ptr<RotatingFile>(new RotatingFile(std::move(options), fd, st.st_size));
}

RotatingFile::~RotatingFile() {
  (void)Flush();
  if (fd_ >= 0) ::close(fd_);
}

Status RotatingFile::Add(int64_t time_ns, std::string_view stream, std::string_view message,
                         bool partial) {
  // A long line's records go together: the whole group is checked against the size limit.
  std::string records;
  while (message.size() > kMaxRecordMessage) {
    records += FormatCri(time_ns, stream, message.substr(0, kMaxRecordMessage), true);
    message.remove_prefix(kMaxRecordMessage);
  }
  records += FormatCri(time_ns, stream, message, partial);
  return AddRecord(records);
}

Status RotatingFile::AddRecord(const std::string& record) {
  Status status = Status::Ok();
  if (size() > 0 && size() + static_cast<int64_t>(record.size()) > options_.max_bytes) {
    status = Flush();
    Status rotated = Rotate();
    if (status.ok()) status = rotated;
  }
  pending_ += record;
  if (pending_.size() >= kFlushAt) {
    Status flushed = Flush();
    if (status.ok()) status = flushed;
  }
  return status;
}

Status RotatingFile::Flush() {
  if (pending_.empty()) return Status::Ok();
  if (fd_ < 0) {
    pending_.clear();
    return Internal("cannot write " + options_.path + ": not open");
  }
  size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status err = Errno("write", options_.path);
      size_ += static_cast<int64_t>(done);
      pending_.clear();  // dropped: a full disk must not grow the agent's memory
      return err;
    }
    done += static_cast<size_t>(n);
  }
  size_ += static_cast<int64_t>(done);
  pending_.clear();
  return Status::Ok();
}

Status RotatingFile::Write(int64_t time_ns, std::string_view stream, std::string_view message) {
  Status added = Add(time_ns, stream, message);
  Status flushed = Flush();
  return added.ok() ? flushed : added;
}

Status RotatingFile::Rotate() {
  const std::string& path = options_.path;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  size_ = 0;
  Status status = Status::Ok();
  if (options_.keep > 0) {
    for (int i = options_.keep - 1; i >= 1; --i) {
      std::string from = path + "." + std::to_string(i);
      std::string to = path + "." + std::to_string(i + 1);
      if (std::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT && status.ok()) {
        status = Errno("rename", from);
      }
    }
    if (std::rename(path.c_str(), (path + ".1").c_str()) != 0 && errno != ENOENT && status.ok()) {
      status = Errno("rename", path);
    }
  }
  // Even when a rename failed: keep logging (appending to what is there).
  fd_ = OpenAppend(path, options_.keep <= 0);
  if (fd_ < 0) return Errno("open", path);
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = st.st_size;
  return status;
}

}  // namespace aether::logs
