// ScopedTempDir: a private directory under $TMPDIR (mkdtemp, mode 0700) removed with
// everything in it when the object goes away. Move-only; owned by one thread.
#pragma once

#include <string>

#include "aether/core/status.h"

namespace aether::cli {

class ScopedTempDir {
 public:
  // Creates $TMPDIR/<prefix>-XXXXXX (TMPDIR defaults to /tmp).
  static Result<ScopedTempDir> Create(const std::string& prefix);

  ScopedTempDir(ScopedTempDir&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScopedTempDir& operator=(ScopedTempDir&&) = delete;
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  ~ScopedTempDir();

  const std::string& path() const { return path_; }

 private:
  explicit ScopedTempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace aether::cli
