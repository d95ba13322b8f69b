// The agent's capture of the app's output (output.h): pipes read non-blocking, lines split and
// written to the rotating CRI file with one write(2) per Read.
#include "output.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "aether/logs/log_line.h"

namespace aether::agent {
namespace {

constexpr int64_t kReadBudget = 1 << 20;    // per stream and Read, so signals are not starved
constexpr int64_t kDrainBudget = 16 << 20;  // Read(all): a child left behind may keep writing
constexpr int kPipeSize = 1 << 20;          // room for bursts while the agent is busy

}  // namespace

Result<std::unique_ptr<AppOutput>> AppOutput::Open(logs::RotatingFileOptions file) {
  AETHER_ASSIGN_OR_RETURN(std::unique_ptr<logs::RotatingFile> f,
                          logs::RotatingFile::Open(std::move(file)));
  std::unique_ptr<AppOutput> out(new AppOutput(std::move(f)));
  for (Stream& s : out->streams_) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return Internal(std::string("cannot create a pipe: ") + std::strerror(errno));
    }
    s.read_fd = fds[0];
    s.write_fd = fds[1];
    ::fcntl(s.read_fd, F_SETFL, ::fcntl(s.read_fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(s.read_fd, F_SETPIPE_SZ, kPipeSize);  // best effort
  }
  return out;
}

AppOutput::~AppOutput() {
  for (Stream& s : streams_) {
    if (s.read_fd >= 0) ::close(s.read_fd);
    if (s.write_fd >= 0) ::close(s.write_fd);
  }
}

void AppOutput::RedirectChild() const {
  for (int target : {1, 2}) {
    int fd = streams_[target - 1].write_fd;
    if (fd == target) {
      ::fcntl(fd, F_SETFD, 0);  // keep it across exec
    } else {
      ::dup2(fd, target);  // the copy does not inherit close-on-exec
    }
  }
}

void AppOutput::Read(bool all) {
  for (Stream& s : streams_) ReadStream(s, all ? kDrainBudget : kReadBudget);
  Flush();
}

void AppOutput::ReadStream(Stream& s, int64_t budget) {
  char buf[64 * 1024];
  while (budget > 0) {
    size_t want = std::min<size_t>(sizeof buf, static_cast<size_t>(budget));
    ssize_t n = ::read(s.read_fd, buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EAGAIN: all read
    budget -= n;
    s.partial.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = s.partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      Add(s.name, std::string_view(s.partial).substr(start, nl - start), false);
    }
    s.partial.erase(0, start);
    // A line that does not end: written in parts, continued by the records that follow.
    size_t whole = s.partial.size() - s.partial.size() % logs::kMaxRecordMessage;
    if (whole > 0) {
      Add(s.name, std::string_view(s.partial).substr(0, whole), true);
      s.partial.erase(0, whole);
    }
  }
}

void AppOutput::FlushPartial() {
  for (Stream& s : streams_) {
    if (s.partial.empty()) continue;
    Add(s.name, s.partial, false);
    s.partial.clear();
  }
  Flush();
}

void AppOutput::Event(std::string_view message) {
  Add(logs::kEventStream, message, false);
  Flush();
}

void AppOutput::Add(std::string_view stream, std::string_view message, bool partial) {
  last_time_ = std::max(logs::NowNs(), last_time_ + 1);
  Report(file_->Add(last_time_, stream, message, partial));
}

void AppOutput::Flush() { Report(file_->Flush()); }

void AppOutput::Report(const Status& status) {
  if (status.ok() == !failing_) return;
  failing_ = !status.ok();
  if (failing_) {
    std::fprintf(stderr, "aether-agent: run: log file: %s (lines are dropped)\n",
                 status.message().c_str());
  } else {
    std::fprintf(stderr, "aether-agent: run: log file: writing again\n");
  }
}

}  // namespace aether::agent
