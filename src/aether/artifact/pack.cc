// PackTree: deterministic tar+zstd layers (see pack.h). Owned by the artifact module.
// Stateless; thread-safe (each call owns its archive, descriptors and hashers). Each input
// file is read once, its bytes going both to the archive and to its sha256; the compressed
// stream is hashed by the write callback as it goes to disk, so the output is never re-read.
// The walk and the reads go through directory descriptors (openat/fstatat), so the kernel
// resolves one name per call rather than the whole path.
#include "aether/artifact/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "aether/artifact/path_safety.h"
#include "aether/crypto/crypto.h"

namespace aether::artifact {
namespace {

enum class Kind { kFile, kSymlink, kDir };

struct Entry {
  std::string path;  // archive path: the prefix, '/', then the path relative to the root
  Kind kind = Kind::kFile;
  std::string target;  // symlinks
};

std::string Errno(int err) { return std::strerror(err); }

struct Fd {  // closes on scope exit
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// The tree being packed: its open root, and where relative paths start in archive paths.
struct Tree {
  int fd;
  const std::string& root;
  size_t rel_off;  // the prefix's length and its '/', or 0
};

// The file system path of an archive path (of the root for the prefix itself).
std::string Abs(const Tree& t, const std::string& path) {
  return path.size() <= t.rel_off ? t.root : t.root + "/" + path.substr(t.rel_off);
}

class Walker {
 public:
  Walker(const IgnoreRules& ignore, const Tree& tree) : ignore_(ignore), tree_(tree) {}

  // Collects what is under the directory open as `fd` (taken over) at archive path `dir` (the
  // prefix for the root). Sets `*packed` to the number of entries emitted below it.
  Status Walk(int fd, const std::string& dir, int64_t* packed) {
    std::unique_ptr<DIR, DirCloser> stream(::fdopendir(fd));
    if (stream == nullptr) {
      int err = errno;
      ::close(fd);
      return Internal("cannot read directory " + Abs(dir) + ": " + Errno(err));
    }
    int64_t count = 0;
    errno = 0;
    while (struct dirent* d = ::readdir(stream.get())) {
      std::string_view name = d->d_name;
      if (name != "." && name != "..") {
        std::string child = dir.empty() ? std::string(name) : dir + "/" + d->d_name;
        AETHER_RETURN_IF_ERROR(Visit(fd, d->d_name, d->d_type, std::move(child), &count));
      }
      errno = 0;
    }
    if (errno != 0) return Internal("cannot read directory " + Abs(dir) + ": " + Errno(errno));
    *packed = count;
    return Status::Ok();
  }

  std::vector<Entry>& entries() { return entries_; }

 private:
  Status Visit(int dir_fd, const char* name, unsigned char type, std::string path, int64_t* count) {
    std::string_view rel = std::string_view(path).substr(tree_.rel_off);
    if (type == DT_UNKNOWN) {  // file systems without d_type
      struct stat st {};
      if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return Internal("cannot stat " + Abs(path) + ": " + Errno(errno));
      }
      type = IFTODT(st.st_mode);
    }
    if (type == DT_DIR) {
      if (ignore_.IgnoredSelf(rel, true)) return Status::Ok();
      int fd = ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Internal("cannot open directory " + Abs(path) + ": " + Errno(errno));
      int64_t below = 0;
      AETHER_RETURN_IF_ERROR(Walk(fd, path, &below));
      if (below == 0) {  // keep empty directories: some apps expect them to exist
        entries_.push_back(Entry{std::move(path), Kind::kDir, ""});
        below = 1;
      }
      *count += below;
    } else if (type == DT_REG) {
      if (ignore_.IgnoredSelf(rel, false)) return Status::Ok();
      entries_.push_back(Entry{std::move(path), Kind::kFile, ""});
      ++*count;
    } else if (type == DT_LNK) {
      // A link to a directory counts as one for "dir/" patterns: a symlinked
      // node_modules is ignored like a real one.
      struct stat target_st {};
      bool to_dir = ::fstatat(dir_fd, name, &target_st, 0) == 0 && S_ISDIR(target_st.st_mode);
      if (ignore_.IgnoredSelf(rel, to_dir)) return Status::Ok();
      std::string target(PATH_MAX, '\0');
      ssize_t n = ::readlinkat(dir_fd, name, target.data(), target.size());
      if (n < 0 || static_cast<size_t>(n) >= target.size()) {
        return Internal("cannot read symlink " + Abs(path) + ": " +
                        (n < 0 ? Errno(errno) : "target too long"));
      }
      target.resize(static_cast<size_t>(n));
      if (!internal::SymlinkTargetSafe(rel, target)) {
        return InvalidArgument("symlink '" + std::string(rel) + "' -> '" + target +
                               "' points outside the tree");
      }
      entries_.push_back(Entry{std::move(path), Kind::kSymlink, std::move(target)});
      ++*count;
    }
    // Sockets, FIFOs and devices are not application content: skipped.
    return Status::Ok();
  }

  std::string Abs(const std::string& path) const { return artifact::Abs(tree_, path); }

  const IgnoreRules& ignore_;
  const Tree& tree_;
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

constexpr size_t kReadBuffer = size_t{1} << 20;

// What PackTree learns about the entries while writing them.
struct Listing {
  std::vector<FileEntry> files;
  std::vector<NativeAddon> addons;
  std::vector<std::string> gyp_packages;
  int64_t raw_bytes = 0;
};

class EntryWriter {
 public:
  EntryWriter(struct archive* a, const Tree& tree)
      : a_(a), tree_(tree), entry_(archive_entry_new()), buf_(kReadBuffer) {}

  Status Write(const Entry& e, Listing* out) {
    static const std::string kEmptySha256 = crypto::Sha256Hex("");
    archive_entry_clear(entry_.get());
    archive_entry_copy_pathname(entry_.get(), e.path.c_str());
    archive_entry_set_mtime(entry_.get(), 0, 0);
    archive_entry_set_uid(entry_.get(), 0);
    archive_entry_set_gid(entry_.get(), 0);
    if (e.kind == Kind::kFile) return WriteFile(e, out);
    const bool link = e.kind == Kind::kSymlink;
    archive_entry_set_filetype(entry_.get(), link ? AE_IFLNK : AE_IFDIR);
    archive_entry_set_perm(entry_.get(), link ? 0777 : 0755);
    if (link) archive_entry_copy_symlink(entry_.get(), e.target.c_str());
    AETHER_RETURN_IF_ERROR(WriteHeader(e, 0));
    out->files.push_back(link ? FileEntry{e.path, static_cast<int64_t>(e.target.size()),
                                          kModeSymlink, crypto::Sha256Hex(e.target)}
                              : FileEntry{e.path, 0, kModeDirectory, kEmptySha256});
    return Status::Ok();
  }

 private:
  // The header takes the size and exec bit from fstat on the open file, then the bytes go to
  // the archive and the hasher together; reading more or less than that size is a conflict.
  // A short read that reaches the size is the end of a regular file: no extra read().
  Status WriteFile(const Entry& e, Listing* out) {
    Fd fd{::openat(tree_.fd, e.path.c_str() + tree_.rel_off, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (fd.fd < 0) return Internal("cannot open " + Abs(e) + ": " + Errno(errno));
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode)) return Changed(e);
    const bool exec = (st.st_mode & 0111) != 0;
    archive_entry_set_filetype(entry_.get(), AE_IFREG);
    archive_entry_set_perm(entry_.get(), exec ? 0755 : 0644);
    AETHER_RETURN_IF_ERROR(WriteHeader(e, st.st_size));
    crypto::Sha256 sha;
    int64_t done = 0;
    for (;;) {
      ssize_t got = ::read(fd.fd, buf_.data(), buf_.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Internal("cannot read " + Abs(e) + ": " + Errno(errno));
      if (got == 0) break;
      if (done + got > st.st_size) return Changed(e);
      if (archive_write_data(a_, buf_.data(), static_cast<size_t>(got)) != got) {
        return ArchiveError(a_, "cannot write " + e.path);
      }
      sha.Update(std::string_view(buf_.data(), static_cast<size_t>(got)));
      done += got;
      if (done == st.st_size && static_cast<size_t>(got) < buf_.size()) break;
    }
    if (done != st.st_size) return Changed(e);
    out->raw_bytes += done;
    out->files.push_back(
        FileEntry{e.path, done, exec ? kModeExecutable : kModeFile, sha.FinishHex()});
    NoteSpecialFile(e, out);
    return Status::Ok();
  }

  // Native addons are inspected right after their bytes went through (the pages are hot);
  // one that is not a recognisable binary is kept with an unknown platform.
  void NoteSpecialFile(const Entry& e, Listing* out) const {
    size_t slash = e.path.rfind('/');
    std::string_view name = std::string_view(e.path).substr(slash + 1);
    if (name.ends_with(".node")) {
      auto addon = InspectAddon(Abs(e), e.path);
      if (!addon.ok()) {
        addon = NativeAddon();
        addon->path = e.path;
      }
      out->addons.push_back(std::move(addon).value());
    } else if (name == "binding.gyp") {
      out->gyp_packages.push_back(slash == std::string::npos ? "" : e.path.substr(0, slash));
    }
  }

  Status WriteHeader(const Entry& e, int64_t size) {
    archive_entry_set_size(entry_.get(), size);
    if (archive_write_header(a_, entry_.get()) == ARCHIVE_OK) return Status::Ok();
    return ArchiveError(a_, "cannot write header for " + e.path);
  }
  std::string Abs(const Entry& e) const { return artifact::Abs(tree_, e.path); }
  Status Changed(const Entry& e) const {
    return Status(ErrorCode::kConflict, Abs(e) + " changed while packing");
  }

  struct archive* a_;
  const Tree& tree_;
  std::unique_ptr<struct archive_entry, EntryDeleter> entry_;
  std::vector<char> buf_;
};

// Non-ASCII names would otherwise be converted through the process locale (and fail in
// the C locale). Raw bytes under hdrcharset=BINARY give the same archive in every locale;
// ASCII-only trees keep plain ustar headers.
bool AllAscii(const std::vector<Entry>& entries) {
  auto ascii = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
  };
  return std::all_of(entries.begin(), entries.end(),
                     [&](const Entry& e) { return ascii(e.path) && ascii(e.target); });
}

int ZstdWorkers(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
}

// The zstd "threads" option sets ZSTD_c_nbWorkers; any value ≥ 1 selects the multithreaded
// format, whose bytes do not depend on the count (0 would select the single-threaded one).
Status SetUp(struct archive* a, const std::vector<Entry>& entries, const PackOptions& options) {
  std::string level = std::to_string(options.zstd_level);
  std::string workers = std::to_string(ZstdWorkers(options.zstd_workers));
  if (archive_write_add_filter_zstd(a) != ARCHIVE_OK ||
      archive_write_set_filter_option(a, "zstd", "compression-level", level.c_str()) !=
          ARCHIVE_OK ||
      archive_write_set_filter_option(a, "zstd", "threads", workers.c_str()) != ARCHIVE_OK ||
      archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      (!AllAscii(entries) &&
       archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY") != ARCHIVE_OK) ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
    return ArchiveError(a, "cannot set up archive writer");
  }
  return Status::Ok();
}

Result<PackedLayer> PackEntries(const std::vector<Entry>& entries, const Tree& tree,
                                const std::string& out_path, const PackOptions& options,
                                int64_t files) {
  Sink sink;
  sink.file = std::fopen(out_path.c_str(), "wbe");
  if (sink.file == nullptr) return Internal("cannot create " + out_path + ": " + Errno(errno));
  std::setvbuf(sink.file, nullptr, _IOFBF, size_t{1} << 20);
  std::unique_ptr<struct archive, ArchiveDeleter> a(archive_write_new());
  Listing listing;
  listing.files.reserve(entries.size());
  Status status = [&]() -> Status {
    AETHER_RETURN_IF_ERROR(SetUp(a.get(), entries, options));
    if (archive_write_open(a.get(), &sink, nullptr, SinkWrite, nullptr) != ARCHIVE_OK) {
      return ArchiveError(a.get(), "cannot open " + out_path);
    }
    EntryWriter writer(a.get(), tree);
    for (const Entry& e : entries) AETHER_RETURN_IF_ERROR(writer.Write(e, &listing));
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
  std::sort(listing.gyp_packages.begin(), listing.gyp_packages.end());
  return PackedLayer{Digest::FromHex(sink.sha.FinishHex()),
                     sink.bytes,
                     files,
                     listing.raw_bytes,
                     out_path,
                     std::move(listing.files),
                     std::move(listing.addons),
                     std::move(listing.gyp_packages)};
}

}  // namespace

Result<PackedLayer> PackTree(const std::string& root, const IgnoreRules& ignore,
                             const std::string& out_path, const PackOptions& options) {
  if (options.zstd_level < 1 || options.zstd_level > 19) {
    return InvalidArgument("zstd level " + std::to_string(options.zstd_level) +
                           " out of range 1..19");
  }
  if (options.zstd_workers < 0 || options.zstd_workers > 64) {
    return InvalidArgument("zstd workers " + std::to_string(options.zstd_workers) +
                           " out of range 0..64");
  }
  std::string prefix;
  if (!options.prefix.empty()) {
    AETHER_ASSIGN_OR_RETURN(prefix, internal::CleanEntryPath(options.prefix));
  }
  Fd root_fd{::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (root_fd.fd < 0) {
    int err = errno;
    if (err == ENOTDIR) return InvalidArgument("cannot pack " + root + ": not a directory");
    return NotFound("cannot pack " + root + ": " + Errno(err));
  }
  try {
    const Tree tree{root_fd.fd, root, prefix.empty() ? 0 : prefix.size() + 1};
    Walker walker(ignore, tree);
    int64_t packed = 0;
    int walk_fd = ::dup(root_fd.fd);
    if (walk_fd < 0) return Internal("cannot pack " + root + ": " + Errno(errno));
    AETHER_RETURN_IF_ERROR(walker.Walk(walk_fd, prefix, &packed));
    std::vector<Entry>& entries = walker.entries();
    // std::string compares bytes as unsigned char: a bytewise, locale-free order.
    std::sort(entries.begin(), entries.end(),
              [](const Entry& x, const Entry& y) { return x.path < y.path; });
    int64_t files = std::count_if(entries.begin(), entries.end(),
                                  [](const Entry& e) { return e.kind != Kind::kDir; });
    return PackEntries(entries, tree, out_path, options, files);
  } catch (const std::exception& e) {  // std::bad_alloc
    return Internal(std::string("pack: ") + e.what());
  }
}

}  // namespace aether::artifact
