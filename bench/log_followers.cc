// Load generator for bench/log_fanout.py: N concurrent `GET /apps/{app}/logs?follow=1` streams,
// each parsing every line the log-spammer app wrote ("seq=<n> t=<unix ns>") to measure the
// latency from write to receipt and to count lines lost (gaps in each instance's sequence, and
// the server's "missed N lines" notices). Prints one JSON object. Each follower is a thread
// with its own HTTP client; lines are parsed by hand (no JSON library) so the load generator
// stays cheaper than what it measures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "aether/http/client.h"

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Latency histogram with 2% wide buckets from 1 µs to about an hour.
struct Histogram {
  static constexpr double kGrowth = 1.02;
  std::vector<uint64_t> buckets = std::vector<uint64_t>(1200);
  uint64_t count = 0;
  void Add(int64_t ns) {
    double us = std::max<double>(1.0, static_cast<double>(ns) / 1000.0);
    auto b = static_cast<size_t>(std::log(us) / std::log(kGrowth));
    ++buckets[std::min(b, buckets.size() - 1)];
    ++count;
  }
  void Merge(const Histogram& o) {
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += o.buckets[i];
    count += o.count;
  }
  double QuantileMs(double q) const {
    if (count == 0) return 0;
    auto want = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count)));
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets.size(); ++i) {
      seen += buckets[i];
      if (seen >= want) return std::pow(kGrowth, static_cast<double>(i) + 1) / 1000.0;
    }
    return 0;
  }
};

struct FollowerResult {
  Histogram latency;
  uint64_t lines = 0;
  uint64_t gaps = 0;     // lines missing from an instance's sequence
  uint64_t notices = 0;  // lines the server said it dropped for this reader
  std::string error;
};

int64_t NumberAfter(std::string_view s, size_t from, const char* key) {
  size_t p = s.find(key, from);
  if (p == std::string::npos) return -1;
  p += std::strlen(key);
  int64_t v = 0;
  bool any = false;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
    v = v * 10 + (s[p++] - '0');
    any = true;
  }
  return any ? v : -1;
}

std::string_view StringField(std::string_view s, const char* key) {
  size_t p = s.find(key);
  if (p == std::string_view::npos) return {};
  p += std::strlen(key);
  size_t e = s.find('"', p);
  return e == std::string_view::npos ? std::string_view() : s.substr(p, e - p);
}

void Follow(const std::string& url, const std::string& token, int64_t measure_from_ns,
            const std::atomic<bool>* stop, FollowerResult* out) {
  auto client = aether::http::NewClient();
  aether::http::ClientRequest req;
  req.url = url;
  req.headers["Authorization"] = "Bearer " + token;
  req.timeout = std::chrono::hours(1);
  req.cancel = stop;
  std::vector<std::pair<std::string, int64_t>> last_seq;  // per instance (a handful)
  std::string pending;
  req.on_body = [&](std::string_view chunk) {
    int64_t now = NowNs();
    pending.append(chunk);
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line = std::string_view(pending).substr(start, nl - start);
      // The app's lines carry "seq=<n> t=<ns>"; anything else is a platform line.
      size_t at = line.find("seq=");
      if (at == std::string_view::npos) {
        int64_t missed = NumberAfter(line, 0, "missed ");
        if (missed > 0) out->notices += static_cast<uint64_t>(missed);
        continue;
      }
      int64_t seq = NumberAfter(line, at, "seq=");
      int64_t t = NumberAfter(line, at, " t=");
      if (seq < 0 || t < 0) continue;
      ++out->lines;
      std::string_view instance = StringField(line, "instance\":\"");
      auto it = std::find_if(last_seq.begin(), last_seq.end(),
                             [&](const auto& e) { return e.first == instance; });
      if (it == last_seq.end()) it = last_seq.emplace(last_seq.end(), instance, -1);
      int64_t& last = it->second;
      if (last >= 0 && seq > last + 1) out->gaps += static_cast<uint64_t>(seq - last - 1);
      last = std::max(last, seq);
      if (t >= measure_from_ns) out->latency.Add(now - t);
    }
    pending.erase(0, start);
    return !stop->load();
  };
  auto res = client->Send(req);
  if (!stop->load()) {
    out->error = res.ok() ? "stream ended (HTTP " + std::to_string(res->status) + ")"
                          : res.status().ToString();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{
      {"--followers", "200"}, {"--seconds", "20"}, {"--warmup", "3"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.contains("--url") || !args.contains("--token")) {
    std::fprintf(stderr,
                 "usage: log_followers --url http://HOST:PORT/apps/APP/logs?follow=1 --token T "
                 "[--followers 200] [--seconds 20] [--warmup 3]\n");
    return 2;
  }
  const int n = std::stoi(args["--followers"]);
  const double seconds = std::stod(args["--seconds"]);
  const double warmup = std::stod(args["--warmup"]);
  std::atomic<bool> stop{false};
  std::vector<FollowerResult> results(static_cast<size_t>(n));
  const int64_t measure_from = NowNs() + static_cast<int64_t>(warmup * 1e9);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back(Follow, args["--url"], args["--token"], measure_from, &stop,
                         &results[static_cast<size_t>(i)]);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup + seconds));
  stop = true;
  for (auto& t : threads) t.join();
  Histogram all;
  uint64_t lines = 0, gaps = 0, notices = 0, errors = 0;
  std::string first_error;
  for (const auto& r : results) {
    all.Merge(r.latency);
    lines += r.lines;
    gaps += r.gaps;
    notices += r.notices;
    if (!r.error.empty()) {
      ++errors;
      if (first_error.empty()) first_error = r.error;
    }
  }
  std::printf(
      "{\"followers\": %d, \"seconds\": %.1f, \"lines_received\": %llu, \"measured\": %llu, "
      "\"p50_ms\": %.2f, \"p90_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
      "\"lost_gaps\": %llu, \"lost_notices\": %llu, \"follower_errors\": %llu, "
      "\"first_error\": \"%s\"}\n",
      n, seconds, static_cast<unsigned long long>(lines),
      static_cast<unsigned long long>(all.count), all.QuantileMs(0.5), all.QuantileMs(0.9),
      all.QuantileMs(0.99), all.QuantileMs(1.0), static_cast<unsigned long long>(gaps),
      static_cast<unsigned long long>(notices), static_cast<unsigned long long>(errors),
      first_error.c_str());
  return 0;
}
