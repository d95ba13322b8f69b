// PodLogSource: an app's logs on Kubernetes, read from the API server's pods/log streams, one per
// pod and container ("fetch", the init container, and "app"). Lines carry the pod name as
// instance and its aether.dev/release label as release; the API does not tell stdout from
// stderr, so every line is "stdout". History is each stream's non-follow read, merged; with
// follow, a pod informer opens streams for pods that start later (a rollout's new release),
// reopens a dropped stream from its last line's time without repeating a line (LogCursor), ends
// a deleted pod's streams, and records container restarts as "aether" event lines.
// Thread-safe; the Client must outlive the source, the source every attachment.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "aether/kube/client.h"
#include "aether/logs/log_source.h"

namespace aether::kubert {

class PodLogSource final : public logs::LogSource {
 public:
  PodLogSource(kube::Client& client, std::string ns);
  ~PodLogSource() override;
  PodLogSource(const PodLogSource&) = delete;
  PodLogSource& operator=(const PodLogSource&) = delete;

  Result<std::unique_ptr<logs::Attachment>> Attach(std::string_view app, const logs::LogQuery& q,
                                                   std::shared_ptr<logs::Feed> feed) override;
  // Ends every follower (their feeds are finished) and refuses new attachments. Idempotent.
  void Shutdown();

  class Session;  // one attachment's streams (pod_log_source.cc)

 private:
  void Forget(Session* s);

  kube::Client& client_;
  const std::string ns_;
  std::mutex mu_;
  bool stopping_ = false;
  std::set<Session*> sessions_;
};

}  // namespace aether::kubert
