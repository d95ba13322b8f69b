// Reading rotated CRI log files (file_tail.h): history across the family, and a follower with
// tail -F semantics built on non-blocking read(2) and stat(2) checks.
#include "aether/logs/file_tail.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <utility>

#include "aether/logs/cri.h"

namespace aether::logs {
namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;
constexpr size_t kMaxLine = size_t{4} * 1024 * 1024;  // a longer run without '\n' is not a log line

// Feeds the complete lines of buf[0, end) to the joiner; returns how many bytes they took.
size_t TakeCompleteLines(std::string_view buf, RecordJoiner& joiner, std::vector<FileRecord>* out) {
  size_t start = 0;
  for (size_t nl; (nl = buf.find('\n', start)) != std::string_view::npos; start = nl + 1) {
    joiner.Add(buf.substr(start, nl - start), out);
  }
  return start;
}

struct OpenFile {
  int fd;
  struct stat st;
};

// The highest N of an existing path.N.
int HighestRotation(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".";
  int highest = 0;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (!name.starts_with(prefix)) continue;
    std::string_view digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 6 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      continue;
    }
    highest = std::max(highest, std::atoi(std::string(digits).c_str()));
  }
  ::closedir(d);
  return highest;
}

}  // namespace

void RecordJoiner::Add(std::string_view line, std::vector<FileRecord>* out) {
  std::optional<CriRecord> r = ParseCri(line);
  if (!r) return;
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const FileRecord& p) { return p.stream == r->stream; });
  if (it == pending_.end()) {
    if (!r->partial) {
      out->push_back({r->time_ns, std::string(r->stream), std::string(r->message)});
      return;
    }
    pending_.push_back({r->time_ns, std::string(r->stream), {}});
    it = pending_.end() - 1;
  }
  it->message += r->message;
  if (r->partial) return;
  out->push_back(std::move(*it));
  pending_.erase(it);
}

namespace {

// The family's files newest first, each opened once (a rotation meanwhile shows up as an inode
// seen twice and is skipped, never as a gap), and the index of the newest one to read: the file
// holding `until`, when given.
std::vector<OpenFile> OpenFamily(const std::string& path, const std::optional<TailPosition>& until,
                                 size_t* newest) {
  std::vector<OpenFile> files;
  int highest = HighestRotation(path);
  for (int i = 0; i <= highest + 1; ++i) {
    std::string name = i == 0 ? path : path + "." + std::to_string(i);
    int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    OpenFile f{fd, {}};
    bool seen =
        ::fstat(fd, &f.st) != 0 || std::any_of(files.begin(), files.end(), [&](const OpenFile& o) {
          return o.st.st_ino == f.st.st_ino && o.st.st_dev == f.st.st_dev;
        });
    if (seen) {
      ::close(fd);
    } else {
      files.push_back(f);
    }
  }
  *newest = 0;
  if (until) {
    auto it = std::find_if(files.begin(), files.end(), [&](const OpenFile& f) {
      return f.st.st_ino == until->ino && f.st.st_dev == until->dev;
    });
    if (it != files.end()) *newest = static_cast<size_t>(it - files.begin());
  }
  return files;
}

}  // namespace

std::vector<FileRecord> ReadLogHistory(const std::string& path, std::optional<TailPosition> until) {
  std::vector<FileRecord> out;
  if (until && until->ino == 0) return out;
  size_t newest = 0;
  std::vector<OpenFile> files = OpenFamily(path, until, &newest);
  RecordJoiner joiner;
  std::string buf;
  std::string chunk(kReadChunk, '\0');
  for (size_t i = files.size(); i-- > newest;) {
    bool last = until && i == newest && files[i].st.st_ino == until->ino;
    int64_t left = last ? until->offset : INT64_MAX;
    buf.clear();
    while (left > 0) {
      size_t want = static_cast<size_t>(std::min<int64_t>(kReadChunk, left));
      ssize_t n = ::read(files[i].fd, chunk.data(), want);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      left -= n;
      buf.append(chunk.data(), static_cast<size_t>(n));
      buf.erase(0, TakeCompleteLines(buf, joiner, &out));
      if (buf.size() > kMaxLine) buf.clear();
    }
  }
  for (const OpenFile& f : files) ::close(f.fd);
  return out;
}

std::vector<FileRecord> ReadLogHistoryBackward(
    const std::string& path, std::optional<TailPosition> until,
    const std::function<bool(const FileRecord&)>& enough) {
  std::vector<FileRecord> out;
  if (until && until->ino == 0) return out;
  size_t newest = 0;
  std::vector<OpenFile> files = OpenFamily(path, until, &newest);
  std::vector<std::string> lines;  // raw records, newest first
  bool done = false;
  std::string block(kReadChunk, '\0');
  for (size_t i = newest; i < files.size() && !done; ++i) {
    const bool last = until && i == newest && files[i].st.st_ino == until->ino;
    int64_t pos = last ? until->offset : static_cast<int64_t>(files[i].st.st_size);
    bool trimmed = false;  // the unfinished line a writer may leave at the end is cut off
    std::string pending;   // the start of the earliest line read so far, maybe incomplete
    while (!done && pos > 0) {
      int64_t from = std::max<int64_t>(0, pos - static_cast<int64_t>(kReadChunk));
      ssize_t n = ::pread(files[i].fd, block.data(), static_cast<size_t>(pos - from), from);
      if (n <= 0) break;
      pos = from;
      std::string text = block.substr(0, static_cast<size_t>(n)) + pending;
      pending.clear();
      if (!trimmed) {
        size_t nl = text.rfind('\n');
        if (nl == std::string::npos) continue;
        text.resize(nl + 1);
        trimmed = true;
      }
      // Complete lines are those after the first '\n', or all of them at the file's start.
      size_t first = 0;
      if (pos > 0) {
        size_t nl = text.find('\n');
        first = nl == std::string::npos ? text.size() : nl + 1;
        pending = text.substr(0, first);
        if (pending.size() > kMaxLine) pending.clear();
      }
      std::string_view body = std::string_view(text).substr(first);
      while (!done && !body.empty()) {
        body.remove_suffix(1);  // its '\n'
        size_t nl = body.rfind('\n');
        std::string_view line = nl == std::string_view::npos ? body : body.substr(nl + 1);
        body = nl == std::string_view::npos ? std::string_view() : body.substr(0, nl + 1);
        std::optional<CriRecord> r = ParseCri(line);
        if (!r) continue;
        lines.emplace_back(line);
        done = !r->partial && enough({r->time_ns, std::string(r->stream), std::string(r->message)});
      }
    }
  }
  for (const OpenFile& f : files) ::close(f.fd);
  RecordJoiner joiner;
  for (size_t i = lines.size(); i-- > 0;) joiner.Add(lines[i], &out);
  return out;
}

FileFollower::FileFollower(std::string path, Start start) : path_(std::move(path)) {
  OpenPath(0, start == Start::kEnd);
}

FileFollower::~FileFollower() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileFollower::OpenPath(int64_t offset, bool at_end) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return false;
  }
  if (at_end) {
    // Back to the start of a line the writer may still be finishing.
    offset = st.st_size;
    char c = '\n';
    if (offset > 0 && ::pread(fd, &c, 1, offset - 1) == 1 && c != '\n') {
      std::string back(kReadChunk, '\0');
      int64_t from = offset;
      bool found = false;
      while (from > 0 && !found && st.st_size - from < static_cast<int64_t>(kMaxLine)) {
        int64_t at = std::max<int64_t>(0, from - static_cast<int64_t>(kReadChunk));
        ssize_t n = ::pread(fd, back.data(), static_cast<size_t>(from - at), at);
        if (n <= 0) break;
        std::string_view view(back.data(), static_cast<size_t>(n));
        if (size_t nl = view.rfind('\n'); nl != std::string_view::npos) {
          offset = at + static_cast<int64_t>(nl) + 1;
          found = true;
        }
        from = at;
      }
      if (!found && from == 0) offset = 0;
    }
  }
  if (::lseek(fd, offset, SEEK_SET) < 0) {
    ::close(fd);
    return false;
  }
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = offset;
  buf_.clear();
  return true;
}

void FileFollower::ReadToEnd(std::vector<FileRecord>* out) {
  char chunk[kReadChunk];
  for (;;) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    offset_ += n;
    buf_.append(chunk, static_cast<size_t>(n));
    buf_.erase(0, TakeCompleteLines(buf_, joiner_, out));
    if (buf_.size() > kMaxLine) buf_.clear();
  }
}

std::vector<FileRecord> FileFollower::Poll() {
  std::vector<FileRecord> out;
  if (fd_ < 0 && !OpenPath(0, false)) return out;
  ReadToEnd(&out);
  struct stat now {};
  if (::stat(path_.c_str(), &now) != 0) return out;  // mid-rotation: the new file comes soon
  if (now.st_ino != ino_ || now.st_dev != dev_) {
    // Rotated: the writer has moved on, so what the old file holds now is all it will hold.
    ReadToEnd(&out);
    ::close(fd_);
    fd_ = -1;
    if (OpenPath(0, false)) ReadToEnd(&out);
    return out;
  }
  if (now.st_size < offset_) {  // truncated: start over
    ::lseek(fd_, 0, SEEK_SET);
    offset_ = 0;
    buf_.clear();
    ReadToEnd(&out);
  }
  return out;
}

TailPosition FileFollower::position() const {
  if (fd_ < 0) return {};
  return {dev_, ino_, offset_ - static_cast<int64_t>(buf_.size())};
}

}  // namespace aether::logs
