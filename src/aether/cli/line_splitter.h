// LineSplitter: cuts a byte stream that arrives in arbitrary pieces (HTTP chunks) into the
// '\n'-terminated lines it carries, holding a partial line until the rest of it arrives. Used
// for the NDJSON log stream. A value type; one thread at a time.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace aether::cli {

class LineSplitter {
 public:
  using OnLine = std::function<bool(std::string_view)>;

  // Calls `on_line` with every line `piece` completes (without its '\n'; a trailing '\r' is
  // removed too; empty lines are skipped). Stops and returns false as soon as `on_line` does.
  bool Feed(std::string_view piece, const OnLine& on_line);
  // The unterminated rest of the stream ("" when it ended on a line boundary).
  const std::string& partial() const { return partial_; }
  void Clear() { partial_.clear(); }

 private:
  std::string partial_;
};

}  // namespace aether::cli
