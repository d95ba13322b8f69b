// Pod log request paths, line parsing, the reopen cursor and restart events.
#include "aether/runtime/kubernetes/pod_log.h"

#include "aether/http/types.h"
#include "aether/logs/log_line.h"

namespace aether::kubert {

std::string PodLogPath(const PodLogRequest& r) {
  std::string p = "/api/v1/namespaces/" + http::PercentEncode(r.ns) + "/pods/" +
                  http::PercentEncode(r.pod) +
                  "/log?container=" + http::PercentEncode(r.container) + "&timestamps=true";
  if (r.follow) p += "&follow=true";
  if (r.previous) p += "&previous=true";
  if (r.tail_lines >= 0) p += "&tailLines=" + std::to_string(r.tail_lines);
  if (r.since_ns) p += "&sinceTime=" + http::PercentEncode(logs::FormatTime(*r.since_ns));
  return p;
}

std::optional<PodLogLine> ParsePodLogLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t space = line.find(' ');
  auto time = logs::ParseTime(line.substr(0, space));
  if (!time) return std::nullopt;
  PodLogLine out;
  out.time_ns = *time;
  if (space != std::string_view::npos) out.message = line.substr(space + 1);
  return out;
}

bool LogCursor::Accept(int64_t time_ns) {
  if (time_ns < time_ns_) return false;
  if (time_ns == time_ns_) {
    if (repeated_ < delivered_) {
      ++repeated_;
      return false;
    }
    ++repeated_;
    ++delivered_;
    return true;
  }
  time_ns_ = time_ns;
  delivered_ = 1;
  repeated_ = 1;
  return true;
}

std::string RestartMessage(const nlohmann::json& status) {
  std::string out = "container " + status.value("name", std::string("?")) + " restarted (restart " +
                    std::to_string(status.value("restartCount", 0)) + ")";
  const auto last = status.find("lastState");
  if (last == status.end() || !last->is_object() || !last->contains("terminated")) return out;
  const nlohmann::json& t = (*last)["terminated"];
  if (!t.is_object()) return out;
  if (t.value("signal", 0) != 0) {
    out += ": killed by signal " + std::to_string(t.value("signal", 0));
  } else {
    out += ": exited with code " + std::to_string(t.value("exitCode", 0));
  }
  const std::string reason = t.value("reason", std::string());
  if (!reason.empty()) out += " (" + reason + ")";
  return out;
}

}  // namespace aether::kubert
