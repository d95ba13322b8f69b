// LineSplitter: '\n' framing across piece boundaries.
#include "aether/cli/line_splitter.h"

namespace aether::cli {
namespace {

bool Deliver(std::string_view line, const LineSplitter::OnLine& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line.empty() || on_line(line);
}

}  // namespace

bool LineSplitter::Feed(std::string_view piece, const OnLine& on_line) {
  while (!piece.empty()) {
    size_t nl = piece.find('\n');
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return true;
    }
    bool go_on;
    if (partial_.empty()) {
      go_on = Deliver(piece.substr(0, nl), on_line);
    } else {
      partial_.append(piece.substr(0, nl));
      std::string line = std::move(partial_);
      partial_.clear();
      go_on = Deliver(line, on_line);
    }
    piece.remove_prefix(nl + 1);
    if (!go_on) return false;
  }
  return true;
}

}  // namespace aether::cli
