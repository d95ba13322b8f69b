// Metrics over prometheus-cpp (core): one registry of counters and histograms for the life of
// the process, and a throw-away registry per scrape for the store gauges. prometheus-cpp's
// families and metrics are internally synchronised; nothing here needs another lock.
#include "aether/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <cstdio>
#include <exception>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aether/core/model.h"

namespace aether {
namespace {

// Request latency buckets (seconds): Prometheus' defaults, which span a health check to a
// multi-second artifact registration.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *buckets;
}

// Metric calls must never throw into a request: failures are reported once and dropped.
template <typename F>
void Guarded(const char* what, F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "[metrics] %s: %s\n", what, e.what());
  } catch (...) {
    std::fprintf(stderr, "[metrics] %s failed\n", what);
  }
}

}  // namespace

struct Metrics::Impl {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("aether_http_requests_total")
          .Help("HTTP requests served, by method, route pattern and status code.")
          .Register(registry);
  prometheus::Family<prometheus::Histogram>& durations =
      prometheus::BuildHistogram()
          .Name("aether_http_request_duration_seconds")
          .Help("Time to handle an HTTP request, by method and route pattern.")
          .Register(registry);
  prometheus::Family<prometheus::Counter>& deploys =
      prometheus::BuildCounter()
          .Name("aether_deploys_total")
          .Help("Deployments that reached a final state, by outcome (running or failed).")
          .Register(registry);
  prometheus::Family<prometheus::Counter>& auth_failures =
      prometheus::BuildCounter()
          .Name("aether_auth_failures_total")
          .Help(
              "Requests refused for their token: status 401 (missing, unknown, expired, "
              "revoked or rotated out) or 403 (scope or app not allowed).")
          .Register(registry);
  prometheus::Counter& upload_bytes = prometheus::BuildCounter()
                                          .Name("aether_upload_bytes_total")
                                          .Help("Layer bytes received by the blob upload routes.")
                                          .Register(registry)
                                          .Add({});

  // The series each request updates, found once per label set: prometheus-cpp's Family::Add
  // builds a whole metric (a histogram's buckets) before it finds an existing one.
  std::mutex series_mu;
  std::map<std::string, prometheus::Counter*> request_counters;   // "method route status"
  std::map<std::string, prometheus::Histogram*> request_latency;  // "method route"
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {
  // Both outcomes exist from the start, so rate() and alerts see a 0 before the first deploy.
  impl_->deploys.Add({{"outcome", "running"}});
  impl_->deploys.Add({{"outcome", "failed"}});
  impl_->auth_failures.Add({{"status", "401"}});
  impl_->auth_failures.Add({{"status", "403"}});
}

Metrics::~Metrics() = default;

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status,
                             double seconds) {
  Guarded("observe request", [&] {
    std::string m(method);
    std::string r(route);
    std::string code = std::to_string(status);
    std::string key = m + " " + r;
    prometheus::Counter* counter = nullptr;
    prometheus::Histogram* latency = nullptr;
    {
      std::lock_guard lock(impl_->series_mu);
      auto& c = impl_->request_counters[key + " " + code];
      if (c == nullptr) c = &impl_->requests.Add({{"method", m}, {"route", r}, {"status", code}});
      auto& h = impl_->request_latency[key];
      if (h == nullptr) h = &impl_->durations.Add({{"method", m}, {"route", r}}, LatencyBuckets());
      counter = c;
      latency = h;
    }
    counter->Increment();
    latency->Observe(seconds < 0 ? 0 : seconds);
  });
}

void Metrics::CountDeploy(std::string_view outcome) {
  Guarded("count deploy", [&] {
    impl_->deploys.Add({{"outcome", std::string(outcome)}}).Increment();
  });
}

void Metrics::CountAuthFailure(int status) {
  Guarded("count auth failure", [&] {
    impl_->auth_failures.Add({{"status", std::to_string(status)}}).Increment();
  });
}

void Metrics::AddUploadBytes(long long bytes) {
  if (bytes <= 0) return;
  Guarded("add upload bytes", [&] { impl_->upload_bytes.Increment(static_cast<double>(bytes)); });
}

std::string Metrics::Render(const StoreStats* stats) const {
  std::string out;
  Guarded("render", [&] {
    std::vector<prometheus::MetricFamily> families = impl_->registry.Collect();
    if (stats != nullptr) {
      prometheus::Registry scrape;
      const std::pair<const char*, const char*> names[] = {
          {"aether_apps", "Apps in the metadata store."},
          {"aether_artifacts_stored", "Artifacts registered in the metadata store."},
          {"aether_artifact_bytes", "Total size of the registered artifacts, in bytes."},
          {"aether_releases_running", "Apps whose current release is running."},
      };
      const long long values[] = {stats->apps, stats->artifacts, stats->artifact_bytes,
                                  stats->running_releases};
      for (size_t i = 0; i < std::size(values); ++i) {
        prometheus::BuildGauge()
            .Name(names[i].first)
            .Help(names[i].second)
            .Register(scrape)
            .Add({})
            .Set(static_cast<double>(values[i]));
      }
      for (auto& family : scrape.Collect()) families.push_back(std::move(family));
    }
    out = prometheus::TextSerializer().Serialize(families);
  });
  return out;
}

}  // namespace aether
