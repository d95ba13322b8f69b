// IgnoreRules: a gitignore-style matcher for .aetherignore (patterns, "#" comments, "!"
// negation, trailing "/" for directories, leading "/" anchors, "**"). Immutable once built;
// safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aether::artifact {

class IgnoreRules {
 public:
  // Always-ignored defaults: node_modules/, .git/, .aether/ (added before the file's own rules).
  static IgnoreRules WithDefaults();
  void AddPatterns(std::string_view file_text);

  // `rel_path` uses '/' separators and no leading "./". A path inside an ignored directory
  // is ignored too (as in git, a file cannot be re-included under an excluded directory).
  bool Ignored(std::string_view rel_path, bool is_dir) const;
  // Like Ignored() but judges `rel_path` alone, not its parent directories: for tree walkers
  // that already skip ignored directories.
  bool IgnoredSelf(std::string_view rel_path, bool is_dir) const;

 private:
  struct Rule {
    std::string pattern;
    bool negate = false;
    bool dir_only = false;
    bool anchored = false;
  };
  std::vector<Rule> rules_;
};

}  // namespace aether::artifact
