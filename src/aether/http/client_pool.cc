// http::ClientPool: idle Clients kept for reuse (see client.h).
#include "aether/http/client.h"

namespace aether::http {

std::unique_ptr<Client> ClientPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return NewClient(options_);
}

void ClientPool::Give(std::unique_ptr<Client> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

}  // namespace aether::http
