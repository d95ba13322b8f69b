// The app sandbox of `aether-agent run --sandbox`: the bubblewrap (bwrap) command line that runs
// the app with a read-only system, its own release dir at /app (read-write), a private /tmp and
// nothing else of the host, as an unprivileged user. SandboxArgv is a pure function; the others
// read or change the file system. Free functions, thread-compatible.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "aether/core/status.h"

namespace aether::agent {

// Where the release dir appears inside the sandbox (the app's cwd and HOME).
inline constexpr const char* kSandboxAppDir = "/app";
// Whom the app runs as when the agent is root: nobody/nogroup on Debian.
inline constexpr uid_t kSandboxUid = 65534;
inline constexpr gid_t kSandboxGid = 65534;

// The host's top-level system entries (/bin, /sbin, /lib, /lib32, /lib64, /libx32): a symlink
// (merged /usr) is recreated as the same symlink, a real directory is bound read-only.
struct HostEntry {
  std::string path;         // "/lib64"
  std::string link_target;  // "usr/lib64", or "" for a real directory
};

struct SandboxSpec {
  std::string app_dir;  // host path of the release dir, bound read-write at kSandboxAppDir
  // Set when the agent is root: the app drops to this uid/gid (setpriv inside the sandbox) and
  // bwrap keeps the host user namespace, so the app is a plain unprivileged user on the host.
  // Unset: bwrap creates a user namespace and the app keeps the agent's own (non-root) uid.
  std::optional<std::pair<uid_t, gid_t>> run_as;
  std::vector<HostEntry> system;      // see HostEntry
  std::vector<std::string> extra_ro;  // more host paths bound read-only at the same place
  std::string path;                   // PATH inside the sandbox
  std::vector<std::string> command;   // the app's argv (looked up in `path`)
};

// The full argv: "bwrap", its options, then the command (through setpriv when run_as is set,
// then `env --default-signal` so the app gets default SIGTERM/SIGINT/SIGHUP handling back: the
// agent starts bwrap with them ignored, so that only the app reacts to the agent's signals).
std::vector<std::string> SandboxArgv(const SandboxSpec& spec);

// The host's entries for SandboxSpec::system (those that exist).
std::vector<HostEntry> DetectHostSystem();

// Host paths outside the bound system dirs that `command` needs: the install prefix of its
// program when that resolves (on PATH) outside /usr, and NODE_EXTRA_CA_CERTS when set.
std::vector<std::string> ExtraReadOnlyPaths(const std::vector<std::string>& command);

// Gives the release dir to uid/gid (recursively, symlinks not followed) unless it already
// belongs to them: the top directory is changed last, so an interrupted run is redone.
Status GiveAppDir(const std::string& dir, uid_t uid, gid_t gid);

}  // namespace aether::agent
