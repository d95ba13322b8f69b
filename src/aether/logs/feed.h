// Feed: one reader's queue of log lines. Sources push into it from their own threads; the
// reader (an HTTP connection) pulls. History (each source's past lines) is held back until every
// source has delivered it, then handed over merged in time order; live lines follow in arrival
// order. The live queue is bounded: when the reader falls behind, new lines are dropped and
// counted, and Next reports the count, so a slow reader never stalls a source or other readers
// and is told what it missed. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "aether/logs/log_line.h"

namespace aether::logs {

class Feed {
 public:
  // `sources`: how many sources will call EndHistory (and, without follow, Finish).
  explicit Feed(int sources, size_t capacity = 8192);

  // History lines (any order; merged by time). Only before this source's EndHistory.
  void PushHistory(std::vector<LinePtr> lines);
  void EndHistory();
  // A live line. Returns false once the reader has closed the feed (the source may detach).
  bool Push(LinePtr line);
  // Several live lines at once (one lock and one wake-up): what a tailer read in one round.
  bool PushMany(const std::vector<LinePtr>& lines);
  // This source will push nothing more (no follow, or it shut down).
  void Finish();

  // Waits up to `wait` for lines and moves them into *out (in order): the merged history first,
  // then live lines. *missed is the number of live lines dropped since the previous call.
  // Returns false when every source has finished and everything was taken (or Close was
  // called): the stream is over.
  bool Next(std::vector<LinePtr>* out, uint64_t* missed, std::chrono::milliseconds wait);
  // The reader is gone; Push returns false from now on.
  void Close();
  bool closed() const;

 private:
  // Queues a live line, or counts it as dropped when the queue is full. mu_ held.
  void AddLocked(LinePtr line);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  const size_t capacity_;
  int history_pending_;
  int unfinished_;
  std::vector<LinePtr> history_;
  bool history_given_ = false;
  std::deque<LinePtr> live_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace aether::logs
