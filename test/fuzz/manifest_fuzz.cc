// libFuzzer target: the artifact manifest parser (artifact/manifest.h) and the lockfile parsers
// (artifact/lockfile.h). A manifest that parses must serialise canonically: parse(serialise(m))
// succeeds and serialises to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aether/artifact/lockfile.h"
#include "aether/artifact/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto manifest = aether::artifact::ParseManifest(text);
  if (manifest.ok()) {
    std::string canonical = aether::artifact::SerializeManifest(*manifest);
    auto again = aether::artifact::ParseManifest(canonical);
    if (!again.ok() || aether::artifact::SerializeManifest(*again) != canonical) std::abort();
  }
  (void)aether::artifact::ParseNpmLock(text);
  (void)aether::artifact::ParseNpmLock(text, R"({"dependencies":{"a":"1"}})");
  (void)aether::artifact::ParseYarnLock(text, R"({"dependencies":{"a":"1"}})");
  (void)aether::artifact::ParsePnpmLock(text);
  return 0;
}
