// ScopedTempDir: mkdtemp and recursive removal.
#include "aether/cli/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace aether::cli {

Result<ScopedTempDir> ScopedTempDir::Create(const std::string& prefix) {
  const char* t = std::getenv("TMPDIR");
  std::string base = (t != nullptr && *t != '\0') ? t : "/tmp";
  std::string tmpl = base + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return Internal("cannot create a temporary directory in " + base + ": " + std::strerror(errno));
  }
  return ScopedTempDir(tmpl);
}

ScopedTempDir::~ScopedTempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace aether::cli
