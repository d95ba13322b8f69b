// PackTree: deterministic tar+zstd layers (see pack.h). Owned by the artifact module.
// Stateless; thread-safe (each call owns its archive, file and hasher). The compressed
// stream is hashed by the write callback as it goes to disk, so the file is never re-read.
#include "aether/artifact/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include "aether/artifact/path_safety.h"
#include "aether/crypto/crypto.h"

namespace aether::artifact {
namespace {

namespace fs = std::filesystem;

enum class Kind { kFile, kSymlink, kDir };

struct Entry {
  std::string archive_path;  // with the prefix
  std::string abs_path;
  Kind kind = Kind::kFile;
  bool exec = false;
  int64_t size = 0;
  std::string target;  // symlinks
};

std::string Errno(int err) { return std::strerror(err); }

class Walker {
 public:
  Walker(const IgnoreRules& ignore, std::string prefix)
      : ignore_(ignore), prefix_(std::move(prefix)) {}

  // Collects what is under `dir` (relative path `rel`, "" for the root). Sets `*packed` to
  // the number of entries emitted below it.
  Status Walk(const fs::path& dir, const std::string& rel, int64_t* packed) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return Internal("cannot read directory " + dir.string() + ": " + ec.message());
    int64_t count = 0;
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      std::string child_rel = rel.empty() ? name : rel + "/" + name;
      std::string abs = it->path().string();
      struct stat st {};
      if (::lstat(abs.c_str(), &st) != 0) {
        return Internal("cannot stat " + abs + ": " + Errno(errno));
      }
      if (S_ISDIR(st.st_mode)) {
        if (ignore_.IgnoredSelf(child_rel, true)) continue;
        int64_t below = 0;
        AETHER_RETURN_IF_ERROR(Walk(it->path(), child_rel, &below));
        if (below == 0) {  // keep empty directories: some apps expect them to exist
          entries_.push_back(Entry{ArchivePath(child_rel), abs, Kind::kDir, true, 0, ""});
          below = 1;
        }
        count += below;
      } else if (S_ISREG(st.st_mode)) {
        if (ignore_.IgnoredSelf(child_rel, false)) continue;
        bool exec = (st.st_mode & 0111) != 0;
        entries_.push_back(Entry{ArchivePath(child_rel), abs, Kind::kFile, exec, st.st_size, ""});
        ++count;
      } else if (S_ISLNK(st.st_mode)) {
        // A link to a directory counts as one for "dir/" patterns: a symlinked
        // node_modules is ignored like a real one.
        struct stat target_st {};
        bool to_dir = ::stat(abs.c_str(), &target_st) == 0 && S_ISDIR(target_st.st_mode);
        if (ignore_.IgnoredSelf(child_rel, to_dir)) continue;
        fs::path target = fs::read_symlink(it->path(), ec);
        if (ec) return Internal("cannot read symlink " + abs + ": " + ec.message());
        if (!internal::SymlinkTargetSafe(child_rel, target.string())) {
          return InvalidArgument("symlink '" + child_rel + "' -> '" + target.string() +
                                 "' points outside the tree");
        }
        entries_.push_back(
            Entry{ArchivePath(child_rel), abs, Kind::kSymlink, false, 0, target.string()});
        ++count;
      }
      // Sockets, FIFOs and devices are not application content: skipped.
    }
    if (ec) return Internal("cannot read directory " + dir.string() + ": " + ec.message());
    *packed = count;
    return Status::Ok();
  }

  std::vector<Entry>& entries() { return entries_; }

 private:
  std::string ArchivePath(const std::string& rel) const {
    return prefix_.empty() ? rel : prefix_ + "/" + rel;
  }

  const IgnoreRules& ignore_;
  std::string prefix_;
  std::vector<Entry> entries_;
};

// Output sink for archive_write_open: writes to the file and hashes the same bytes.
struct Sink {
  FILE* file = nullptr;
  crypto::Sha256 sha;
  int64_t bytes = 0;
};

la_ssize_t SinkWrite(struct archive* a, void* ctx, const void* buf, size_t n) {
  auto* sink = static_cast<Sink*>(ctx);
  if (std::fwrite(buf, 1, n, sink->file) != n) {
    archive_set_error(a, errno, "write failed: %s", std::strerror(errno));
    return -1;
  }
  sink->sha.Update(std::string_view(static_cast<const char*>(buf), n));
  sink->bytes += static_cast<int64_t>(n);
  return static_cast<la_ssize_t>(n);
}

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

Status ArchiveError(struct archive* a, const std::string& what) {
  const char* msg = archive_error_string(a);
  return Internal(what + ": " + (msg != nullptr ? msg : "unknown libarchive error"));
}

// Copies a regular file's bytes into the archive; the size must match the header's.
Status WriteFileData(struct archive* a, const Entry& e, std::vector<char>& buf) {
  int fd = ::open(e.abs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Internal("cannot open " + e.abs_path + ": " + Errno(errno));
  int64_t done = 0;
  Status status;
  while (status.ok()) {
    ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      status = Internal("cannot read " + e.abs_path + ": " + Errno(errno));
      break;
    }
    if (got == 0) break;
    if (done + got > e.size) {
      status = Status(ErrorCode::kConflict, e.abs_path + " changed while packing");
      break;
    }
    if (archive_write_data(a, buf.data(), static_cast<size_t>(got)) != got) {
      status = ArchiveError(a, "cannot write " + e.archive_path);
      break;
    }
    done += got;
  }
  ::close(fd);
  if (status.ok() && done != e.size) {
    status = Status(ErrorCode::kConflict, e.abs_path + " changed while packing");
  }
  return status;
}

Status WriteEntries(struct archive* a, const std::vector<Entry>& entries, int64_t* raw_bytes) {
  std::unique_ptr<struct archive_entry, EntryDeleter> entry(archive_entry_new());
  std::vector<char> buf(size_t{256} * 1024);
  for (const Entry& e : entries) {
    archive_entry_clear(entry.get());
    archive_entry_copy_pathname(entry.get(), e.archive_path.c_str());
    archive_entry_set_mtime(entry.get(), 0, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    switch (e.kind) {
      case Kind::kFile:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), e.exec ? 0755 : 0644);
        archive_entry_set_size(entry.get(), e.size);
        break;
      case Kind::kSymlink:
        archive_entry_set_filetype(entry.get(), AE_IFLNK);
        archive_entry_set_perm(entry.get(), 0777);
        archive_entry_copy_symlink(entry.get(), e.target.c_str());
        archive_entry_set_size(entry.get(), 0);
        break;
      case Kind::kDir:
        archive_entry_set_filetype(entry.get(), AE_IFDIR);
        archive_entry_set_perm(entry.get(), 0755);
        archive_entry_set_size(entry.get(), 0);
        break;
    }
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
      return ArchiveError(a, "cannot write header for " + e.archive_path);
    }
    if (e.kind == Kind::kFile) {
      AETHER_RETURN_IF_ERROR(WriteFileData(a, e, buf));
      *raw_bytes += e.size;
    }
  }
  return Status::Ok();
}

// Non-ASCII names would otherwise be converted through the process locale (and fail in
// the C locale). Raw bytes under hdrcharset=BINARY give the same archive in every locale;
// ASCII-only trees keep plain ustar headers.
bool AllAscii(const std::vector<Entry>& entries) {
  auto ascii = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
  };
  return std::all_of(entries.begin(), entries.end(),
                     [&](const Entry& e) { return ascii(e.archive_path) && ascii(e.target); });
}

Result<PackedLayer> PackEntries(const std::vector<Entry>& entries, const std::string& out_path,
                                int zstd_level, int64_t files) {
  Sink sink;
  sink.file = std::fopen(out_path.c_str(), "wbe");
  if (sink.file == nullptr) return Internal("cannot create " + out_path + ": " + Errno(errno));
  std::unique_ptr<struct archive, ArchiveDeleter> a(archive_write_new());
  int64_t raw_bytes = 0;
  Status status = [&]() -> Status {
    if (archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK ||
        archive_write_set_filter_option(a.get(), "zstd", "compression-level",
                                        std::to_string(zstd_level).c_str()) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
        (!AllAscii(entries) &&
         archive_write_set_format_option(a.get(), "pax", "hdrcharset", "BINARY") != ARCHIVE_OK) ||
        archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK) {
      return ArchiveError(a.get(), "cannot set up archive writer");
    }
    if (archive_write_open(a.get(), &sink, nullptr, SinkWrite, nullptr) != ARCHIVE_OK) {
      return ArchiveError(a.get(), "cannot open " + out_path);
    }
    AETHER_RETURN_IF_ERROR(WriteEntries(a.get(), entries, &raw_bytes));
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      return ArchiveError(a.get(), "cannot finish " + out_path);
    }
    return Status::Ok();
  }();
  a.reset();
  if (std::fclose(sink.file) != 0 && status.ok()) {
    status = Internal("cannot write " + out_path + ": " + Errno(errno));
  }
  if (!status.ok()) {
    ::unlink(out_path.c_str());
    return status;
  }
  return PackedLayer{Digest::FromHex(sink.sha.FinishHex()), sink.bytes, files, raw_bytes, out_path};
}

}  // namespace

Result<PackedLayer> PackTree(const std::string& root, const IgnoreRules& ignore,
                             const std::string& out_path, const PackOptions& options) {
  if (options.zstd_level < 1 || options.zstd_level > 19) {
    return InvalidArgument("zstd level " + std::to_string(options.zstd_level) +
                           " out of range 1..19");
  }
  std::string prefix;
  if (!options.prefix.empty()) {
    AETHER_ASSIGN_OR_RETURN(prefix, internal::CleanEntryPath(options.prefix));
  }
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) return NotFound("cannot pack " + root + ": " + Errno(errno));
  if (!S_ISDIR(st.st_mode)) return InvalidArgument("cannot pack " + root + ": not a directory");
  try {
    Walker walker(ignore, prefix);
    int64_t packed = 0;
    AETHER_RETURN_IF_ERROR(walker.Walk(fs::path(root), "", &packed));
    std::vector<Entry>& entries = walker.entries();
    // std::string compares bytes as unsigned char: a bytewise, locale-free order.
    std::sort(entries.begin(), entries.end(),
              [](const Entry& x, const Entry& y) { return x.archive_path < y.archive_path; });
    int64_t files = std::count_if(entries.begin(), entries.end(),
                                  [](const Entry& e) { return e.kind != Kind::kDir; });
    return PackEntries(entries, out_path, options.zstd_level, files);
  } catch (const std::exception& e) {  // std::bad_alloc, filesystem_error from path ops
    return Internal(std::string("pack: ") + e.what());
  }
}

}  // namespace aether::artifact
