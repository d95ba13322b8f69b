// gitignore-style matching for .aetherignore (see ignore.h). Owned by the artifact module.
// IgnoreRules is immutable after construction and AddPatterns; const methods are thread-safe.
// Segments are matched with fnmatch(3); "**" segments are handled here.
#include "aether/artifact/ignore.h"

#include <fnmatch.h>

#include "aether/artifact/path_safety.h"

namespace aether::artifact {
namespace {

using internal::SplitPath;

bool SegmentMatches(std::string_view pattern, std::string_view name) {
  std::string p(pattern);
  std::string n(name);
  return fnmatch(p.c_str(), n.c_str(), 0) == 0;
}

// Matches pattern segments [pi..] against path segments [si..]. "**" matches zero or more
// segments, except as the last pattern segment where it needs at least one ("a/**" matches
// what is inside a, not a itself).
bool MatchSegments(const std::vector<std::string_view>& pat, size_t pi,
                   const std::vector<std::string_view>& path, size_t si) {
  while (pi < pat.size()) {
    if (pat[pi] == "**") {
      if (pi + 1 == pat.size()) return si < path.size();
      for (size_t k = si; k <= path.size(); ++k) {
        if (MatchSegments(pat, pi + 1, path, k)) return true;
      }
      return false;
    }
    if (si >= path.size() || !SegmentMatches(pat[pi], path[si])) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

// Strips unescaped trailing spaces ("foo\ " keeps its space).
std::string_view TrimTrailing(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
    if (line.size() >= 2 && line[line.size() - 2] == '\\') break;
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace

IgnoreRules IgnoreRules::WithDefaults() {
  IgnoreRules rules;
  rules.AddPatterns("node_modules/\n.git/\n.aether/\n");
  return rules;
}

void IgnoreRules::AddPatterns(std::string_view file_text) {
  size_t start = 0;
  while (start < file_text.size()) {
    size_t end = file_text.find('\n', start);
    if (end == std::string_view::npos) end = file_text.size();
    std::string_view line = TrimTrailing(file_text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negate = true;
      line.remove_prefix(1);
    } else if (line.size() >= 2 && line[0] == '\\' && (line[1] == '#' || line[1] == '!')) {
      line.remove_prefix(1);  // "\#foo" and "\!foo" are literal
    }
    if (!line.empty() && line.back() == '/') {
      rule.dir_only = true;
      while (!line.empty() && line.back() == '/') line.remove_suffix(1);
    }
    if (!line.empty() && line[0] == '/') {
      rule.anchored = true;
      while (!line.empty() && line[0] == '/') line.remove_prefix(1);
    }
    if (line.empty()) continue;
    // A slash anywhere else also anchors the pattern to the root ("a/b", "**/x").
    if (line.find('/') != std::string_view::npos) rule.anchored = true;
    rule.pattern = std::string(line);
    rules_.push_back(std::move(rule));
  }
}

bool IgnoreRules::IgnoredSelf(std::string_view rel_path, bool is_dir) const {
  if (rules_.empty()) return false;
  std::vector<std::string_view> path = SplitPath(rel_path);
  if (path.empty()) return false;
  bool ignored = false;
  for (const Rule& rule : rules_) {
    if (rule.dir_only && !is_dir) continue;
    if (ignored != rule.negate) continue;  // this rule could not change the outcome
    bool match;
    if (!rule.anchored) {
      match = SegmentMatches(rule.pattern, path.back());
    } else {
      match = MatchSegments(SplitPath(rule.pattern), 0, path, 0);
    }
    if (match) ignored = !rule.negate;
  }
  return ignored;
}

bool IgnoreRules::Ignored(std::string_view rel_path, bool is_dir) const {
  if (rules_.empty()) return false;
  for (size_t slash = rel_path.find('/'); slash != std::string_view::npos;
       slash = rel_path.find('/', slash + 1)) {
    if (slash > 0 && IgnoredSelf(rel_path.substr(0, slash), true)) return true;
  }
  return IgnoredSelf(rel_path, is_dir);
}

}  // namespace aether::artifact
