// Implementation of path_safety.h. Internal to the artifact module; pure functions,
// thread-safe.
#include "aether/artifact/path_safety.h"

namespace aether::artifact::internal {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") out.push_back(part);
    start = slash + 1;
  }
  return out;
}

Result<std::string> CleanEntryPath(std::string_view raw) {
  auto unsafe = [&] {
    return InvalidArgument("unsafe path '" + std::string(raw.substr(0, 200)) + "' in layer");
  };
  if (raw.empty() || raw[0] == '/' || raw.find('\0') != std::string_view::npos) return unsafe();
  std::string out;
  for (std::string_view part : SplitPath(raw)) {
    if (part == "..") return unsafe();
    if (!out.empty()) out.push_back('/');
    out.append(part);
  }
  if (out.empty()) return unsafe();
  return out;
}

bool SymlinkTargetSafe(std::string_view link_path, std::string_view target) {
  if (target.empty() || target[0] == '/' || target.find('\0') != std::string_view::npos) {
    return false;
  }
  size_t depth = SplitPath(link_path).size();
  if (depth == 0) return false;
  --depth;  // the link's directory
  size_t ups = 0;
  bool seen_name = false;
  for (std::string_view part : SplitPath(target)) {
    if (part == "..") {
      if (seen_name) return false;
      if (++ups > depth) return false;
    } else {
      seen_name = true;
    }
  }
  return true;
}

}  // namespace aether::artifact::internal
