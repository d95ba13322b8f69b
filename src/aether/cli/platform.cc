// Host platform detection and the cached `node` probe.
#include "aether/cli/platform.h"

#include <glob.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aether/cli/process.h"

namespace aether::cli {
namespace {

namespace fs = std::filesystem;

bool HasMuslLoader() {
  glob_t g{};
  int rc = ::glob("/lib/ld-musl*", 0, nullptr, &g);
  bool found = rc == 0 && g.gl_pathc > 0;
  ::globfree(&g);
  return found;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Fingerprint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return path + "|" + std::to_string(st.st_size) + "|" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

std::string NodeArchFromMachine(std::string_view machine) {
  if (machine == "x86_64" || machine == "amd64") return "x64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  if (machine == "i386" || machine == "i686") return "ia32";
  if (machine.starts_with("armv")) return "arm";
  if (machine == "ppc64le" || machine == "ppc64") return "ppc64";
  return std::string(machine);  // s390x, riscv64, loong64… already match
}

HostPlatform DetectHostPlatform() {
  HostPlatform p;
  p.os = "linux";
  struct utsname u {};
  if (::uname(&u) == 0) p.arch = NodeArchFromMachine(u.machine);
  p.libc = HasMuslLoader() ? "musl" : "glibc";
  return p;
}

Result<LocalNode> ProbeLocalNode(const std::string& cache_dir) {
  LocalNode node;
  std::string found = FindOnPath("node");
  if (found.empty()) return node;
  std::error_code ec;
  fs::path resolved = fs::canonical(found, ec);
  node.path = ec ? found : resolved.string();
  std::string fingerprint = Fingerprint(node.path);
  std::string cache_file = cache_dir + "/node.json";

  if (std::ifstream in(cache_file); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    try {
      if (j.is_object() && j.value("fingerprint", "") == fingerprint && !fingerprint.empty()) {
        node.version = j.value("version", "");
        node.abi = j.value("abi", "");
      }
    } catch (const nlohmann::json::exception&) {  // a damaged cache: probe again
      node.version.clear();
    }
  }
  if (node.version.empty()) {
    AETHER_ASSIGN_OR_RETURN(
        ProcessResult r,
        RunCapture({node.path, "-p", "process.versions.node + ' ' + process.versions.modules"}));
    std::string out = Trim(r.output);
    size_t space = out.find(' ');
    if (r.exit_code != 0 || space == std::string::npos) {
      return FailedPrecondition("`node` on PATH does not run: " + LastLines(r.output, 3));
    }
    node.version = out.substr(0, space);
    node.abi = out.substr(space + 1);
    nlohmann::json j = {{"fingerprint", fingerprint}, {"version", node.version}, {"abi", node.abi}};
    fs::create_directories(cache_dir, ec);
    std::string tmp = cache_file + ".tmp" + std::to_string(::getpid());
    if (std::ofstream out_file(tmp); out_file) {
      out_file << j.dump() << "\n";
      out_file.close();
      fs::rename(tmp, cache_file, ec);  // best effort: a cache, not a source of truth
      if (ec) fs::remove(tmp, ec);
    }
  }
  node.major = node.version.substr(0, node.version.find('.'));
  return node;
}

}  // namespace aether::cli
