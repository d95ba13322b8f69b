// `aether dev`: deploys the project with the dev-hot strategy, then watches its tree (the files
// a deploy packs: node_modules/, .git/ and .aetherignore'd paths are left out) and deploys again,
// dev-hot, after every change has settled. A failed deploy is reported and the watch goes on.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "aether/cli/api_client.h"
#include "aether/cli/deploy.h"
#include "aether/cli/exit_codes.h"
#include "aether/cli/output.h"

namespace aether::cli {

struct DevOptions {
  DeployOptions deploy;                   // dev_hot is forced on
  std::chrono::milliseconds poll{250};    // how often the tree is scanned
  std::chrono::milliseconds settle{200};  // quiet time after a change before deploying
  int max_deploys = 0;                    // stop after this many (0: until `stop`)
};

// A fingerprint of the files a deploy would pack (paths, sizes, modification times).
std::string TreeFingerprint(const std::string& dir);

// Runs until `stop()` is true (checked every poll) or max_deploys deploys have run. Ok unless a
// deploy fails for a reason a change cannot fix (a usage error); other failures are printed.
Outcome RunDev(ApiClient& api, Output& out, const DevOptions& options,
               const std::function<bool()>& stop);

}  // namespace aether::cli
