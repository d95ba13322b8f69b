// `aether dev`'s change detection: what counts as a change to the deployed tree.
#include "aether/cli/dev.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace aether::cli {
namespace {

namespace fs = std::filesystem;

TEST(Dev, FingerprintFollowsPackedFilesOnly) {
  fs::path dir = fs::path(::testing::TempDir()) / ("dev-tree-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "node_modules/x");
  fs::create_directories(dir / "src");
  std::ofstream(dir / "index.js") << "a";
  std::ofstream(dir / "src/lib.js") << "b";
  std::ofstream(dir / ".aetherignore") << "*.log\n";
  const std::string base = TreeFingerprint(dir.string());
  EXPECT_NE(base.find("src/lib.js"), std::string::npos);

  std::ofstream(dir / "node_modules/x/index.js") << "dep";
  std::ofstream(dir / "debug.log") << "noise";
  EXPECT_EQ(TreeFingerprint(dir.string()), base) << "ignored paths are not changes";

  std::ofstream(dir / "src/lib.js") << "bb";  // size changes
  const std::string edited = TreeFingerprint(dir.string());
  EXPECT_NE(edited, base);
  std::ofstream(dir / "src/new.js") << "c";
  EXPECT_NE(TreeFingerprint(dir.string()), edited);
  fs::remove(dir / "src/new.js");
  EXPECT_EQ(TreeFingerprint(dir.string()), edited);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aether::cli
