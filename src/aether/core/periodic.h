// Periodic: runs a task on its own thread every `interval` until destroyed (or Stop()ped);
// stopping wakes the thread at once and waits for a running task to finish. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace aether {

class Periodic {
 public:
  Periodic(std::chrono::milliseconds interval, std::function<void()> task)
      : thread_([this, interval, task = std::move(task)] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
            lock.unlock();
            task();
            lock.lock();
          }
        }) {}
  ~Periodic() { Stop(); }
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace aether
