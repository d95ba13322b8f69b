// Tests for Metrics: the series and label sets it renders, the store gauges, and that the output
// parses as the Prometheus text exposition format (checked by a small strict parser below).
#include "aether/metrics/metrics.h"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "aether/core/model.h"

namespace aether {
namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family name → counter|gauge|histogram|…
  std::vector<Sample> samples;
  std::vector<std::string> errors;

  // The value of the one sample with this name and exactly these labels, or -1.
  double Value(const std::string& name, const std::map<std::string, std::string>& labels) const {
    for (const Sample& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return -1;
  }
  bool Has(const std::string& name) const {
    for (const Sample& s : samples) {
      if (s.name == name) return true;
    }
    return false;
  }
};

bool ValidName(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  }
  return true;
}

// Parses text format 0.0.4: "# HELP", "# TYPE" and `name{k="v",…} value` lines. A sample must
// belong to a family declared by an earlier TYPE line (histograms: _bucket, _sum, _count).
Exposition Parse(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  std::string line;
  std::string family;  // the family of the last TYPE line
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      if (!ValidName(name) || out.types.count(name) != 0) out.errors.push_back("TYPE: " + line);
      out.types[name] = type;
      family = name;
      continue;
    }
    if (line[0] == '#') continue;
    Sample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find("=\"", i);
        if (eq == std::string::npos) break;
        std::string key = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          value += line[j];
        }
        if (!ValidName(key) || s.labels.count(key) != 0) out.errors.push_back("label: " + line);
        s.labels[key] = value;
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size() || line[i] != '}') out.errors.push_back("labels: " + line);
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      out.errors.push_back("value: " + line);
      continue;
    }
    std::string value = line.substr(i + 1);
    size_t used = 0;
    try {
      s.value = value == "+Inf" ? 1e308 : std::stod(value, &used);
    } catch (...) {
      used = 0;
    }
    if (value != "+Inf" && used != value.size()) out.errors.push_back("number: " + line);
    std::string base = s.name;
    auto it = out.types.find(family);
    bool ok = ValidName(s.name) && it != out.types.end();
    if (ok && it->second == "histogram") {
      ok = s.name == family + "_bucket" || s.name == family + "_sum" || s.name == family + "_count";
      if (s.name == family + "_bucket" && s.labels.count("le") == 0) ok = false;
    } else if (ok) {
      ok = s.name == family;
    }
    if (!ok) out.errors.push_back("sample outside its family: " + line);
    out.samples.push_back(std::move(s));
  }
  return out;
}

TEST(Metrics, RendersRequestSeriesByRoutePattern) {
  Metrics m;
  m.ObserveRequest("GET", "/apps/{app}", 200, 0.003);
  m.ObserveRequest("GET", "/apps/{app}", 200, 0.2);
  m.ObserveRequest("GET", "/apps/{app}", 404, 0.001);
  m.ObserveRequest("POST", "unmatched", 405, 0.0005);
  Exposition e = Parse(m.Render(nullptr));
  EXPECT_TRUE(e.errors.empty()) << ::testing::PrintToString(e.errors);
  EXPECT_EQ(e.types["aether_http_requests_total"], "counter");
  EXPECT_EQ(e.types["aether_http_request_duration_seconds"], "histogram");
  const std::string total = "aether_http_requests_total";
  EXPECT_EQ(e.Value(total, {{"method", "GET"}, {"route", "/apps/{app}"}, {"status", "200"}}), 2);
  EXPECT_EQ(e.Value(total, {{"method", "GET"}, {"route", "/apps/{app}"}, {"status", "404"}}), 1);
  EXPECT_EQ(e.Value(total, {{"method", "POST"}, {"route", "unmatched"}, {"status", "405"}}), 1);

  const std::string hist = "aether_http_request_duration_seconds";
  const std::map<std::string, std::string> get = {{"method", "GET"}, {"route", "/apps/{app}"}};
  EXPECT_EQ(e.Value(hist + "_count", get), 3);
  EXPECT_NEAR(e.Value(hist + "_sum", get), 0.204, 1e-9);
  auto bucket = [&](const std::string& le) {
    auto labels = get;
    labels["le"] = le;
    return e.Value(hist + "_bucket", labels);
  };
  EXPECT_EQ(bucket("0.005"), 2);  // 0.003 and 0.001
  EXPECT_EQ(bucket("0.1"), 2);
  EXPECT_EQ(bucket("0.25"), 3);
  EXPECT_EQ(bucket("+Inf"), 3);
  // Buckets are cumulative.
  double last = 0;
  for (const Sample& s : e.samples) {
    if (s.name != hist + "_bucket" || s.labels.at("method") != "GET") continue;
    EXPECT_GE(s.value, last) << s.labels.at("le");
    last = s.value;
  }
}

TEST(Metrics, DeploysAndUploadBytes) {
  Metrics m;
  Exposition before = Parse(m.Render(nullptr));
  EXPECT_EQ(before.Value("aether_deploys_total", {{"outcome", "running"}}), 0);
  EXPECT_EQ(before.Value("aether_deploys_total", {{"outcome", "failed"}}), 0);
  EXPECT_EQ(before.Value("aether_upload_bytes_total", {}), 0);
  m.CountDeploy("running");
  m.CountDeploy("running");
  m.CountDeploy("failed");
  m.AddUploadBytes(1000);
  m.AddUploadBytes(24);
  m.AddUploadBytes(-5);  // ignored
  Exposition e = Parse(m.Render(nullptr));
  EXPECT_TRUE(e.errors.empty()) << ::testing::PrintToString(e.errors);
  EXPECT_EQ(e.types["aether_deploys_total"], "counter");
  EXPECT_EQ(e.Value("aether_deploys_total", {{"outcome", "running"}}), 2);
  EXPECT_EQ(e.Value("aether_deploys_total", {{"outcome", "failed"}}), 1);
  EXPECT_EQ(e.types["aether_upload_bytes_total"], "counter");
  EXPECT_EQ(e.Value("aether_upload_bytes_total", {}), 1024);
}

TEST(Metrics, StoreGaugesOnlyWithStats) {
  Metrics m;
  Exposition without = Parse(m.Render(nullptr));
  EXPECT_FALSE(without.Has("aether_apps"));
  EXPECT_EQ(without.types.count("aether_artifact_bytes"), 0u);

  StoreStats stats;
  stats.apps = 3;
  stats.artifacts = 7;
  stats.artifact_bytes = 5'000'000'123;
  stats.running_releases = 2;
  Exposition e = Parse(m.Render(&stats));
  EXPECT_TRUE(e.errors.empty()) << ::testing::PrintToString(e.errors);
  for (const char* name : {"aether_apps", "aether_artifacts_stored", "aether_artifact_bytes",
                           "aether_releases_running"}) {
    EXPECT_EQ(e.types[name], "gauge") << name;
  }
  EXPECT_EQ(e.Value("aether_apps", {}), 3);
  EXPECT_EQ(e.Value("aether_artifacts_stored", {}), 7);
  EXPECT_EQ(e.Value("aether_artifact_bytes", {}), 5'000'000'123.0);
  EXPECT_EQ(e.Value("aether_releases_running", {}), 2);
  // A later scrape sees new values, not a sum.
  stats.apps = 4;
  EXPECT_EQ(Parse(m.Render(&stats)).Value("aether_apps", {}), 4);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.ObserveRequest("GET", "a\"b\\c", 200, 0.1);
  Exposition e = Parse(m.Render(nullptr));
  EXPECT_TRUE(e.errors.empty()) << ::testing::PrintToString(e.errors);
  EXPECT_EQ(e.Value("aether_http_requests_total",
                    {{"method", "GET"}, {"route", "a\"b\\c"}, {"status", "200"}}),
            1);
}

TEST(Metrics, ConcurrentUpdatesAreCounted) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 500; ++i) {
        m.ObserveRequest("GET", "/healthz", 200, 0.001);
        m.AddUploadBytes(2);
        if (i % 100 == 0) m.Render(nullptr);
      }
    });
  }
  for (auto& t : threads) t.join();
  Exposition e = Parse(m.Render(nullptr));
  EXPECT_EQ(e.Value("aether_http_requests_total",
                    {{"method", "GET"}, {"route", "/healthz"}, {"status", "200"}}),
            2000);
  EXPECT_EQ(e.Value("aether_upload_bytes_total", {}), 4000);
}

}  // namespace
}  // namespace aether
