// The pieces of reading pod logs that need no API server: the pods/log request path, parsing a
// line of a `timestamps=true` log ("<RFC 3339 nano time> <message>"), the cursor that drops what
// a reopened stream repeats, and the platform event for a container restart. Pure functions and
// value types (a LogCursor belongs to one stream's thread).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace aether::kubert {

struct PodLogRequest {
  std::string ns;
  std::string pod;
  std::string container;
  bool follow = false;
  bool previous = false;
  int tail_lines = -1;              // -1: every line
  std::optional<int64_t> since_ns;  // sinceTime (the API server keeps whole seconds)
};

// "/api/v1/namespaces/<ns>/pods/<pod>/log?container=…&timestamps=true[&follow=true]…"
std::string PodLogPath(const PodLogRequest& r);

struct PodLogLine {
  int64_t time_ns = 0;
  std::string_view message;
};
// One line without its '\n' (a trailing '\r' is dropped too); nullopt when it does not start
// with a time.
std::optional<PodLogLine> ParsePodLogLine(std::string_view line);

// Where a stream is: the time of the last line delivered and how many lines with exactly that
// time were delivered. A stream reopened with sinceTime = that time (rounded down to the second
// by the API server) repeats lines; Accept drops every line older than the cursor and, of the
// lines at the cursor's time, as many as were delivered already, so there is no duplicate and,
// as the kubelet keeps lines in time order, no gap.
class LogCursor {
 public:
  // `floor_ns`: drop lines older than this (the time the stream's history was read, when it
  // had no line); 0 accepts everything.
  explicit LogCursor(int64_t floor_ns = 0) : time_ns_(floor_ns) {}
  // Whether a line at `time_ns` is new; advances the cursor when it is.
  bool Accept(int64_t time_ns);
  // The stream was opened again: lines at the cursor's time are counted afresh.
  void Reopen() { repeated_ = 0; }
  int64_t time_ns() const { return time_ns_; }

 private:
  int64_t time_ns_ = 0;
  int delivered_ = 0;  // lines delivered at time_ns_
  int repeated_ = 0;   // lines at time_ns_ seen since the last Reopen
};

// A container status ({name, restartCount, lastState: {terminated: {exitCode, reason, signal}}})
// whose restart count rose: "container app restarted (restart 2): exited with code 1 (Error)".
std::string RestartMessage(const nlohmann::json& status);

}  // namespace aether::kubert
