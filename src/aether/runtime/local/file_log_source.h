// FileLogSource: the local runtime's logs::LogSource, over the CRI files the agents write, one
// per instance: <logs_dir>/<app>/<app>-v<version>-<index>.log (rotated to .log.1 …). The
// instance is the file's stem, the release "v<version>"; stdout/stderr records are container
// "app", the agent's "event" records container "aether". Followers of one app share a hub: one
// thread that tails every file of the app (woken by inotify, with a periodic rescan that also
// picks up instances started later) and hands each new line, encoded once, to every matching
// feed; it stops when the app's last follower detaches. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aether/core/status.h"
#include "aether/logs/log_source.h"

namespace aether::local {

// "web-v3-0": instance `index` of release `version` of `app`; its log is "<name>.log".
std::string InstanceName(std::string_view app, long long version, int index);

struct InstanceFile {
  std::string instance;  // "web-v3-0"
  std::string release;   // "v3"
};
// The instance a log file name ("web-v3-0.log") of `app` belongs to; nullopt for other files.
std::optional<InstanceFile> ParseInstanceFile(std::string_view app, std::string_view file_name);

class FileLogSource final : public logs::LogSource {
 public:
  // `rescan`: how often a hub looks for new files and polls every file (inotify wakes it in
  // between; without inotify it polls every `rescan` / 20).
  explicit FileLogSource(std::string logs_dir,
                         std::chrono::milliseconds rescan = std::chrono::milliseconds(100));
  ~FileLogSource() override;  // stops the hubs; attachments may outlive the source
  FileLogSource(const FileLogSource&) = delete;
  FileLogSource& operator=(const FileLogSource&) = delete;

  // kInvalidArgument for an app name that is not a plain directory name.
  Result<std::unique_ptr<logs::Attachment>> Attach(std::string_view app, const logs::LogQuery& q,
                                                   std::shared_ptr<logs::Feed> feed) override;

  struct Shared;  // the hubs, shared with attachments (file_log_source.cc)

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace aether::local
