// UnpackLayer: safe extraction of a layer (see unpack.h). Owned by the artifact module.
// Stateless; thread-safe (each call owns its archive handles). Every entry is checked here
// first, so refusals carry our own message; libarchive's secure-extract flags stay on as a
// second line of defence.
#include "aether/artifact/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <unordered_set>

#include "aether/artifact/path_safety.h"

namespace aether::artifact {
namespace {

namespace fs = std::filesystem;

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
using ReadPtr = std::unique_ptr<struct archive, ReadDeleter>;
using WritePtr = std::unique_ptr<struct archive, WriteDeleter>;

std::string ArchiveMessage(struct archive* a) {
  const char* msg = archive_error_string(a);
  return msg != nullptr ? msg : "unknown libarchive error";
}

Status TooLarge(std::string m) { return {ErrorCode::kPayloadTooLarge, std::move(m)}; }

std::string EntryPath(struct archive_entry* e) {
  if (const char* p = archive_entry_pathname(e)) return p;
  if (const char* p = archive_entry_pathname_utf8(e)) return p;
  return "";
}

std::string EntrySymlink(struct archive_entry* e) {
  if (const char* p = archive_entry_symlink(e)) return p;
  if (const char* p = archive_entry_symlink_utf8(e)) return p;
  return "";
}

class Extractor {
 public:
  Extractor(std::string dest, const UnpackLimits& limits)
      : dest_(std::move(dest)), limits_(limits) {}

  Status Run(struct archive* in, struct archive* out) {
    struct archive_entry* entry = nullptr;
    while (true) {
      int r = archive_read_next_header(in, &entry);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        return InvalidArgument("layer is not a valid tar archive: " + ArchiveMessage(in));
      }
      if (++entries_ > limits_.max_entries) {
        return TooLarge("layer has more than " + std::to_string(limits_.max_entries) + " entries");
      }
      AETHER_RETURN_IF_ERROR(Extract(in, out, entry));
    }
    if (archive_write_close(out) != ARCHIVE_OK) {
      return Internal("cannot finish extraction: " + ArchiveMessage(out));
    }
    return Status::Ok();
  }

 private:
  // Validates one entry against the rules in unpack.h, then writes it under dest_.
  Status Extract(struct archive* in, struct archive* out, struct archive_entry* entry) {
    std::string raw = EntryPath(entry);
    AETHER_ASSIGN_OR_RETURN(std::string rel, internal::CleanEntryPath(raw));
    if (std::count(rel.begin(), rel.end(), '/') >= limits_.max_depth) {
      return TooLarge("entry '" + (rel.size() > 200 ? rel.substr(0, 200) + "…" : rel) +
                      "' in layer is deeper than " + std::to_string(limits_.max_depth) +
                      " path components");
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      return InvalidArgument("unsupported hard link '" + raw + "' in layer");
    }
    mode_t type = archive_entry_filetype(entry);
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
      return InvalidArgument("unsupported entry type for '" + raw +
                             "' in layer (only files, directories and symlinks)");
    }
    // The header's size only allows an early refusal; CopyData counts what is written.
    if (type == AE_IFREG && archive_entry_size(entry) > limits_.max_file_bytes) {
      return FileTooLarge(rel);
    }
    if (type == AE_IFLNK) {
      std::string target = EntrySymlink(entry);
      if (!internal::SymlinkTargetSafe(rel, target)) {
        return InvalidArgument("unsafe symlink '" + raw + "' -> '" + target + "' in layer");
      }
    }
    AETHER_RETURN_IF_ERROR(CheckParents(rel, raw));

    std::string full = dest_ + "/" + rel;
    // libarchive follows a symlink standing where a directory entry goes (and chmods its
    // target); files and links replace it instead.
    if (struct stat st{};
        type == AE_IFDIR && ::lstat(full.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return InvalidArgument("unsafe path '" + raw + "' in layer: directory over symlink '" + rel +
                             "'");
    }
    archive_entry_copy_pathname(entry, full.c_str());
    mode_t perm = archive_entry_perm(entry) & 0777;  // never setuid/setgid/sticky
    if (type == AE_IFDIR) perm |= 0700;              // we must be able to fill and remove it
    if (type == AE_IFLNK) perm = 0777;
    archive_entry_set_perm(entry, perm);
    if (archive_write_header(out, entry) != ARCHIVE_OK) {
      return Internal("cannot extract '" + rel + "': " + ArchiveMessage(out));
    }
    if (type == AE_IFREG) AETHER_RETURN_IF_ERROR(CopyData(in, out, rel));
    if (archive_write_finish_entry(out) != ARCHIVE_OK) {
      return Internal("cannot extract '" + rel + "': " + ArchiveMessage(out));
    }
    if (type == AE_IFLNK) {
      real_dirs_.clear();  // a link may now stand where a checked directory was
    } else if (type == AE_IFDIR) {
      real_dirs_.insert(rel);
    }
    return Status::Ok();
  }

  // Every parent of `rel` that exists under dest_ must be a real directory: extracting
  // through a symlink could write anywhere.
  Status CheckParents(const std::string& rel, const std::string& raw) {
    for (size_t slash = rel.find('/'); slash != std::string::npos;
         slash = rel.find('/', slash + 1)) {
      std::string parent = rel.substr(0, slash);
      if (real_dirs_.count(parent) != 0) continue;
      struct stat st {};
      std::string full = dest_ + "/" + parent;
      if (::lstat(full.c_str(), &st) != 0) continue;  // created by the extraction
      if (S_ISLNK(st.st_mode)) {
        return InvalidArgument("unsafe path '" + raw + "' in layer: traverses symlink '" + parent +
                               "'");
      }
      if (!S_ISDIR(st.st_mode)) {
        return InvalidArgument("path '" + raw + "' in layer: '" + parent + "' is not a directory");
      }
      real_dirs_.insert(parent);
    }
    return Status::Ok();
  }

  Status CopyData(struct archive* in, struct archive* out, const std::string& rel) {
    const void* buf = nullptr;
    size_t len = 0;
    la_int64_t offset = 0;
    int64_t extent = 0;  // the file's size so far: sparse blocks count up to their end
    while (true) {
      int r = archive_read_data_block(in, &buf, &len, &offset);
      if (r == ARCHIVE_EOF) return Status::Ok();
      if (r < ARCHIVE_WARN) {
        return InvalidArgument("layer is corrupt at '" + rel + "': " + ArchiveMessage(in));
      }
      // Checked before adding: a sparse entry's offset comes from the archive.
      if (offset < 0 || offset > limits_.max_file_bytes ||
          static_cast<int64_t>(len) > limits_.max_file_bytes - offset) {
        return FileTooLarge(rel);
      }
      int64_t end = offset + static_cast<int64_t>(len);
      if (end > extent) {
        total_bytes_ += end - extent;
        extent = end;
      }
      if (total_bytes_ > limits_.max_total_bytes) {
        return TooLarge("layer unpacks to more than " + std::to_string(limits_.max_total_bytes) +
                        " bytes");
      }
      if (archive_write_data_block(out, buf, len, offset) < ARCHIVE_WARN) {
        return Internal("cannot write '" + rel + "': " + ArchiveMessage(out));
      }
    }
  }

  Status FileTooLarge(const std::string& rel) const {
    return TooLarge("file '" + rel + "' in layer is larger than " +
                    std::to_string(limits_.max_file_bytes) + " bytes");
  }

  const std::string dest_;
  const UnpackLimits limits_;
  int64_t entries_ = 0;
  int64_t total_bytes_ = 0;                    // bytes written so far, all files
  std::unordered_set<std::string> real_dirs_;  // parents already checked (relative paths)
};

}  // namespace

Status UnpackLayer(const std::string& archive_path, const std::string& dest_dir,
                   const UnpackLimits& limits) {
  std::error_code ec;
  fs::create_directories(dest_dir, ec);
  if (ec) return Internal("cannot create " + dest_dir + ": " + ec.message());
  // The canonical form has no symlinked ancestors, so the secure-symlink check below only
  // ever judges links that came from layers.
  fs::path dest = fs::canonical(dest_dir, ec);
  if (ec) return Internal("cannot resolve " + dest_dir + ": " + ec.message());

  struct stat st {};
  if (::stat(archive_path.c_str(), &st) != 0) {
    return NotFound("cannot open layer " + archive_path + ": " + std::strerror(errno));
  }
  ReadPtr in(archive_read_new());
  // Only the filters layers use: filter_all would also run external programs (lrzip, lzop…).
  archive_read_support_filter_zstd(in.get());
  archive_read_support_filter_gzip(in.get());
  archive_read_support_format_tar(in.get());  // ustar, pax and GNU tar
  if (archive_read_open_filename(in.get(), archive_path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return InvalidArgument("layer " + archive_path +
                           " is not a valid tar archive: " + ArchiveMessage(in.get()));
  }
  WritePtr out(archive_write_disk_new());
  // NOABSOLUTEPATHS is not set: we hand libarchive dest-joined absolute paths, having
  // refused absolute entry names ourselves.
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT);
  try {
    Extractor extractor(dest.string(), limits);
    return extractor.Run(in.get(), out.get());
  } catch (const std::exception& e) {  // std::bad_alloc
    return Internal(std::string("unpack: ") + e.what());
  }
}

}  // namespace aether::artifact
