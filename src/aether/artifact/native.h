// Native Node.js addons (`*.node`): the platform a binary was built for, read from its ELF,
// Mach-O (thin or universal) or PE header, and the check that refuses an artifact whose addons
// cannot load on the runtime. Value types and stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aether/core/model.h"
#include "aether/core/status.h"

namespace aether::artifact {

struct Manifest;

struct NativeAddon {
  std::string path;      // archive path, "node_modules/bcrypt/build/Release/bcrypt_lib.node"
  std::string os;        // "linux", "darwin", "win32", "freebsd"; "" unknown
  std::string arch;      // Node's names: "x64", "arm64", "ia32", "arm"…; "" unknown; a
                         // universal Mach-O lists its slices joined by '+': "arm64+x64"
  std::string libc;      // "glibc" or "musl" (Linux, from PT_INTERP / DT_NEEDED); "" unknown
  bool napi = false;     // Node-API: loads under any Node ABI
  std::string node_abi;  // non-Node-API: the ABI of its node_register_module_v<N>; "" unknown
  bool operator==(const NativeAddon&) const = default;
};

// Reads the binary at `file` (memory-mapped; never written). kNotFound when it cannot be
// opened; kInvalidArgument when it is not an ELF, Mach-O or PE shared object or is truncated.
Result<NativeAddon> InspectAddon(const std::string& file, std::string_view archive_path);
// The same over bytes already in memory.
Result<NativeAddon> InspectAddonBytes(std::string_view bytes, std::string_view archive_path);

// Ok when `m` has no native addons or they can all load on `runtime`: os and arch equal, libc
// equal when both are known, and for addons that are not Node-API, the Node ABI equal (the
// addon's own, else the build machine's m.platform.node_abi). Unknown fields are not held
// against an addon. Within one package a set of prebuilds for several platforms passes when
// one of them fits, but anything under the package's build/ (compiled by node-gyp, loaded
// first) must fit. Otherwise kPlatformMismatch naming the first offending addon and saying
// how to rebuild it for the runtime.
Status CheckNativePlatform(const Manifest& m, const ::aether::Platform& runtime);

}  // namespace aether::artifact
