// The watch-and-redeploy loop of `aether dev`.
#include "aether/cli/dev.h"

#include <filesystem>
#include <thread>

namespace aether::cli {
namespace {

namespace fs = std::filesystem;

// Failures a new change cannot fix: stop instead of watching on.
bool Fatal(const Outcome& o) {
  return o.origin == Origin::kUsage ||
         (o.origin == Origin::kLocal && o.status.code() == ErrorCode::kUnauthenticated);
}

}  // namespace

std::string TreeFingerprint(const std::string& dir) {
  const artifact::IgnoreRules rules = ProjectIgnoreRules(dir);
  std::string out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path rel = fs::relative(it->path(), dir, ec);
    const bool is_dir = it->is_directory(ec);
    if (rules.IgnoredSelf(rel.generic_string(), is_dir)) {
      if (is_dir) it.disable_recursion_pending();
      continue;
    }
    if (is_dir) continue;
    auto mtime = fs::last_write_time(it->path(), ec).time_since_epoch().count();
    auto size = it->is_regular_file(ec) ? static_cast<long long>(it->file_size(ec)) : -1;
    out += rel.generic_string() + '\t' + std::to_string(size) + '\t' + std::to_string(mtime) + '\n';
  }
  return out;
}

Outcome RunDev(ApiClient& api, Output& out, const DevOptions& options,
               const std::function<bool()>& stop) {
  DeployOptions deploy = options.deploy;
  deploy.dev_hot = true;
  int deploys = 0;
  std::string seen = TreeFingerprint(deploy.dir);
  while (true) {
    Outcome o = RunDeploy(&api, out, deploy);
    ++deploys;
    if (!o.ok()) {
      if (Fatal(o)) return o;
      out.Error(o.status.message());
    }
    if (options.max_deploys > 0 && deploys >= options.max_deploys) return Outcome::Ok();
    if (!out.json()) out.Line("Watching " + deploy.dir + " for changes (Ctrl-C to stop)");
    // Wait for a change, then for the tree to be quiet for `settle`.
    while (true) {
      if (stop()) return Outcome::Ok();
      std::this_thread::sleep_for(options.poll);
      std::string now = TreeFingerprint(deploy.dir);
      if (now == seen) continue;
      do {
        seen = now;
        std::this_thread::sleep_for(options.settle);
        now = TreeFingerprint(deploy.dir);
      } while (now != seen && !stop());
      break;
    }
    if (stop()) return Outcome::Ok();
  }
}

}  // namespace aether::cli
