// Metrics: aetherd's Prometheus counters and histograms (HTTP requests, deploy outcomes, upload
// bytes) and their text exposition, with the metadata store's gauges added at scrape time.
// Owned by the composition root and shared by reference; every method is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace aether {

struct StoreStats;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One served request: `route` is the route *pattern* ("/apps/{app}", or "unmatched" for the
  // router's own 404/405), never the raw path, so the label set stays small.
  // Counts aether_http_requests_total{method,route,status} and observes
  // aether_http_request_duration_seconds{method,route}.
  void ObserveRequest(std::string_view method, std::string_view route, int status, double seconds);
  // A deployment reached a final state: aether_deploys_total{outcome} ("running" or "failed").
  void CountDeploy(std::string_view outcome);
  // A request refused for its token: aether_auth_failures_total{status} (401 or 403).
  void CountAuthFailure(int status);
  // Layer bytes received by the blob upload routes: aether_upload_bytes_total.
  void AddUploadBytes(long long bytes);

  // The Prometheus text exposition format (version 0.0.4) of every series, plus the gauges
  // aether_apps, aether_artifacts_stored, aether_artifact_bytes and aether_releases_running
  // when `stats` is not null.
  std::string Render(const StoreStats* stats) const;

  // The Content-Type of Render()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aether
