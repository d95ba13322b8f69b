// Feed: bounded per-reader queue with merged history.
#include "aether/logs/feed.h"

#include <algorithm>

namespace aether::logs {

Feed::Feed(int sources, size_t capacity)
    : capacity_(capacity), history_pending_(sources), unfinished_(sources) {}

void Feed::PushHistory(std::vector<LinePtr> lines) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  history_.insert(history_.end(), std::make_move_iterator(lines.begin()),
                  std::make_move_iterator(lines.end()));
}

void Feed::EndHistory() {
  {
    std::lock_guard lock(mu_);
    if (history_pending_ > 0) --history_pending_;
  }
  cv_.notify_all();
}

void Feed::AddLocked(LinePtr line) {
  if (live_.size() >= capacity_) {
    ++dropped_;
  } else {
    live_.push_back(std::move(line));
  }
}

bool Feed::Push(LinePtr line) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    AddLocked(std::move(line));
  }
  cv_.notify_one();
  return true;
}

bool Feed::PushMany(const std::vector<LinePtr>& lines) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    for (const LinePtr& line : lines) AddLocked(line);
  }
  cv_.notify_one();
  return true;
}

void Feed::Finish() {
  {
    std::lock_guard lock(mu_);
    if (unfinished_ > 0) --unfinished_;
    // A source that finishes has delivered its history too.
  }
  cv_.notify_all();
}

bool Feed::Next(std::vector<LinePtr>* out, uint64_t* missed, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  *missed = 0;
  auto ready = [&] {
    if (closed_) return true;
    if (history_pending_ > 0) return false;
    return !history_given_ || !live_.empty() || dropped_ > 0 || unfinished_ == 0;
  };
  cv_.wait_for(lock, wait, ready);
  if (closed_) return false;
  if (history_pending_ > 0) return true;  // still waiting for a source's history
  if (!history_given_) {
    history_given_ = true;
    std::stable_sort(history_.begin(), history_.end(), [](const LinePtr& a, const LinePtr& b) {
      return a->line.time_ns < b->line.time_ns;
    });
    out->insert(out->end(), std::make_move_iterator(history_.begin()),
                std::make_move_iterator(history_.end()));
    history_.clear();
    history_.shrink_to_fit();
  }
  out->insert(out->end(), std::make_move_iterator(live_.begin()),
              std::make_move_iterator(live_.end()));
  live_.clear();
  *missed = dropped_;
  dropped_ = 0;
  return !(unfinished_ == 0 && out->empty() && *missed == 0);
}

void Feed::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    history_.clear();
    live_.clear();
  }
  cv_.notify_all();
}

bool Feed::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace aether::logs
