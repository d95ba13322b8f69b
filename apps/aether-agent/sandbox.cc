// The bwrap command line of the app sandbox and the host probing it needs (sandbox.h).
#include "sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "aether/core/files.h"

namespace aether::agent {
namespace {

namespace fs = std::filesystem;

// The part of /etc an app needs: name resolution, users and groups (no shadow), TLS trust, the
// dynamic linker cache, the time zone and Debian's alternatives symlinks. The rest of /etc may
// hold credentials (database configs, /etc/aether, ssl/private) and stays out.
constexpr const char* kEtcFiles[] = {
    "/etc/resolv.conf", "/etc/hosts",           "/etc/host.conf",       "/etc/nsswitch.conf",
    "/etc/gai.conf",    "/etc/passwd",          "/etc/group",           "/etc/localtime",
    "/etc/timezone",    "/etc/ld.so.cache",     "/etc/ld.so.conf",      "/etc/ld.so.conf.d",
    "/etc/ssl/certs",   "/etc/ssl/openssl.cnf", "/etc/ca-certificates", "/etc/alternatives",
};

constexpr const char* kSystemEntries[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};

// Whether `path` lies in what the sandbox binds anyway (/usr and the top-level system entries).
bool UnderSystem(const fs::path& path) {
  std::string p = path.lexically_normal().string();
  for (const char* dir : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::string d = dir;
    if (p == d || p.starts_with(d + "/")) return true;
  }
  return false;
}

// Whether `path` is one of the /etc files bound, or inside one of them.
bool UnderEtcFile(const std::string& path) {
  for (const char* file : kEtcFiles) {
    std::string f = file;
    if (path == f || path.starts_with(f + "/")) return true;
  }
  return false;
}

void Add(std::vector<std::string>& argv, std::initializer_list<std::string> args) {
  argv.insert(argv.end(), args);
}

// bwrap creates the missing parents of a mount point as 0700 root directories (unreadable for
// the app once it is not root): each parent is made first as a 0755 directory.
void AddParents(std::vector<std::string>& argv, std::set<std::string>& made, const fs::path& p) {
  std::vector<std::string> parents;
  for (fs::path d = p.parent_path(); d.has_relative_path(); d = d.parent_path()) {
    parents.push_back(d.string());
  }
  for (auto it = parents.rbegin(); it != parents.rend(); ++it) {
    if (made.insert(*it).second) Add(argv, {"--perms", "0755", "--dir", *it});
  }
}

}  // namespace

std::vector<std::string> SandboxArgv(const SandboxSpec& spec) {
  std::vector<std::string> argv = {"bwrap"};
  if (spec.run_as) {
    // Root: no user namespace (its root would map to the host's root), the namespaces below,
    // and only the capabilities setpriv needs to become run_as; it drops them all itself.
    Add(argv,
        {"--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--cap-drop",
         "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"});
  } else {
    Add(argv, {"--unshare-all", "--share-net", "--unshare-user", "--disable-userns", "--cap-drop",
               "ALL"});
  }
  Add(argv, {"--die-with-parent", "--ro-bind", "/usr", "/usr"});
  for (const HostEntry& e : spec.system) {
    if (e.link_target.empty()) {
      Add(argv, {"--ro-bind", e.path, e.path});
    } else {
      Add(argv, {"--symlink", e.link_target, e.path});
    }
  }
  std::set<std::string> made;
  for (const char* file : kEtcFiles) {
    AddParents(argv, made, file);
    Add(argv, {"--ro-bind-try", file, file});
  }
  for (const std::string& path : spec.extra_ro) {
    if (UnderSystem(path) || UnderEtcFile(path)) continue;  // bound already
    AddParents(argv, made, path);
    Add(argv, {"--ro-bind-try", path, path});
  }
  Add(argv, {"--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"});
  Add(argv, {"--bind", spec.app_dir, kSandboxAppDir, "--chdir", kSandboxAppDir});
  Add(argv, {"--setenv", "HOME", kSandboxAppDir, "--setenv", "PATH", spec.path, "--unsetenv",
             "TMPDIR", "--"});
  if (spec.run_as) {
    Add(argv, {"setpriv", "--reuid=" + std::to_string(spec.run_as->first),
               "--regid=" + std::to_string(spec.run_as->second), "--clear-groups",
               "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"});
  }
  Add(argv, {"env", "--default-signal=HUP,INT,TERM", "--"});
  argv.insert(argv.end(), spec.command.begin(), spec.command.end());
  return argv;
}

std::vector<HostEntry> DetectHostSystem() {
  std::vector<HostEntry> out;
  for (const char* path : kSystemEntries) {
    std::error_code ec;
    auto st = fs::symlink_status(path, ec);
    if (ec || !fs::exists(st)) continue;
    if (fs::is_symlink(st)) {
      out.push_back({path, fs::read_symlink(path, ec).string()});
    } else if (fs::is_directory(st)) {
      out.push_back({path, ""});
    }
  }
  return out;
}

std::vector<std::string> ExtraReadOnlyPaths(const std::vector<std::string>& command) {
  std::vector<std::string> out;
  if (!command.empty()) {
    std::string program =
        command[0].find('/') != std::string::npos ? command[0] : FindOnPath(command[0]);
    std::error_code ec;
    fs::path real = program.empty() ? fs::path() : fs::canonical(program, ec);
    if (!ec && !real.empty() && !UnderSystem(real)) {
      // /opt/node-v20/bin/node → /opt/node-v20 (its lib/ and include/ come along).
      fs::path dir = real.parent_path();
      out.push_back((dir.filename() == "bin" ? dir.parent_path() : dir).string());
    }
  }
  if (const char* ca = std::getenv("NODE_EXTRA_CA_CERTS"); ca != nullptr && *ca == '/') {
    out.emplace_back(ca);
  }
  return out;
}

Status GiveAppDir(const std::string& dir, uid_t uid, gid_t gid) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    return Status(ErrorCode::kFailedPrecondition,
                  "cannot stat " + dir + ": " + std::strerror(errno));
  }
  if (st.st_uid == uid && st.st_gid == gid) return Status::Ok();
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (::lchown(it->path().c_str(), uid, gid) != 0) {
      return Status(ErrorCode::kInternal,
                    "cannot chown " + it->path().string() + ": " + std::strerror(errno));
    }
  }
  if (ec) return Status(ErrorCode::kInternal, "cannot list " + dir + ": " + ec.message());
  if (::lchown(dir.c_str(), uid, gid) != 0) {
    return Status(ErrorCode::kInternal, "cannot chown " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace aether::agent
