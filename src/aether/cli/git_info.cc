// ReadGitInfo over `git -C dir …` via RunCapture (stdout and stderr arrive combined, so only
// exit codes and well-formed output are trusted).
#include "aether/cli/git_info.h"

#include <cctype>

#include "aether/cli/process.h"

namespace aether::cli {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) --e;
  return std::string(s.substr(b, e - b));
}

bool IsObjectId(std::string_view s) {
  if (s.size() != 40 && s.size() != 64) return false;  // sha1 or sha256 repositories
  for (char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

}  // namespace

std::string StripUrlUserinfo(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t host = scheme + 3;
  size_t end = url.find_first_of("/?#", host);
  if (end == std::string_view::npos) end = url.size();
  size_t at = url.substr(host, end - host).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, host)) + std::string(url.substr(host + at + 1));
}

Result<GitInfo> ReadGitInfo(const std::string& dir) {
  GitInfo info;
  if (FindOnPath("git").empty()) return info;
  auto head = RunCapture({"git", "-C", dir, "rev-parse", "--verify", "-q", "HEAD"});
  if (!head.ok() || head->exit_code != 0) return info;  // not a repo, or no commits yet
  std::string commit = Trim(head->output);
  if (!IsObjectId(commit)) {
    return Internal("git rev-parse HEAD in " + dir +
                    ": unexpected output: " + LastLines(head->output, 2));
  }
  info.in_repo = true;
  info.commit = commit;

  AETHER_ASSIGN_OR_RETURN(
      ProcessResult status,
      RunCapture({"git", "-C", dir, "status", "--porcelain", "--untracked-files=normal"}));
  if (status.exit_code != 0) {
    return Internal("git status in " + dir + " failed: " + LastLines(status.output, 2));
  }
  info.dirty = !Trim(status.output).empty();

  AETHER_ASSIGN_OR_RETURN(ProcessResult remote,
                          RunCapture({"git", "-C", dir, "remote", "get-url", "origin"}));
  if (remote.exit_code == 0) info.remote = StripUrlUserinfo(Trim(remote.output));
  return info;
}

}  // namespace aether::cli
