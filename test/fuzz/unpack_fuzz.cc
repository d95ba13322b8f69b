// libFuzzer target: the layer unpacker (artifact/unpack.h). Each input is unpacked into a fresh
// directory inside a sandbox with small limits; afterwards nothing may exist in the sandbox
// outside that directory (a traversal or link escape would land there) and no entry may be a
// symlink that resolves outside the destination.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "aether/artifact/unpack.h"

namespace {

namespace fs = std::filesystem;

// <tmp>/aether-unpack-fuzz-<pid>/{layer.tar, box/dest}: escapes land in box or the sandbox.
// Never destroyed, so the atexit hook that removes it can still read it.
const fs::path& Sandbox() {
  static const fs::path* dir = [] {
    auto* d = new fs::path(fs::temp_directory_path() /
                           ("aether-unpack-fuzz-" + std::to_string(::getpid())));
    fs::remove_all(*d);
    fs::create_directories(*d);
    std::atexit([] { fs::remove_all(Sandbox()); });
    return d;
  }();
  return *dir;
}

void Fail(const std::string& what) {
  std::fprintf(stderr, "unpack_fuzz: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& sandbox = Sandbox();
  fs::path tar = sandbox / "layer.tar";
  fs::path box = sandbox / "box";
  fs::path dest = box / "dest";
  {
    std::ofstream out(tar, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  aether::artifact::UnpackLimits limits;
  limits.max_entries = 64;
  limits.max_total_bytes = 1 << 20;
  limits.max_file_bytes = 256 << 10;
  limits.max_depth = 16;
  fs::create_directories(dest);
  (void)aether::artifact::UnpackLayer(tar.string(), dest.string(), limits);

  for (const auto& e : fs::directory_iterator(sandbox)) {
    if (e.path() != tar && e.path() != box) Fail("escaped into the sandbox: " + e.path().string());
  }
  for (const auto& e : fs::directory_iterator(box)) {
    if (e.path() != dest) Fail("escaped next to dest: " + e.path().string());
  }
  std::error_code ec;
  fs::path root = fs::canonical(dest);
  for (auto it = fs::recursive_directory_iterator(dest, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_symlink()) continue;
    fs::path resolved = fs::weakly_canonical(it->path(), ec);
    if (ec) break;  // a link loop is harmless here
    auto rel = resolved.lexically_relative(root);
    if (rel.empty() || *rel.begin() == "..") Fail("symlink escapes: " + it->path().string());
  }
  fs::remove_all(box);
  return 0;
}
