// KeyedMutex: one mutex per key (e.g. an app name), made on first use and kept for the life of
// the owner, so work on one key is serialised without blocking the others. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace aether {

class KeyedMutex {
 public:
  std::mutex& For(const std::string& key) {
    std::lock_guard lock(mu_);
    auto& m = locks_[key];
    if (!m) m = std::make_unique<std::mutex>();
    return *m;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

}  // namespace aether
