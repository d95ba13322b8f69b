#!/usr/bin/env python3
# nodeagent.py: a kubelet stand-in for AetherEngine's Kubernetes tests. TEST INFRASTRUCTURE ONLY.
#
# The test bed runs a real Kubernetes v1.20.2 control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler; see test/k8s/kube.sh) but there is no kubelet and no container runtime on the machine.
# This program plays the kubelet for one node so that pods really run, and real controllers see real
# pod statuses. It uses only the Python 3.11 standard library and runs as root.
#
# What it implements (kubelet behaviour, as seen through the API):
#   * Node registration (addresses InternalIP + Hostname, capacity/allocatable cpu 2, memory 8Gi, pods 50,
#     Ready/MemoryPressure/DiskPressure/PIDPressure conditions, kubelet endpoint port, nodeInfo v1.20.2),
#     a status heartbeat every --heartbeat seconds and a Lease in kube-node-lease. No taints are set.
#   * A list+watch of the pods bound to the node (fieldSelector spec.nodeName), resumed by resourceVersion,
#     relisted on 410 Gone.
#   * Per pod a network namespace, a veth pair (host end on --bridge, pod end eth0 with an address from
#     --pod-cidr, .2 upward, reused after deletion, a MAC derived from the IP) and a default route via
#     --node-ip. hostNetwork pods run in the host network namespace with podIP = node IP.
#   * Volumes: emptyDir (a directory; medium Memory is also just a directory), secret, configMap,
#     downwardAPI, projected (secret/configMap/downwardAPI/serviceAccountToken via TokenRequest), hostPath.
#     items, defaultMode/mode, optional and subPath are honoured; fsGroup sets the group of the files.
#     Secret/configMap contents are written once at pod start (no refresh while the pod runs).
#   * "Images": there are none. An image whose name (without registry prefix, tag and @digest) is in
#     --images (default aether-nodejs,busybox) is the host file system plus the --path directories,
#     bind-mounted read-only at /run/aether-image/p0, p1, … and prepended to PATH in that order.
#     Any other image gives waiting ErrImagePull, then ImagePullBackOff, retried with back-off.
#   * Each container is a process (its own session / process group) in the pod's network namespace and in
#     its own mount + UTS namespace (hostname = pod hostname) where every volumeMount is bind-mounted at
#     its mountPath (read-only remount for readOnly) and a kubelet-style /etc/hosts is bind-mounted.
#     Mount points missing on the host are created on the host (the mount namespace shares the host's
#     root file system). There is no chroot, no PID/IPC namespace, no cgroup limits and no user namespace.
#     Stopping sends SIGTERM to the container's process group (a real runtime signals only PID 1); when
#     the main process exits or the grace period ends, every process left in its session gets SIGKILL
#     (a child in its own process group, like the app under aether-agent, is still in the session).
#   * command/args with $(VAR) expansion, env (value, secretKeyRef, configMapKeyRef, fieldRef,
#     resourceFieldRef), envFrom, KUBERNETES_SERVICE_HOST/PORT (= node IP and apiserver port), HOSTNAME,
#     HOME, workingDir; runAsUser/runAsGroup/fsGroup/supplementalGroups/runAsNonRoot (setgid/setuid
#     before exec). An exec failure (not found / permission denied) gives terminated reason StartError,
#     exit code 128, with a message naming the directory the uid cannot search (on the dev machine /root is
#     0700, so nothing under /root, e.g. pyenv's python3, runs as another uid; /usr/bin/node,
#     /usr/bin/python3 and a build tree under /work do). The container's PATH is those image mounts
#     followed by /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin (not the agent's PATH).
#   * Logs per container instance in CRI format ("<RFC3339Nano> stdout|stderr F <line>"); the previous
#     instance's log is kept for previous=true.
#   * Lifecycle: init containers in order, then all containers; restartPolicy Always/OnFailure/Never;
#     restarts with exponential back-off (--backoff-initial 1 s doubling up to --backoff-max 10 s; the real
#     kubelet uses 10 s .. 5 min) shown as CrashLoopBackOff; restartCount, lastState, ready, started,
#     containerID aether://<id>, imageID; phase computed like the kubelet's getPhase; conditions
#     PodScheduled/Initialized/ContainersReady/Ready with lastTransitionTime; status written with a
#     strategic-merge PATCH on pods/<name>/status on every change. terminationMessagePolicy
#     FallbackToLogsOnError: on a non-zero exit the message is the log tail (last 80 lines, then at most
#     2048 bytes, as the kubelet reads it). Events (Pulled, Created, Started, Killing, BackOff, Failed,
#     Unhealthy, FailedMount) are posted best-effort; an identical event within 30 s is dropped.
#   * A restarted node agent (same --state-dir) kills what a crashed run left and starts the pods it finds
#     again (new containers; restartCount continues from the pod status); finished pods are left alone.
#   * Probes: startupProbe, livenessProbe, readinessProbe, lifecycle postStart/preStop with exec (run in the
#     container's namespaces with its env and uid), httpGet (named or numeric port, to the pod IP, 200-399
#     is success) and tcpSocket; initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold,
#     failureThreshold. Liveness/startup failure kills the container (preStop, SIGTERM, SIGKILL after the
#     grace period) and it restarts per restartPolicy.
#   * Deletion: on deletionTimestamp run preStop, SIGTERM the process group, SIGKILL after the grace period
#     (deletionGracePeriodSeconds), write the final status, DELETE the pod with gracePeriodSeconds=0 and a
#     uid precondition, then remove netns, veth, IP and volume dirs. Pods that vanish from the API are
#     stopped too. SIGTERM/SIGINT of the agent stops every pod (grace --shutdown-grace), removes every
#     netns/veth it made, marks the node NotReady and exits 0. Leftovers of a crashed earlier run (recorded
#     in --state-dir) are removed at start.
#   * The kubelet log endpoint: HTTPS (self-signed certificate made with openssl in --state-dir) on
#     node-ip:--kubelet-port, GET /containerLogs/{ns}/{pod}/{container} with follow, tailLines, timestamps,
#     sinceSeconds, sinceTime, limitBytes, previous (chunked; a follow ends when the container instance
#     ends, or when the client closes the connection). The apiserver proxies `kubectl logs [-f]` there. Client certificates are not checked.
#     Also GET /healthz.
#
# What it does NOT implement: resource limits/requests enforcement (no cgroups), readOnlyRootFilesystem
# (processes see the host root file system; only volume mounts can be read-only), privileged/capabilities/
# seccomp/AppArmor/SELinux, a PID namespace (a container's main process is not PID 1),
# terminationMessagePath files (policy File always gives an empty message), kubelet API authentication,
# image pulls or image contents, imagePullPolicy, tty/stdin, exec/attach/port-forward (only containerLogs),
# ephemeral containers, readinessGates, activeDeadlineSeconds, in-place spec updates (a changed image does
# not restart the container), volume types other than the ones listed, PVCs, per-service *_SERVICE_HOST
# variables for services other than "kubernetes", DNS (the pod uses the host's /etc/resolv.conf),
# evictions, node status images/volumes, certificate rotation, static pods.
#
# Usage (as root):
#   python3 test/k8s/nodeagent.py --kubeconfig F | --server URL --token T --ca FILE
#       --node-name aether-node --node-ip 10.244.0.1 --bridge aether0 --state-dir DIR --path PATHPREFIX
#       [--kubelet-port 10250] [--pod-cidr CIDR (default: node-ip/24)] [--images aether-nodejs,busybox]
#       [--backoff-initial 1] [--backoff-max 10] [--heartbeat 10] [--shutdown-grace 2]
#       [--hostname-address NAME] [-v]
# The kubeconfig may be JSON or simple YAML: the first `server`, `certificate-authority(-data)`, `token`
# (or `tokenFile`), `client-certificate(-data)`/`client-key(-data)` and `insecure-skip-tls-verify` keys
# found are used (one cluster, one user). --server/--token/--ca override it.
# The apiserver must reach the node at node-ip: run it with --kubelet-preferred-address-types=InternalIP
# (its default tries the Hostname address first), or pass --hostname-address <node-ip>.

import ctypes
import json
import os
import stat
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
IMAGE_ROOT = "/run/aether-image"
BASE_PATH_H = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


# --------------------------------------------------------------------------------------------------
# Helper processes. The agent starts `python3 nodeagent.py --exec-helper` (start a container) or
# `--enter-helper` (run a command inside a running container). The helper is single-threaded, so it can
# setns/unshare safely; it gets its spec in the NODEAGENT_SPEC environment variable and execs the command.
# --------------------------------------------------------------------------------------------------
def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.unshare.argtypes = [ctypes.c_int]
    libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return libc


def _check(rc, what):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def _unsearchable(path):
    """First directory on the way to path that the current (already dropped) uid cannot search."""
    cur = "/"
    for part in [p for p in path.split("/") if p][:-1]:
        cur = os.path.join(cur, part)
        if os.path.isdir(cur) and not os.access(cur, os.X_OK):
            try:
                mode = oct(os.stat(cur).st_mode & 0o7777)
            except OSError:
                mode = "?"
            return cur, mode
    return None


def _exec_error(argv0, env, err):
    uid = os.getuid()
    if "/" in argv0:
        cands = [argv0]
    else:
        cands = [os.path.join(d or ".", argv0) for d in env.get("PATH", "").split(":")]
    if isinstance(err, PermissionError):
        hint = ""
        for c in cands:
            bad = _unsearchable(c)
            if bad:
                hint = f" (uid {uid} cannot search {bad[0]}, mode {bad[1]})"
                break
            if os.path.exists(c) and not os.access(c, os.X_OK):
                hint = f" ({c} is not executable by uid {uid})"
                break
        return f'exec: "{argv0}": permission denied{hint}'
    if isinstance(err, FileNotFoundError):
        hidden = [c for c in cands if _unsearchable(c)]
        extra = ""
        if hidden:
            b = _unsearchable(hidden[0])
            extra = f" (uid {uid} cannot search {b[0]}, mode {b[1]})"
        if "/" in argv0:
            return f'exec: "{argv0}": stat {argv0}: no such file or directory{extra}'
        return f'exec: "{argv0}": executable file not found in $PATH{extra}'
    return f'exec: "{argv0}": {err.strerror or err}'


def helper_main(mode):
    spec = json.loads(os.environ.pop("NODEAGENT_SPEC"))
    sfd = spec.get("status_fd")
    if sfd is not None:
        os.set_inheritable(sfd, False)
    stage = "setup"
    argv = spec["argv"]
    env = spec["env"]
    try:
        libc = _libc()
        if mode == "--exec-helper":
            if spec.get("netns"):
                stage = "join network namespace"
                fd = os.open(spec["netns"], os.O_RDONLY)
                _check(libc.setns(fd, CLONE_NEWNET), "setns")
                os.close(fd)
            stage = "create mount namespace"
            _check(libc.unshare(CLONE_NEWNS | CLONE_NEWUTS), "unshare")
            _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
            # Do not keep other pods' network namespaces alive through our copy of the mount table.
            with open("/proc/self/mountinfo") as f:
                for line in reversed(f.read().splitlines()):
                    mp = line.split(" ")[4]
                    if mp.startswith("/run/netns/") or mp.startswith("/var/run/netns/"):
                        libc.umount2(mp.encode(), MNT_DETACH)
            hn = spec["hostname"].encode()[:64]
            _check(libc.sethostname(hn, len(hn)), "sethostname")
            # Open every source first: a mount over a parent of a later source (an emptyDir at
            # /tmp while the state dir lives under /tmp) would hide it otherwise.
            sources = []
            for m in spec["mounts"]:
                stage = f'open mount source "{m["src"]}"'
                sources.append(os.open(m["src"], os.O_PATH))
            for m, src_fd in zip(spec["mounts"], sources):
                src, dst = m["src"], m["dst"]
                stage = f'mount "{src}" at "{dst}"'
                # Through the fd: an earlier mount (an emptyDir at /tmp) may hide the path.
                if stat.S_ISDIR(os.fstat(src_fd).st_mode):
                    os.makedirs(dst, exist_ok=True)
                elif not os.path.exists(dst):
                    os.makedirs(os.path.dirname(dst) or "/", exist_ok=True)
                    open(dst, "a").close()
                _check(libc.mount(f"/proc/self/fd/{src_fd}".encode(), dst.encode(), None,
                                  MS_BIND | MS_REC, None), "bind mount")
                os.close(src_fd)
                if m.get("ro"):
                    _check(libc.mount(b"none", dst.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None),
                           "read-only remount")
        else:
            stage = "enter container namespaces"
            pid = spec["pid"]
            fds = []
            for ns, flag in (("net", CLONE_NEWNET), ("uts", CLONE_NEWUTS), ("mnt", CLONE_NEWNS)):
                fds.append((os.open(f"/proc/{pid}/ns/{ns}", os.O_RDONLY), flag, ns))
            for fd, flag, ns in fds:
                _check(libc.setns(fd, flag), f"setns {ns}")
                os.close(fd)
        cwd = spec.get("cwd") or "/"
        stage = f'create working directory "{cwd}"'
        os.makedirs(cwd, exist_ok=True)
        if spec.get("uid") is not None:
            stage = "set credentials"
            os.setgroups(spec.get("groups") or [])
            os.setgid(spec["gid"])
            os.setuid(spec["uid"])
        stage = f'chdir to cwd ("{cwd}")'
        os.chdir(cwd)
        stage = "exec"
        # A PATH search of our own: os.execvpe imports modules lazily, and after setuid the
        # interpreter's own library may be unreadable (e.g. a Python under /root).
        if "/" in argv[0]:
            cands = [argv[0]]
        else:
            cands = [(d or ".") + "/" + argv[0] for d in env.get("PATH", BASE_PATH_H).split(":")]
        first = last = None
        for c in cands:
            try:
                os.execve(c, argv, env)
            except OSError as e:
                last = e
                if first is None and not isinstance(e, (FileNotFoundError, NotADirectoryError)):
                    first = e
        raise RuntimeError(_exec_error(argv[0], env, first or last))
    except Exception as e:
        if isinstance(e, RuntimeError):
            msg = str(e)
        elif isinstance(e, OSError):
            msg = f"{stage}: {e.strerror or e}"
        else:
            msg = f"{stage}: {e!r}"
        if sfd is not None:
            os.write(sfd, msg.encode())
            os._exit(128)
        sys.stderr.write(msg + "\n")
        os._exit(126)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] in ("--exec-helper", "--enter-helper"):
    helper_main(sys.argv[1])

# --------------------------------------------------------------------------------------------------
# The agent.
# --------------------------------------------------------------------------------------------------
import argparse  # noqa: E402
import base64  # noqa: E402
import calendar  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import http.server  # noqa: E402
import ipaddress  # noqa: E402
import math  # noqa: E402
import pwd  # noqa: E402
import queue  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import urllib.parse  # noqa: E402

SELF = os.path.abspath(__file__)
VERBOSE = False
_log_lock = threading.Lock()
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def log(msg):
    t = time.time()
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"
    with _log_lock:
        sys.stderr.write(f"{ts} nodeagent: {msg}\n")
        sys.stderr.flush()


def vlog(msg):
    if VERBOSE:
        log(msg)


def rfc3339(t=None):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if t is None else t))


def rfc3339micro(t=None):
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e6):06d}Z"


def rfc3339nano(ns=None):
    ns = time.time_ns() if ns is None else ns
    sec, frac = divmod(ns, 1_000_000_000)
    f = f"{frac:09d}".rstrip("0")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ("." + f if f else "") + "Z"


def parse_time(s):
    """RFC 3339 (with optional fraction and offset) to epoch seconds."""
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", s.strip())
    if not m:
        raise ValueError(f"bad time {s!r}")
    t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    if m.group(2):
        t += float("0" + m.group(2))
    z = m.group(3)
    if z != "Z":
        off = int(z[1:3]) * 3600 + int(z[4:6]) * 60
        t -= off if z[0] == "+" else -off
    return t


def go_duration(sec):
    sec = int(sec)
    if sec < 60:
        return f"{sec}s"
    return f"{sec // 60}m{sec % 60}s"


def get(d, *path, default=None):
    for p in path:
        if not isinstance(d, dict):
            return default
        d = d.get(p)
        if d is None:
            return default
    return d


_QSUFFIX = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
            "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def parse_quantity(q):
    m = re.match(r"^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$", str(q).strip())
    if not m or m.group(2) not in _QSUFFIX:
        raise ValueError(f"bad quantity {q!r}")
    return float(m.group(1)) * _QSUFFIX[m.group(2)]


def expand(s, env):
    """Kubernetes $(VAR) expansion: $(VAR) is replaced when VAR is defined, $$ is an escaped $."""
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "$" and i + 1 < n:
            d = s[i + 1]
            if d == "$":
                out.append("$")
                i += 2
                continue
            if d == "(":
                j = s.find(")", i + 2)
                if j == -1:
                    out.append(s[i:])
                    break
                name = s[i + 2:j]
                out.append(env[name] if name in env else f"$({name})")
                i = j + 1
                continue
            out.append(c + d)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


class ConfigError(Exception):
    """Container config problem: waiting reason CreateContainerConfigError."""


class SetupError(Exception):
    """Pod sandbox / volume problem: containers stay in ContainerCreating."""


# --------------------------------------------------------------------------------------------------
# API client
# --------------------------------------------------------------------------------------------------
class ApiError(Exception):
    def __init__(self, status, body):
        self.status = status
        self.body = body
        msg = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"HTTP {status}: {msg}")


def load_kubeconfig(path):
    text = open(path).read()
    base = os.path.dirname(os.path.abspath(path))
    out = {}
    try:
        cfg = json.loads(text)
        ctxname = cfg.get("current-context")
        ctx = next((c["context"] for c in cfg.get("contexts", []) if c.get("name") == ctxname), None)
        clusters = cfg.get("clusters", [])
        users = cfg.get("users", [])
        cl = next((c["cluster"] for c in clusters if ctx and c.get("name") == ctx.get("cluster")),
                  clusters[0]["cluster"] if clusters else {})
        us = next((u["user"] for u in users if ctx and u.get("name") == ctx.get("user")),
                  users[0]["user"] if users else {})
        vals = {**{k: str(v) for k, v in cl.items()}, **{k: str(v) for k, v in us.items()}}
    except ValueError:
        vals = {}
        for raw in text.splitlines():
            if raw.lstrip().startswith("#"):
                continue
            m = re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.-]+):\s*(.*?)\s*$", raw)
            if m and m.group(2):
                v = m.group(2)
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                    v = v[1:-1]
                vals.setdefault(m.group(1), v)

    def p(x):
        return x if os.path.isabs(x) else os.path.join(base, x)
    out["server"] = vals.get("server")
    if vals.get("certificate-authority"):
        out["ca"] = p(vals["certificate-authority"])
    if vals.get("certificate-authority-data"):
        out["ca_data"] = base64.b64decode(vals["certificate-authority-data"])
    if vals.get("token"):
        out["token"] = vals["token"]
    elif vals.get("tokenFile"):
        out["token"] = open(p(vals["tokenFile"])).read().strip()
    for k, o in (("client-certificate", "cert"), ("client-key", "key")):
        if vals.get(k):
            out[o] = p(vals[k])
        if vals.get(k + "-data"):
            out[o + "_data"] = base64.b64decode(vals[k + "-data"])
    out["insecure"] = vals.get("insecure-skip-tls-verify", "false").lower() == "true"
    return out


class Api:
    def __init__(self, server, token=None, ca=None, cert=None, key=None, insecure=False):
        u = urllib.parse.urlsplit(server)
        self.https = u.scheme == "https"
        self.host = u.hostname
        self.port = u.port or (443 if self.https else 80)
        self.prefix = u.path.rstrip("/")
        self.token = token
        self.ctx = None
        if self.https:
            ctx = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
            if insecure:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if cert:
                ctx.load_cert_chain(cert, key)
            self.ctx = ctx
        self.tl = threading.local()

    def _new_conn(self, timeout):
        if self.https:
            return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def _headers(self, ctype=None):
        h = {"Accept": "application/json", "User-Agent": "aether-nodeagent/1.0 (kubelet stand-in) kubelet/v1.20.2"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if ctype:
            h["Content-Type"] = ctype
        return h

    def url(self, path, query=None):
        return self.prefix + path + ("?" + urllib.parse.urlencode(query) if query else "")

    def call(self, method, path, body=None, query=None, ctype="application/json", retries=6, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        delay = 0.25
        for attempt in range(retries):
            conn = getattr(self.tl, "conn", None)
            if conn is None or conn.timeout != timeout:
                if conn is not None:
                    conn.close()
                conn = self.tl.conn = self._new_conn(timeout)
            try:
                conn.request(method, self.url(path, query), body=data,
                             headers=self._headers(ctype if data is not None else None))
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self.tl.conn = None
                if attempt + 1 < retries:
                    vlog(f"api {method} {path}: {e!r}, retrying")
                    time.sleep(delay)
                    delay = min(delay * 2, 4)
                    continue
                raise ApiError(0, {"message": f"{method} {path}: {e!r}"})
            try:
                obj = json.loads(raw) if raw else None
            except ValueError:
                obj = {"message": raw.decode(errors="replace")}
            if resp.status >= 500 or resp.status == 429:
                if attempt + 1 < retries:
                    vlog(f"api {method} {path}: HTTP {resp.status}, retrying")
                    time.sleep(delay)
                    delay = min(delay * 2, 4)
                    continue
            if resp.status >= 400:
                raise ApiError(resp.status, obj)
            return obj
        raise ApiError(0, {"message": "unreachable"})

    def watch(self, path, query, timeout):
        conn = self._new_conn(timeout)
        try:
            conn.request("GET", self.url(path, query), headers=self._headers())
            resp = conn.getresponse()
            if resp.status != 200:
                raw = resp.read()
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"message": raw.decode(errors="replace")}
                raise ApiError(resp.status, body)
            while True:
                line = resp.readline()
                if not line:
                    return
                line = line.strip()
                if line:
                    yield json.loads(line)
        finally:
            conn.close()


# --------------------------------------------------------------------------------------------------
# Events (best effort, asynchronous)
# --------------------------------------------------------------------------------------------------
class Events:
    def __init__(self, agent):
        self.agent = agent
        self.q = queue.Queue(maxsize=1000)
        self.recent = {}    # (pod uid, reason, message) -> time posted: repeats within 30 s are dropped
        self.lock = threading.Lock()
        threading.Thread(target=self.run, name="events", daemon=True).start()

    def emit(self, pod, typ, reason, message, container=None):
        md = pod["metadata"]
        key = (md["uid"], reason, message[:300], container)
        t = time.monotonic()
        with self.lock:
            if t - self.recent.get(key, -1e9) < 30:
                return
            self.recent[key] = t
            if len(self.recent) > 5000:
                self.recent = {k: v for k, v in self.recent.items() if t - v < 30}
        now = rfc3339()
        ev = {
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{md['name']}.{secrets.token_hex(8)}", "namespace": md["namespace"]},
            "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": md["name"], "namespace": md["namespace"],
                               "uid": md["uid"], "resourceVersion": md.get("resourceVersion", "")},
            "reason": reason, "message": message[:1024], "type": typ,
            "source": {"component": "kubelet", "host": self.agent.args.node_name},
            "firstTimestamp": now, "lastTimestamp": now, "count": 1,
            "reportingComponent": "kubelet", "reportingInstance": self.agent.args.node_name,
        }
        if container:
            ev["involvedObject"]["fieldPath"] = container
        log(f"event {md['namespace']}/{md['name']} {typ} {reason}: {message[:300]}")
        try:
            self.q.put_nowait(ev)
        except queue.Full:
            pass

    def run(self):
        while True:
            ev = self.q.get()
            try:
                self.agent.api.call("POST", f"/api/v1/namespaces/{ev['metadata']['namespace']}/events", ev, retries=2,
                                    timeout=10)
            except ApiError as e:
                vlog(f"event post failed: {e}")


# --------------------------------------------------------------------------------------------------
# Container instances and per-container state
# --------------------------------------------------------------------------------------------------
class Instance:
    """One run of a container: a process, its log file and its probe state."""

    def __init__(self, cs, index, log_path):
        self.cs = cs
        self.index = index
        self.cid = secrets.token_hex(32)
        self.log_path = log_path
        self.proc = None
        self.pid = None
        self.started_at = time.time()
        self.mono_start = time.monotonic()
        self.finished_at = None
        self.exit_code = None
        self.start_error = None
        self.exited = threading.Event()
        self.started = False
        self.ready = False
        self.kill_request = None
        self.killing = False
        self.env = {}
        self.creds = None
        self.log_lock = threading.Lock()
        self.logf = open(log_path, "ab")

    def write_log(self, stream, line):
        full = line.endswith(b"\n")
        content = line[:-1] if full else line
        if content.endswith(b"\r"):
            content = content[:-1]
        rec = f"{rfc3339nano()} {stream} {'F' if full else 'P'} ".encode() + content + b"\n"
        with self.log_lock:
            if not self.logf.closed:
                self.logf.write(rec)
                self.logf.flush()


class CState:
    def __init__(self, spec, is_init, base_restarts=0):
        self.spec = spec
        self.name = spec["name"]
        self.is_init = is_init
        self.inst = None
        self.instances = []         # last few instances (logs)
        self.terms = []             # terminated records of past instances (latest last)
        self.mode = "waiting"       # waiting | running | terminated
        self.waiting = ("PodInitializing" if is_init else "ContainerCreating", None)
        self.later = None           # (time, reason, message): switch to waiting at time
        self.next_start = 0.0
        self.final = False          # will not run again
        self.succeeded = False      # init container finished with 0
        self.starts = 0
        self.restart_count = base_restarts
        self.backoff_n = 0
        self.pull_n = 0
        self.config_n = 0
        self.image_id = ""

    def backoff(self, agent, ran_for):
        if ran_for is not None and ran_for > 2 * agent.args.backoff_max:
            self.backoff_n = 0
        d = min(agent.args.backoff_max, agent.args.backoff_initial * (2 ** self.backoff_n))
        self.backoff_n += 1
        return d


# --------------------------------------------------------------------------------------------------
# Pod worker: one thread per pod
# --------------------------------------------------------------------------------------------------
class PodWorker:
    def __init__(self, agent, pod):
        md = pod["metadata"]
        self.thread = threading.Thread(target=self.run, name=f"pod-{md['namespace']}/{md['name']}", daemon=True)
        self.agent = agent
        self.pod = pod
        self.uid = md["uid"]
        self.ns = md["namespace"]
        self.pname = md["name"]
        self.wake = threading.Event()
        self.deleting = bool(md.get("deletionTimestamp"))
        self.gone = False
        self.stopping = False
        self.stop_grace = None
        phase = get(pod, "status", "phase")
        self.dormant = phase in ("Succeeded", "Failed")
        self.dir = os.path.join(agent.state_dir, "pods", self.uid)
        self.host_net = bool(get(pod, "spec", "hostNetwork"))
        self.netns = None
        self.veth = None
        self.ip = None
        self.sandbox_ready = False
        self.next_setup = 0.0
        self.setup_failures = 0
        self.vol_paths = {}
        prev = {s["name"]: s.get("restartCount", 0) for s in
                (get(pod, "status", "containerStatuses", default=[]) +
                 get(pod, "status", "initContainerStatuses", default=[]))}
        self.init_cs = [CState(c, True, prev.get(c["name"], 0)) for c in get(pod, "spec", "initContainers", default=[])]
        self.main_cs = [CState(c, False, prev.get(c["name"], 0)) for c in get(pod, "spec", "containers", default=[])]
        if self.init_cs:
            for cs in self.main_cs:
                cs.waiting = ("PodInitializing", None)
        self.init_done = not self.init_cs
        self.terminal = False
        self.start_time = get(pod, "status", "startTime") or rfc3339()
        self.cond = {}   # type -> (status, lastTransitionTime, reason, message)
        self.last_sent = None
        self.deleted_api = False

    def start(self):
        self.thread.start()

    def join(self, timeout=None):
        self.thread.join(timeout)

    # ---- called from other threads
    def update(self, pod):
        self.pod = pod
        if pod["metadata"].get("deletionTimestamp") and not self.deleting:
            self.deleting = True
        self.wake.set()

    def vanish(self):
        self.gone = True
        self.wake.set()

    def request_stop(self, grace):
        self.stop_grace = grace
        self.stopping = True
        self.wake.set()

    @property
    def all_cs(self):
        return self.init_cs + self.main_cs

    def find(self, name):
        for cs in self.all_cs:
            if cs.name == name:
                return cs
        return None

    def ev(self, typ, reason, msg, cs=None):
        field = None
        if cs is not None:
            field = f"spec.{'initContainers' if cs.is_init else 'containers'}{{{cs.name}}}"
        self.agent.events.emit(self.pod, typ, reason, msg, field)

    # ---- main loop
    def run(self):
        try:
            self._run()
        except Exception:
            log(f"pod {self.ns}/{self.pname}: worker crashed:\n{traceback.format_exc()}")
            try:
                self.kill_all(2)
            except Exception:
                pass
        finally:
            try:
                self.cleanup()
            except Exception:
                log(f"pod {self.ns}/{self.pname}: cleanup failed:\n{traceback.format_exc()}")
            self.agent.worker_done(self)

    def _run(self):
        log(f"pod {self.ns}/{self.pname} ({self.uid}): {'tracking finished pod' if self.dormant else 'starting'}")
        if self.dormant:
            self.terminal = True
            self.last_sent = "dormant"
        while True:
            if self.gone or self.stopping or self.deleting:
                break
            self.wake.clear()
            if not self.dormant:
                self.step()
                self.publish()
            self.wake.wait(self.next_wakeup())
        if self.stopping:
            g = min(self.stop_grace, self.pod_grace())
            log(f"pod {self.ns}/{self.pname}: node agent stopping, killing containers (grace {g}s)")
            self.kill_all(g)
        elif self.gone:
            g = min(5, self.pod_grace())
            log(f"pod {self.ns}/{self.pname}: gone from the API, killing containers (grace {g}s)")
            self.kill_all(g)
        else:
            g = self.deletion_grace()
            log(f"pod {self.ns}/{self.pname}: deletion requested, stopping containers (grace {g}s)")
            self.kill_all(g)
            if not self.dormant:
                self.process_exits()
                self.publish()
            try:
                self.agent.api.call("DELETE", f"/api/v1/namespaces/{self.ns}/pods/{self.pname}",
                                    {"apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
                                     "preconditions": {"uid": self.uid}})
                log(f"pod {self.ns}/{self.pname}: deleted")
            except ApiError as e:
                if e.status not in (404, 409):
                    log(f"pod {self.ns}/{self.pname}: delete failed: {e}")
            self.deleted_api = True

    def pod_grace(self):
        g = get(self.pod, "spec", "terminationGracePeriodSeconds")
        return 30 if g is None else int(g)

    def deletion_grace(self):
        g = get(self.pod, "metadata", "deletionGracePeriodSeconds")
        return self.pod_grace() if g is None else int(g)

    def next_wakeup(self):
        now = time.time()
        t = now + 1.0
        for cs in self.all_cs:
            if cs.later:
                t = min(t, cs.later[0])
            if cs.inst is None and not cs.final and not cs.succeeded and cs.next_start > now:
                t = min(t, cs.next_start)
        if not self.sandbox_ready and self.next_setup > now:
            t = min(t, self.next_setup)
        return max(0.01, t - now)

    # ---- state machine
    def process_exits(self):
        now = time.time()
        for cs in self.all_cs:
            if cs.inst is not None and cs.inst.exited.is_set():
                self.on_exit(cs, now)
            if cs.later and now >= cs.later[0]:
                cs.mode = "waiting"
                cs.waiting = (cs.later[1], cs.later[2])
                cs.later = None

    def step(self):
        self.process_exits()
        now = time.time()
        if self.terminal:
            return
        if not self.sandbox_ready:
            if now < self.next_setup:
                return
            try:
                self.setup_sandbox()
                self.sandbox_ready = True
            except (SetupError, ApiError, OSError, subprocess.SubprocessError) as e:
                self.setup_failures += 1
                self.next_setup = now + min(10, 1 + self.setup_failures)
                msg = str(e)
                log(f"pod {self.ns}/{self.pname}: setup failed: {msg}")
                if self.setup_failures in (1, 3, 10):
                    self.ev("Warning", "FailedMount" if "volume" in msg else "FailedCreatePodSandBox", msg)
                return
        if not self.init_done:
            for cs in self.init_cs:
                if cs.succeeded:
                    continue
                if cs.inst is not None:
                    return
                if cs.final:
                    self.terminal = True
                    return
                if now >= cs.next_start:
                    self.start_container(cs)
                return
            self.init_done = True
            for cs in self.main_cs:
                if cs.mode == "waiting" and cs.waiting[0] == "PodInitializing":
                    cs.waiting = ("ContainerCreating", None)
        for cs in self.main_cs:
            if cs.inst is not None:
                inst = cs.inst
                if inst.kill_request and not inst.killing:
                    inst.killing = True
                    threading.Thread(target=self.kill_instance, args=(cs, inst, self.pod_grace(), True),
                                     daemon=True).start()
                continue
            if cs.final:
                continue
            if now >= cs.next_start:
                self.start_container(cs)
        if all(cs.final for cs in self.main_cs):
            self.terminal = True

    def on_exit(self, cs, now):
        inst = cs.inst
        cs.inst = None
        code = inst.exit_code
        if inst.start_error:
            reason, msg = "StartError", inst.start_error
        else:
            reason = "Completed" if code == 0 else "Error"
            msg = None
            if code != 0 and cs.spec.get("terminationMessagePolicy") == "FallbackToLogsOnError":
                msg = self.agent.log_tail_message(inst.log_path)
        t = {"exitCode": code, "reason": reason, "startedAt": rfc3339(inst.started_at),
             "finishedAt": rfc3339(inst.finished_at), "containerID": f"aether://{inst.cid}"}
        if msg:
            t["message"] = msg
        cs.terms = (cs.terms + [t])[-2:]
        cs.mode = "terminated"
        cs.later = None
        log(f"pod {self.ns}/{self.pname}: container {cs.name} exited {code} ({reason})"
            + (f": {msg.splitlines()[-1][:200] if msg.strip() else ''}" if msg else ""))
        policy = get(self.pod, "spec", "restartPolicy") or "Always"
        if cs.is_init:
            if code == 0:
                cs.succeeded = True
                cs.final = True
                return
            restart = policy != "Never"
        else:
            restart = policy == "Always" or (policy == "OnFailure" and code != 0)
        if self.deleting or self.gone or self.stopping:
            restart = False
        if not restart:
            cs.final = True
            return
        delay = cs.backoff(self.agent, inst.finished_at - inst.started_at)
        cs.next_start = now + delay
        cs.later = (now + min(0.5, delay / 2), "CrashLoopBackOff",
                    f"back-off {go_duration(delay)} restarting failed container={cs.name} "
                    f"pod={self.pname}_{self.ns}({self.uid})")
        self.ev("Warning", "BackOff", "Back-off restarting failed container", cs)

    def start_container(self, cs):
        now = time.time()
        spec = cs.spec
        image = spec.get("image", "")
        info = self.agent.image_info(image)
        if info is None:
            cs.pull_n += 1
            delay = min(self.agent.args.backoff_max, self.agent.args.backoff_initial * 2 ** (cs.pull_n - 1))
            msg = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{self.agent.full_ref(image)}": '
                   f'failed to resolve reference "{self.agent.full_ref(image)}": not found (aether test node: no '
                   f'registry; only images named {", ".join(self.agent.images)} map to the host file system)')
            cs.mode = "waiting"
            cs.waiting = ("ErrImagePull", msg)
            cs.later = (now + min(0.5, delay / 2), "ImagePullBackOff", f'Back-off pulling image "{image}"')
            cs.next_start = now + delay
            if cs.pull_n <= 3 or cs.pull_n % 10 == 0:
                self.ev("Normal", "Pulling", f'Pulling image "{image}"', cs)
                self.ev("Warning", "Failed", f'Failed to pull image "{image}": {msg}', cs)
                self.ev("Warning", "Failed", "Error: ErrImagePull", cs)
            return
        if cs.pull_n or cs.starts == 0:
            self.ev("Normal", "Pulled", f'Container image "{image}" already present on machine', cs)
        cs.pull_n = 0
        cs.image_id = f"{self.agent.full_ref(image).split('@')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
        try:
            creds = self.credentials(spec)
            env = self.resolve_env(spec, creds)
            argv = self.build_argv(spec, env, info)
            mounts = self.mounts_for(spec)
        except (ConfigError, ApiError) as e:
            cs.config_n += 1
            delay = min(self.agent.args.backoff_max, self.agent.args.backoff_initial * 2 ** (cs.config_n - 1))
            msg = str(e) if isinstance(e, ConfigError) else f"failed to read config from the API: {e}"
            cs.mode = "waiting"
            cs.waiting = ("CreateContainerConfigError", msg)
            cs.later = None
            cs.next_start = now + delay
            if cs.config_n <= 3 or cs.config_n % 10 == 0:
                self.ev("Warning", "Failed", f"Error: {msg}", cs)
            return
        cs.config_n = 0
        if cs.starts > 0:
            cs.restart_count += 1
        index = cs.starts
        cs.starts += 1
        inst = self.spawn(cs, index, argv, env, creds, mounts, spec.get("workingDir") or "/")
        cs.inst = inst
        cs.instances = (cs.instances + [inst])[-2:]
        cs.mode = "running"
        cs.later = None
        if inst.start_error:
            self.ev("Warning", "Failed", f"Error: {inst.start_error}", cs)
        else:
            self.ev("Normal", "Created", f"Created container {cs.name}", cs)
            self.ev("Normal", "Started", f"Started container {cs.name}", cs)
            log(f"pod {self.ns}/{self.pname}: container {cs.name} started pid {inst.pid}: {argv}")
            if not cs.is_init:
                threading.Thread(target=self.probe_loop, args=(cs, inst), daemon=True,
                                 name=f"probe-{self.pname}/{cs.name}").start()
            else:
                inst.started = True

    # ---- sandbox: network + volumes
    def setup_sandbox(self):
        os.makedirs(self.dir, exist_ok=True)
        if self.host_net:
            self.ip = self.agent.args.node_ip
        elif self.netns is None:
            self.setup_net()
        self.setup_volumes()
        hosts = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost",
                 "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "fe00::0\tip6-mcastprefix",
                 "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters", f"{self.ip}\t{self.hostname()}"]
        aliases = get(self.pod, "spec", "hostAliases", default=[])
        if aliases:
            hosts.append("")
            hosts.append("# Entries added by HostAliases.")
            for a in aliases:
                hosts.append(f"{a.get('ip')}\t{chr(9).join(a.get('hostnames') or [])}")
        with open(os.path.join(self.dir, "etc-hosts"), "w") as f:
            f.write("\n".join(hosts) + "\n")
        os.chmod(os.path.join(self.dir, "etc-hosts"), 0o644)

    def hostname(self):
        return get(self.pod, "spec", "hostname") or self.pname

    def setup_net(self):
        a = self.agent
        h = hashlib.sha1((a.state_dir + self.uid).encode()).hexdigest()[:10]
        ns, veth = f"aether-{h}", f"ae{h}"
        ip = a.alloc_ip(get(self.pod, "status", "podIP"))
        if ip is None:
            raise SetupError(f"no free IP address in {a.net}")
        rec = os.path.join(a.state_dir, "net", f"{self.uid}.json")
        with open(rec, "w") as f:
            json.dump({"netns": ns, "veth": veth, "ip": ip}, f)
        self.netns, self.veth, self.ip = ns, veth, ip
        mac = "0a:58:" + ":".join(f"{int(o):02x}" for o in ip.split("."))
        pl = a.net.prefixlen
        run_quiet(["ip", "link", "del", veth])
        run_quiet(["ip", "netns", "del", ns])
        try:
            sh(["ip", "netns", "add", ns])
            sh(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "address", mac, "netns", ns])
            sh(["ip", "link", "set", veth, "master", a.args.bridge])
            sh(["ip", "link", "set", veth, "up"])
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])
            sh(["ip", "-n", ns, "addr", "add", f"{ip}/{pl}", "dev", "eth0"])
            sh(["ip", "-n", ns, "link", "set", "eth0", "up"])
            sh(["ip", "-n", ns, "route", "add", "default", "via", a.args.node_ip])
            run_quiet(["ip", "neigh", "flush", "to", ip, "dev", a.args.bridge])
        except subprocess.CalledProcessError as e:
            self.teardown_net()
            raise SetupError(f"network setup failed: {e.stderr.strip() if e.stderr else e}")
        log(f"pod {self.ns}/{self.pname}: network ready, ip {ip} netns {ns} veth {veth}")

    def teardown_net(self):
        if self.veth:
            run_quiet(["ip", "link", "del", self.veth])
        if self.netns:
            run_quiet(["ip", "netns", "del", self.netns])
        if self.ip and not self.host_net:
            run_quiet(["ip", "neigh", "flush", "to", self.ip, "dev", self.agent.args.bridge])
            self.agent.release_ip(self.ip)
        try:
            os.unlink(os.path.join(self.agent.state_dir, "net", f"{self.uid}.json"))
        except FileNotFoundError:
            pass
        self.netns = self.veth = None

    def fs_group(self):
        return get(self.pod, "spec", "securityContext", "fsGroup")

    def setup_volumes(self):
        base = os.path.join(self.dir, "volumes")
        os.makedirs(base, exist_ok=True)
        fsg = self.fs_group()
        for v in get(self.pod, "spec", "volumes", default=[]):
            name = v["name"]
            if name in self.vol_paths:
                continue
            d = os.path.join(base, name)
            try:
                if "hostPath" in v:
                    hp = v["hostPath"]
                    p, typ = hp["path"], hp.get("type") or ""
                    if typ == "DirectoryOrCreate":
                        os.makedirs(p, mode=0o755, exist_ok=True)
                    elif typ == "FileOrCreate" and not os.path.exists(p):
                        os.makedirs(os.path.dirname(p), exist_ok=True)
                        open(p, "a").close()
                    elif typ and not os.path.exists(p):
                        raise SetupError(f'hostPath type check failed: {p} does not exist')
                    self.vol_paths[name] = p
                    continue
                if os.path.isdir(d):
                    shutil.rmtree(d)
                os.makedirs(d)
                if "emptyDir" in v:
                    os.chmod(d, 0o777)
                    uid = get(self.pod, "spec", "securityContext", "runAsUser")
                    if uid is not None or fsg is not None:
                        os.chown(d, -1 if uid is None else uid, -1 if fsg is None else fsg)
                    if fsg is not None:
                        os.chmod(d, 0o2777)
                elif "secret" in v:
                    s = v["secret"]
                    data = self.read_source("secret", s.get("secretName"), s.get("optional"))
                    self.write_items(d, data, s.get("items"), s.get("defaultMode", 0o644), fsg, "secret",
                                     s.get("secretName"), s.get("optional"))
                elif "configMap" in v:
                    c = v["configMap"]
                    data = self.read_source("configmap", c.get("name"), c.get("optional"))
                    self.write_items(d, data, c.get("items"), c.get("defaultMode", 0o644), fsg, "configmap",
                                     c.get("name"), c.get("optional"))
                elif "downwardAPI" in v:
                    dw = v["downwardAPI"]
                    self.write_downward(d, dw.get("items") or [], dw.get("defaultMode", 0o644), fsg)
                elif "projected" in v:
                    pj = v["projected"]
                    mode = pj.get("defaultMode", 0o644)
                    for src in pj.get("sources") or []:
                        if "secret" in src:
                            s = src["secret"]
                            data = self.read_source("secret", s.get("name"), s.get("optional"))
                            self.write_items(d, data, s.get("items"), mode, fsg, "secret", s.get("name"),
                                             s.get("optional"))
                        elif "configMap" in src:
                            c = src["configMap"]
                            data = self.read_source("configmap", c.get("name"), c.get("optional"))
                            self.write_items(d, data, c.get("items"), mode, fsg, "configmap", c.get("name"),
                                             c.get("optional"))
                        elif "downwardAPI" in src:
                            self.write_downward(d, src["downwardAPI"].get("items") or [], mode, fsg)
                        elif "serviceAccountToken" in src:
                            t = src["serviceAccountToken"]
                            tok = self.request_token(t.get("audience"), t.get("expirationSeconds", 3600))
                            self.write_file(d, t["path"], tok.encode(), mode, fsg)
                else:
                    kind = next((k for k in v if k != "name"), "?")
                    raise SetupError(f"volume type {kind} is not supported by the aether test node")
            except SetupError as e:
                raise SetupError(f'MountVolume.SetUp failed for volume "{name}" : {e}')
            self.vol_paths[name] = d

    def read_source(self, kind, name, optional):
        path = {"secret": "secrets", "configmap": "configmaps"}[kind]
        try:
            obj = self.agent.api.call("GET", f"/api/v1/namespaces/{self.ns}/{path}/{name}", retries=3)
        except ApiError as e:
            if e.status == 404:
                if optional:
                    return None
                raise SetupError(f'{kind} "{name}" not found')
            raise SetupError(f'{kind} "{name}": {e}')
        out = {}
        if kind == "secret":
            for k, v in (obj.get("data") or {}).items():
                out[k] = base64.b64decode(v)
        else:
            for k, v in (obj.get("data") or {}).items():
                out[k] = v.encode()
            for k, v in (obj.get("binaryData") or {}).items():
                out[k] = base64.b64decode(v)
        return out

    def write_items(self, d, data, items, mode, fsg, kind, name, optional):
        if data is None:
            return
        if items:
            for it in items:
                k = it["key"]
                if k not in data:
                    if optional:
                        continue
                    raise SetupError(f'references non-existent {kind} key: {k}')
                self.write_file(d, it["path"], data[k], it.get("mode", mode), fsg)
        else:
            for k, v in data.items():
                self.write_file(d, k, v, mode, fsg)

    def write_file(self, d, rel, content, mode, fsg):
        p = os.path.normpath(os.path.join(d, rel))
        if not p.startswith(d + "/"):
            raise SetupError(f"invalid path {rel}")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(content)
        m = int(mode)
        if fsg is not None:
            os.chown(p, -1, fsg)
            m |= 0o040
        os.chmod(p, m)

    def write_downward(self, d, items, mode, fsg):
        for it in items:
            if "fieldRef" in it:
                val = self.field_value(it["fieldRef"]["fieldPath"], downward_file=True)
            elif "resourceFieldRef" in it:
                val = self.resource_value(it["resourceFieldRef"], None)
            else:
                continue
            self.write_file(d, it["path"], val.encode(), it.get("mode", mode), fsg)

    def request_token(self, audience, expiration):
        sa = get(self.pod, "spec", "serviceAccountName") or "default"
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                "spec": {"audiences": [audience] if audience else [], "expirationSeconds": int(expiration),
                         "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": self.pname, "uid": self.uid}}}
        try:
            r = self.agent.api.call("POST", f"/api/v1/namespaces/{self.ns}/serviceaccounts/{sa}/token", body, retries=3)
        except ApiError as e:
            raise SetupError(f"failed to fetch token: {e}")
        return r["status"]["token"]

    # ---- container config
    def credentials(self, spec):
        psc = get(self.pod, "spec", "securityContext") or {}
        csc = spec.get("securityContext") or {}
        uid = csc.get("runAsUser", psc.get("runAsUser"))
        gid = csc.get("runAsGroup", psc.get("runAsGroup"))
        nonroot = csc.get("runAsNonRoot", psc.get("runAsNonRoot"))
        if nonroot and (uid is None or uid == 0):
            if uid is None:
                raise ConfigError("container has runAsNonRoot and image will run as root "
                                  f'(pod: "{self.pname}_{self.ns}({self.uid})", container: {spec["name"]})')
            raise ConfigError(f"container's runAsUser breaks non-root policy "
                              f'(pod: "{self.pname}_{self.ns}({self.uid})", container: {spec["name"]})')
        if uid is None and gid is None and psc.get("fsGroup") is None and not psc.get("supplementalGroups"):
            return None
        uid = 0 if uid is None else int(uid)
        if gid is None:
            try:
                gid = pwd.getpwuid(uid).pw_gid
            except KeyError:
                gid = 0
        groups = []
        if psc.get("fsGroup") is not None:
            groups.append(int(psc["fsGroup"]))
        groups += [int(g) for g in psc.get("supplementalGroups") or []]
        return {"uid": uid, "gid": int(gid), "groups": sorted(set(groups))}

    def field_value(self, path, downward_file=False):
        pod = self.pod
        md = pod["metadata"]
        m = re.match(r"^metadata\.(labels|annotations)(?:\['(.*)'\])?$", path)
        if m:
            d = md.get(m.group(1)) or {}
            if m.group(2) is not None:
                return d.get(m.group(2), "")
            return "\n".join(f'{k}="{v}"' for k, v in sorted(d.items()))
        vals = {
            "metadata.name": md["name"], "metadata.namespace": md["namespace"], "metadata.uid": md["uid"],
            "spec.nodeName": get(pod, "spec", "nodeName") or self.agent.args.node_name,
            "spec.serviceAccountName": get(pod, "spec", "serviceAccountName") or "",
            "status.hostIP": self.agent.args.node_ip, "status.podIP": self.ip or "",
            "status.podIPs": self.ip or "",
        }
        if path not in vals:
            raise ConfigError(f"unsupported fieldRef {path}")
        return vals[path]

    def resource_value(self, ref, spec):
        cname = ref.get("containerName") or (spec or {}).get("name")
        c = next((x for x in get(self.pod, "spec", "containers", default=[]) if x["name"] == cname), spec or {})
        res = ref["resource"]
        kind, _, what = res.partition(".")
        v = get(c, "resources", kind, what)
        if v is None and kind == "requests":
            v = get(c, "resources", "limits", what)
        if v is None:
            v = {"cpu": "2", "memory": "8Gi", "ephemeral-storage": "20Gi"}.get(what, "0")
        q = parse_quantity(v)
        div = parse_quantity(ref.get("divisor", "1") or "1")
        return str(int(math.ceil(q / div)))

    def lookup(self, kind, name, key, optional):
        path = {"secret": "secrets", "configmap": "configmaps"}[kind]
        pretty = {"secret": "Secret", "configmap": "ConfigMap"}[kind]
        try:
            obj = self.agent.api.call("GET", f"/api/v1/namespaces/{self.ns}/{path}/{name}", retries=3)
        except ApiError as e:
            if e.status == 404:
                if optional:
                    return None
                raise ConfigError(f'{kind} "{name}" not found')
            raise
        if key is None:
            return obj
        if kind == "secret":
            d = obj.get("data") or {}
            if key in d:
                return base64.b64decode(d[key]).decode(errors="replace")
        else:
            d = obj.get("data") or {}
            if key in d:
                return d[key]
        if optional:
            return None
        raise ConfigError(f"couldn't find key {key} in {pretty} {self.ns}/{name}")

    def resolve_env(self, spec, creds):
        a = self.agent
        env = {"PATH": a.container_path, "HOSTNAME": self.hostname()}
        host, port = a.args.node_ip, str(a.api.port)
        svc = {"KUBERNETES_SERVICE_HOST": host, "KUBERNETES_SERVICE_PORT": port,
               "KUBERNETES_SERVICE_PORT_HTTPS": port, "KUBERNETES_PORT": f"tcp://{host}:{port}",
               f"KUBERNETES_PORT_{port}_TCP": f"tcp://{host}:{port}", f"KUBERNETES_PORT_{port}_TCP_PROTO": "tcp",
               f"KUBERNETES_PORT_{port}_TCP_PORT": port, f"KUBERNETES_PORT_{port}_TCP_ADDR": host}
        env.update(svc)
        for ef in spec.get("envFrom") or []:
            prefix = ef.get("prefix", "")
            for kind, key in (("configmap", "configMapRef"), ("secret", "secretRef")):
                if key not in ef:
                    continue
                ref = ef[key]
                obj = self.lookup(kind, ref.get("name"), None, ref.get("optional"))
                if obj is None:
                    continue
                for k, v in (obj.get("data") or {}).items():
                    if kind == "secret":
                        v = base64.b64decode(v).decode(errors="replace")
                    if re.match(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$", prefix + k):
                        env[prefix + k] = v
        for e in spec.get("env") or []:
            name = e["name"]
            if "valueFrom" in e:
                vf = e["valueFrom"]
                if "secretKeyRef" in vf:
                    r = vf["secretKeyRef"]
                    val = self.lookup("secret", r.get("name"), r["key"], r.get("optional"))
                elif "configMapKeyRef" in vf:
                    r = vf["configMapKeyRef"]
                    val = self.lookup("configmap", r.get("name"), r["key"], r.get("optional"))
                elif "fieldRef" in vf:
                    val = self.field_value(vf["fieldRef"]["fieldPath"])
                elif "resourceFieldRef" in vf:
                    val = self.resource_value(vf["resourceFieldRef"], spec)
                else:
                    val = None
                if val is None:
                    continue
                env[name] = val
            else:
                env[name] = expand(e.get("value", ""), env)
        if "HOME" not in env:
            uid = creds["uid"] if creds else 0
            try:
                env["HOME"] = pwd.getpwuid(uid).pw_dir
            except KeyError:
                env["HOME"] = "/"
        return env

    def build_argv(self, spec, env, info):
        cmd, args = spec.get("command"), spec.get("args")
        entry, dcmd = info
        if cmd:
            argv = list(cmd) + list(args or [])
        elif args:
            argv = list(entry) + list(args)
        else:
            argv = list(entry) + list(dcmd)
        argv = [expand(x, env) for x in argv]
        if not argv:
            raise ConfigError("no command specified")
        return argv

    def mounts_for(self, spec):
        ms = []
        has_hosts = False
        for vm in spec.get("volumeMounts") or []:
            src = self.vol_paths.get(vm["name"])
            if src is None:
                raise ConfigError(f'cannot find volume "{vm["name"]}" to mount into container "{spec["name"]}"')
            sub = vm.get("subPath") or ""
            if vm.get("subPathExpr"):
                sub = expand(vm["subPathExpr"], {})
            if sub:
                src = os.path.normpath(os.path.join(src, sub))
                if not os.path.exists(src):
                    os.makedirs(src, mode=0o755, exist_ok=True)
            dst = os.path.normpath(vm["mountPath"])
            has_hosts |= dst == "/etc/hosts"
            ms.append({"src": src, "dst": dst, "ro": bool(vm.get("readOnly"))})
        if not self.host_net and not has_hosts:
            ms.append({"src": os.path.join(self.dir, "etc-hosts"), "dst": "/etc/hosts", "ro": False})
        for i, d in enumerate(self.agent.image_dirs):
            ms.append({"src": d, "dst": f"{IMAGE_ROOT}/p{i}", "ro": True})
        ms.sort(key=lambda m: m["dst"].count("/"))
        return ms

    # ---- processes
    def spawn(self, cs, index, argv, env, creds, mounts, cwd):
        logdir = os.path.join(self.dir, "logs", cs.name)
        os.makedirs(logdir, exist_ok=True)
        for f in os.listdir(logdir):
            m = re.match(r"^(\d+)\.log$", f)
            if m and int(m.group(1)) < index - 1:
                os.unlink(os.path.join(logdir, f))
        path = os.path.join(logdir, f"{index}.log")
        if os.path.exists(path):
            os.unlink(path)
        inst = Instance(cs, index, path)
        inst.env, inst.creds = env, creds
        r, w = os.pipe()
        hspec = {"netns": None if self.host_net else f"/run/netns/{self.netns}", "hostname": self.hostname(),
                 "mounts": mounts, "cwd": cwd, "argv": argv, "env": env, "status_fd": w}
        if creds:
            hspec.update(creds)
        try:
            proc = subprocess.Popen([sys.executable, "-I", "-S", SELF, "--exec-helper"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(w,),
                                    start_new_session=True,
                                    env={"NODEAGENT_SPEC": json.dumps(hspec), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        finally:
            os.close(w)
        inst.proc = proc
        inst.pid = proc.pid
        err = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            rl, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
            if not rl:
                break
            chunk = os.read(r, 65536)
            if not chunk:
                break
            err += chunk
        os.close(r)
        inst.started_at = time.time()
        inst.mono_start = time.monotonic()
        if err:
            inst.start_error = f"failed to start container \"{cs.name}\": {err.decode(errors='replace')}"
            log(f"pod {self.ns}/{self.pname}: container {cs.name}: {inst.start_error}")
        self.agent.record_pid(inst.pid)
        readers = []
        for stream, name in ((proc.stdout, "stdout"), (proc.stderr, "stderr")):
            t = threading.Thread(target=self._reader, args=(inst, stream, name), daemon=True)
            t.start()
            readers.append(t)
        threading.Thread(target=self._waiter, args=(inst, readers), daemon=True).start()
        return inst

    def _reader(self, inst, stream, name):
        try:
            for line in iter(stream.readline, b""):
                inst.write_log(name, line)
        except (OSError, ValueError):
            pass

    def _waiter(self, inst, readers):
        rc = inst.proc.wait()
        inst.finished_at = time.time()
        kill_container(inst.pid, signal.SIGKILL)   # what the container left behind dies with it
        for t in readers:
            t.join(timeout=3)
        with inst.log_lock:
            inst.logf.close()
        inst.exit_code = 128 - rc if rc < 0 else rc
        if inst.start_error:
            inst.exit_code = 128
        self.agent.forget_pid(inst.pid)
        inst.exited.set()
        self.wake.set()

    def kill_instance(self, cs, inst, grace, prestop, why=None):
        """preStop, SIGTERM, SIGKILL after grace seconds. Called in its own thread."""
        deadline = time.monotonic() + grace
        if inst.exited.is_set():
            return
        if why is None:
            why = inst.kill_request
        if why:
            self.ev("Normal", "Killing", f"Container {cs.name} {why}, will be restarted", cs)
        else:
            self.ev("Normal", "Killing", f"Stopping container {cs.name}", cs)
        handler = get(cs.spec, "lifecycle", "preStop")
        if prestop and handler and not inst.start_error:
            ok, msg = self.run_action(cs, inst, handler, max(1, grace))
            if not ok:
                self.ev("Warning", "FailedPreStopHook", f"PreStopHook failed: {msg}", cs)
        kill_container(inst.pid, signal.SIGTERM, whole_session=False)
        if grace > 0:
            deadline = max(deadline, time.monotonic() + 2)   # the kubelet's minimum after a preStop hook
        cut = False
        while not inst.exited.is_set() and time.monotonic() < deadline:
            if self.agent.stop.is_set() and not cut:
                # the node agent is stopping: do not let a long grace period hold it up
                deadline = min(deadline, time.monotonic() + self.agent.args.shutdown_grace)
                cut = True
            inst.exited.wait(min(0.2, max(0.0, deadline - time.monotonic())))
        if not inst.exited.is_set():
            log(f"pod {self.ns}/{self.pname}: container {cs.name} still running after the grace period, SIGKILL")
            kill_container(inst.pid, signal.SIGKILL)
            inst.exited.wait(10)

    def kill_all(self, grace):
        threads = []
        for cs in self.all_cs:
            inst = cs.inst
            if inst is not None and not inst.exited.is_set():
                inst.killing = True
                t = threading.Thread(target=self.kill_instance, args=(cs, inst, grace, True, ""), daemon=True)
                t.start()
                threads.append(t)
        for t in threads:
            t.join(timeout=grace + 60)

    # ---- probes and handlers
    def container_port(self, spec, port):
        if isinstance(port, int):
            return port
        if str(port).isdigit():
            return int(port)
        for p in spec.get("ports") or []:
            if p.get("name") == port:
                return int(p["containerPort"])
        raise ValueError(f"couldn't find port {port} in container {spec['name']}")

    def run_action(self, cs, inst, action, timeout):
        """Run an exec/httpGet/tcpSocket action; (ok, message)."""
        try:
            if "exec" in action:
                return self.run_exec(cs, inst, action["exec"].get("command") or [], timeout)
            if "httpGet" in action:
                hg = action["httpGet"]
                port = self.container_port(cs.spec, hg.get("port"))
                host = hg.get("host") or self.ip or self.agent.args.node_ip
                path = hg.get("path") or "/"
                if not path.startswith("/"):
                    path = "/" + path
                scheme = (hg.get("scheme") or "HTTP").upper()
                if scheme == "HTTPS":
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
                else:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                headers = {"User-Agent": "kube-probe/1.20", "Accept": "*/*"}
                for h in hg.get("httpHeaders") or []:
                    headers[h["name"]] = h["value"]
                try:
                    conn.request("GET", path, headers=headers)
                    resp = conn.getresponse()
                    body = resp.read(10240)
                finally:
                    conn.close()
                if 200 <= resp.status < 400:
                    return True, ""
                return False, f"HTTP probe failed with statuscode: {resp.status}" + (
                    f" body: {body[:200].decode(errors='replace')}" if body else "")
            if "tcpSocket" in action:
                ts = action["tcpSocket"]
                port = self.container_port(cs.spec, ts.get("port"))
                host = ts.get("host") or self.ip or self.agent.args.node_ip
                s = socket.create_connection((host, port), timeout=timeout)
                s.close()
                return True, ""
            return False, "unsupported handler"
        except socket.timeout:
            return False, (f"{self._probe_target(action)}: context deadline exceeded "
                           "(Client.Timeout exceeded while awaiting headers)")
        except ConnectionRefusedError:
            return False, f"{self._probe_target(action)}: connect: connection refused"
        except (OSError, http.client.HTTPException, ValueError) as e:
            return False, f"{self._probe_target(action)}: {e}"

    def _probe_target(self, action):
        for k in ("httpGet", "tcpSocket"):
            if k in action:
                a = action[k]
                host = a.get("host") or self.ip or self.agent.args.node_ip
                if k == "httpGet":
                    return f'Get "{(a.get("scheme") or "http").lower()}://{host}:{a.get("port")}{a.get("path") or "/"}"'
                return f"dial tcp {host}:{a.get('port')}"
        return "exec"

    def run_exec(self, cs, inst, cmd, timeout):
        if not cmd:
            return False, "no command"
        creds, env = inst.creds, inst.env
        hspec = {"pid": inst.pid, "cwd": cs.spec.get("workingDir") or "/", "argv": list(cmd), "env": env}
        if creds:
            hspec.update(creds)
        try:
            p = subprocess.Popen([sys.executable, "-I", "-S", SELF, "--enter-helper"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                 env={"NODEAGENT_SPEC": json.dumps(hspec), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        except OSError as e:
            return False, str(e)
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                kill_container(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.communicate()
            return False, f"command {cmd!r} timed out after {timeout}s"
        if p.returncode == 0:
            return True, out.decode(errors="replace")
        return False, f"command {cmd!r} exited with {p.returncode}: {out.decode(errors='replace')[-500:]}"

    def probe_loop(self, cs, inst):
        try:
            self._probe_loop(cs, inst)
        except Exception:
            log(f"pod {self.ns}/{self.pname}: probe thread of {cs.name} crashed:\n{traceback.format_exc()}")

    def _probe_loop(self, cs, inst):
        spec = cs.spec
        post = get(spec, "lifecycle", "postStart")
        if post:
            ok, msg = self.run_action(cs, inst, post, max(1, self.pod_grace()))
            if not ok and not inst.exited.is_set():
                self.ev("Warning", "FailedPostStartHook", f"PostStartHook failed: {msg}", cs)
                inst.kill_request = "failed post-start hook"
                self.wake.set()
                return
        kinds = []
        for kind, key in (("Startup", "startupProbe"), ("Liveness", "livenessProbe"), ("Readiness", "readinessProbe")):
            p = spec.get(key)
            if p:
                kinds.append({"kind": kind, "p": p, "next": inst.mono_start + p.get("initialDelaySeconds", 0),
                              "succ": 0, "fail": 0, "period": max(1, p.get("periodSeconds", 10)),
                              "timeout": max(1, p.get("timeoutSeconds", 1)), "st": max(1, p.get("successThreshold", 1)),
                              "ft": max(1, p.get("failureThreshold", 3))})
        has = {k["kind"] for k in kinds}
        inst.started = "Startup" not in has
        inst.ready = inst.started and "Readiness" not in has
        self.wake.set()
        while not inst.exited.is_set() and not inst.kill_request and not self.agent.stop.is_set():
            changed = False
            now = time.monotonic()
            for pr in kinds:
                if inst.exited.is_set() or inst.kill_request:
                    break
                if pr["kind"] == "Startup" and inst.started:
                    continue
                if pr["kind"] != "Startup" and not inst.started:
                    continue
                if now < pr["next"]:
                    continue
                ok, msg = self.run_action(cs, inst, pr["p"], pr["timeout"])
                pr["next"] = max(pr["next"] + pr["period"], time.monotonic())
                if inst.exited.is_set():
                    return
                if ok:
                    pr["succ"] += 1
                    pr["fail"] = 0
                else:
                    pr["fail"] += 1
                    pr["succ"] = 0
                    self.ev("Warning", "Unhealthy", f"{pr['kind']} probe failed: {msg}", cs)
                if pr["kind"] == "Startup":
                    if ok:
                        inst.started = True
                        changed = True
                    elif pr["fail"] >= pr["ft"]:
                        inst.kill_request = "failed startup probe"
                elif pr["kind"] == "Liveness":
                    if not ok and pr["fail"] >= pr["ft"]:
                        inst.kill_request = "failed liveness probe"
                else:
                    if ok and pr["succ"] >= pr["st"] and not inst.ready:
                        inst.ready = True
                        changed = True
                    elif not ok and pr["fail"] >= pr["ft"] and inst.ready:
                        inst.ready = False
                        changed = True
            if "Readiness" not in has and inst.started and not inst.ready:
                inst.ready = True
                changed = True
            if changed or inst.kill_request:
                self.wake.set()
            if inst.kill_request:
                return
            active = [pr["next"] for pr in kinds if (pr["kind"] == "Startup") != inst.started]
            wait = (min(active) - time.monotonic()) if active else 5
            inst.exited.wait(max(0.05, min(wait, 5)))

    # ---- status
    def container_status(self, cs):
        st = {"name": cs.name, "image": cs.spec.get("image", ""), "imageID": cs.image_id if cs.starts else "",
              "ready": False, "restartCount": cs.restart_count, "started": False, "state": {}, "lastState": {}}
        inst = cs.inst
        last = None
        if inst is not None:
            st["state"] = {"running": {"startedAt": rfc3339(inst.started_at)}}
            st["ready"] = bool(inst.ready and inst.started)
            st["started"] = bool(inst.started)
            st["containerID"] = f"aether://{inst.cid}"
            last = cs.terms[-1] if cs.terms else None
        elif cs.mode == "terminated" and cs.terms:
            st["state"] = {"terminated": cs.terms[-1]}
            st["containerID"] = cs.terms[-1]["containerID"]
            last = cs.terms[-2] if len(cs.terms) > 1 else None
        else:
            w = {"reason": cs.waiting[0]}
            if cs.waiting[1]:
                w["message"] = cs.waiting[1]
            st["state"] = {"waiting": w}
            last = cs.terms[-1] if cs.terms else None
            if last:
                st["containerID"] = last["containerID"]
        if last:
            st["lastState"] = {"terminated": last}
        if cs.is_init:
            st.pop("started")
        return st

    def phase(self, init_st, main_st):
        policy = get(self.pod, "spec", "restartPolicy") or "Always"
        pending_init = failed_init = 0
        for s in init_st:
            state = s["state"]
            if "running" in state:
                pending_init += 1
            elif "terminated" in state:
                if state["terminated"]["exitCode"] == 0:
                    pass
                else:
                    failed_init += 1
            elif s["lastState"].get("terminated"):
                failed_init += 1
            else:
                pending_init += 1
        if failed_init and policy == "Never":
            return "Failed"
        running = waiting = stopped = succeeded = 0
        for s in main_st:
            state = s["state"]
            if "running" in state:
                running += 1
            elif "terminated" in state:
                stopped += 1
                if state["terminated"]["exitCode"] == 0:
                    succeeded += 1
            elif s["lastState"].get("terminated"):
                stopped += 1
            else:
                waiting += 1
        if pending_init or failed_init or waiting:
            return "Pending"
        if running:
            return "Running"
        if stopped:
            if policy == "Always":
                return "Running"
            if policy == "OnFailure":
                return "Succeeded" if stopped == succeeded else "Running"
            return "Succeeded" if stopped == succeeded else "Failed"
        return "Pending"

    def set_cond(self, typ, status, reason=None, message=None):
        old = self.cond.get(typ)
        t = old[1] if old and old[0] == status else rfc3339()
        self.cond[typ] = (status, t, reason, message)

    def build_status(self):
        init_st = [self.container_status(cs) for cs in self.init_cs]
        main_st = [self.container_status(cs) for cs in self.main_cs]
        phase = self.phase(init_st, main_st)
        incomplete = [s["name"] for s, cs in zip(init_st, self.init_cs) if not cs.succeeded]
        if incomplete:
            self.set_cond("Initialized", "False", "ContainersNotInitialized",
                          f"containers with incomplete status: [{' '.join(incomplete)}]")
        else:
            self.set_cond("Initialized", "True")
        unready = [s["name"] for s in main_st if not s["ready"]]
        if phase == "Succeeded" or (phase == "Failed" and all("terminated" in s["state"] for s in main_st)):
            self.set_cond("ContainersReady", "False", "PodCompleted")
            self.set_cond("Ready", "False", "PodCompleted")
        elif unready:
            msg = f"containers with unready status: [{' '.join(unready)}]"
            if incomplete:
                self.set_cond("ContainersReady", "False", "ContainersNotReady", msg)
                self.set_cond("Ready", "False", "ContainersNotInitialized",
                              f"containers with incomplete status: [{' '.join(incomplete)}]")
            else:
                self.set_cond("ContainersReady", "False", "ContainersNotReady", msg)
                self.set_cond("Ready", "False", "ContainersNotReady", msg)
        else:
            self.set_cond("ContainersReady", "True")
            self.set_cond("Ready", "True")
        conds = []
        sched = next((c for c in get(self.pod, "status", "conditions", default=[]) if c.get("type") == "PodScheduled"),
                     None)
        conds.append({"type": "PodScheduled", "status": "True",
                      "lastProbeTime": None,
                      "lastTransitionTime": (sched or {}).get("lastTransitionTime") or self.start_time})
        for typ in ("Initialized", "ContainersReady", "Ready"):
            s, t, r, m = self.cond[typ]
            # null removes a reason/message left from an earlier status (strategic merge by type)
            conds.append({"type": typ, "status": s, "lastProbeTime": None, "lastTransitionTime": t,
                          "reason": r or None, "message": m or None})
        status = {"phase": phase, "conditions": conds, "hostIP": self.agent.args.node_ip,
                  "startTime": self.start_time, "containerStatuses": main_st, "reason": None, "message": None}
        if self.ip:
            status["podIP"] = self.ip
            status["podIPs"] = [{"ip": self.ip}]
        if init_st:
            status["initContainerStatuses"] = init_st
        return status

    def publish(self):
        if self.deleted_api:
            return
        status = self.build_status()
        key = json.dumps(status, sort_keys=True)
        if key == self.last_sent:
            return
        try:
            self.agent.api.call("PATCH", f"/api/v1/namespaces/{self.ns}/pods/{self.pname}/status",
                                {"metadata": {"uid": self.uid}, "status": status},
                                ctype="application/strategic-merge-patch+json", retries=4)
            self.last_sent = key
            summary = ", ".join(
                f"{s['name']}={next(iter(s['state']))}"
                f"{'/' + str(next(iter(s['state'].values())).get('reason', '')) if 'running' not in s['state'] else ''}"
                f"{'/ready' if s.get('ready') else ''}" for s in status.get("initContainerStatuses", []) +
                status["containerStatuses"])
            vlog(f"pod {self.ns}/{self.pname}: status {status['phase']} {summary}")
        except ApiError as e:
            if e.status == 404:
                log(f"pod {self.ns}/{self.pname}: status update: pod is gone")
                self.gone = True
            elif e.status in (409, 422):
                log(f"pod {self.ns}/{self.pname}: status update rejected ({e}), re-reading the pod")
                try:
                    p = self.agent.api.call("GET", f"/api/v1/namespaces/{self.ns}/pods/{self.pname}")
                    if p["metadata"]["uid"] != self.uid:
                        self.gone = True
                    else:
                        self.update(p)
                except ApiError as e2:
                    if e2.status == 404:
                        self.gone = True
            else:
                log(f"pod {self.ns}/{self.pname}: status update failed: {e}")
            self.wake.set()

    def cleanup(self):
        for cs in self.all_cs:
            if cs.inst is not None and not cs.inst.exited.is_set():
                kill_container(cs.inst.pid, signal.SIGKILL)
                cs.inst.exited.wait(5)
        self.teardown_net()
        if self.deleted_api or self.gone:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------
# Shell and process helpers
# --------------------------------------------------------------------------------------------------
def session_pids(sid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[3]) == sid:
                    out.append(int(d))
        except (OSError, ValueError, IndexError):
            pass
    return out


def kill_container(pid, sig, whole_session=True):
    """Signal a container: its process group, and with whole_session every process still in its session
    (a child that made its own process group, like aether-agent's app, is still in the session)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    if whole_session:
        for p in session_pids(pid):
            try:
                os.kill(p, sig)
            except (ProcessLookupError, PermissionError):
                pass


def sh(cmd):
    vlog("run: " + " ".join(cmd))
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def run_quiet(cmd):
    return subprocess.run(cmd, capture_output=True, text=True).returncode


# --------------------------------------------------------------------------------------------------
# Kubelet log endpoint
# --------------------------------------------------------------------------------------------------
def parse_log_line(line):
    """b'TS STREAM TAG CONTENT' -> (ts, tag, content) or None."""
    parts = line.split(b" ", 3)
    if len(parts) < 4:
        if len(parts) == 3:
            parts.append(b"")
        else:
            return None
    return parts[0].decode(), parts[2], parts[3]


class LogHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    agent = None

    def log_message(self, fmt, *args):
        vlog("kubelet-api: " + (fmt % args))

    def _error(self, code, msg):
        body = msg.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _client_gone(self):
        """While a follow idles: whether the client (the apiserver's proxy) closed the connection,
        so a dropped `logs -f` ends here too instead of lingering until the container ends."""
        sock = self.connection
        try:
            if not select.select([sock], [], [], 0)[0]:
                return False
            old = sock.gettimeout()
            sock.settimeout(0.05)
            try:
                return not sock.recv(1)
            finally:
                sock.settimeout(old)
        except (ssl.SSLWantReadError, BlockingIOError, socket.timeout):
            return False
        except (OSError, ValueError):
            return True

    def do_GET(self):
        try:
            self._get()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            self.close_connection = True

    def _get(self):
        u = urllib.parse.urlsplit(self.path)
        parts = [urllib.parse.unquote(p) for p in u.path.strip("/").split("/")]
        if parts == ["healthz"]:
            return self._error(200, "ok")
        if len(parts) != 4 or parts[0] != "containerLogs":
            return self._error(404, "404 page not found")
        ns, podname, cname = parts[1:]
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query).items()}

        def flag(k):
            return q.get(k, "").lower() in ("true", "1")
        w = self.agent.find_worker(ns, podname)
        if w is None:
            return self._error(404, f'pod "{podname}" in namespace "{ns}" not found on node '
                                    f'{self.agent.args.node_name}')
        cs = w.find(cname)
        if cs is None:
            return self._error(404, f'container "{cname}" in pod "{podname}" is not available')
        st = w.container_status(cs)
        previous = flag("previous")
        if previous:
            cid = get(st, "lastState", "terminated", "containerID")
            if not cid:
                return self._error(400, f'previous terminated container "{cname}" in pod "{podname}" not found')
        else:
            state = st["state"]
            if "running" in state:
                cid = st.get("containerID")
            elif "terminated" in state:
                cid = state["terminated"].get("containerID")
            else:
                cid = get(st, "lastState", "terminated", "containerID")
                if not cid:
                    return self._error(400, f'container "{cname}" in pod "{podname}" is waiting to start: '
                                            f'{state["waiting"]["reason"]}')
        inst = next((i for i in list(cs.instances) if f"aether://{i.cid}" == cid), None)
        if inst is None:
            return self._error(404, f'log of container "{cname}" ({cid}) in pod "{podname}" is no longer kept')
        follow = flag("follow") and not previous
        ts_on = flag("timestamps")
        try:
            tail = int(q["tailLines"]) if "tailLines" in q else None
            limit = int(q["limitBytes"]) if "limitBytes" in q else None
            since = None
            if "sinceSeconds" in q:
                since = time.time() - int(q["sinceSeconds"])
            elif "sinceTime" in q:
                since = parse_time(q["sinceTime"])
        except ValueError as e:
            return self._error(400, f"bad query: {e}")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        sent = [0]

        def emit(lines):
            out = []
            for raw in lines:
                p = parse_log_line(raw)
                if p is None:
                    continue
                ts, tag, content = p
                if since is not None:
                    try:
                        if parse_time(ts) < since:
                            continue
                    except ValueError:
                        pass
                rec = (ts.encode() + b" " if ts_on else b"") + content + (b"\n" if tag == b"F" else b"")
                out.append(rec)
            data = b"".join(out)
            if limit is not None:
                data = data[:max(0, limit - sent[0])]
            if data:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
                sent[0] += len(data)
            return limit is not None and sent[0] >= limit

        try:
            f = open(inst.log_path, "rb")
        except FileNotFoundError:
            f = None
        done = False
        if f is not None:
            with f:
                buf = f.read()
                cut = buf.rfind(b"\n") + 1
                lines = buf[:cut].split(b"\n")[:-1]
                pos = cut
                if tail is not None:
                    lines = lines[-tail:] if tail > 0 else []
                done = emit(lines)
                while follow and not done:
                    f.seek(pos)
                    more = f.read()
                    cut = more.rfind(b"\n") + 1
                    if cut:
                        done = emit(more[:cut].split(b"\n")[:-1])
                        pos += cut
                        continue
                    if inst.exited.is_set():
                        f.seek(pos)
                        rest = f.read()
                        if rest:
                            emit([x for x in rest.split(b"\n") if x])
                        break
                    if self.agent.stop.is_set() or self._client_gone():
                        break
                    time.sleep(0.1)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


# --------------------------------------------------------------------------------------------------
# Agent
# --------------------------------------------------------------------------------------------------
class Agent:
    def __init__(self, args, api):
        self.args = args
        self.api = api
        self.stop = threading.Event()
        self.state_dir = os.path.abspath(args.state_dir)
        self.workers = {}
        self.finished = {}
        self.lock = threading.Lock()
        self.net = ipaddress.ip_network(args.pod_cidr, strict=False)
        self.used_ips = set()
        self.images = [x.strip() for x in args.images.split(",") if x.strip()]
        # The "image": --path directories, bind-mounted read-only into every container at
        # IMAGE_ROOT/p<i> (the sources are opened before any volume is mounted, so an emptyDir
        # at /tmp cannot hide a build tree under /tmp).
        self.image_dirs = [d for d in (args.path or "").split(":") if d]
        self.container_path = "".join(f"{IMAGE_ROOT}/p{i}:" for i in range(len(self.image_dirs))) + BASE_PATH
        self.events = Events(self)
        self.created_bridge = False
        self.node_uid = None
        self.httpd = None

    # ---- images
    def image_name(self, image):
        ref = image.split("@", 1)[0]
        last = ref.rsplit("/", 1)[-1]
        name = last.split(":", 1)[0]
        return name

    def full_ref(self, image):
        ref = image
        first = ref.split("/", 1)[0]
        if "/" not in ref:
            ref = "docker.io/library/" + ref
        elif "." not in first and ":" not in first and first != "localhost":
            ref = "docker.io/" + ref
        base = ref.split("@", 1)[0]
        if ":" not in base.rsplit("/", 1)[-1] and "@" not in ref:
            ref += ":latest"
        return ref

    def image_info(self, image):
        """(entrypoint, cmd) for an image that maps to the host, None when the 'pull' fails."""
        name = self.image_name(image)
        if not image or name not in self.images:
            return None
        if name == "aether-nodejs":
            return [], ["node"]
        if name == "busybox":
            return [], ["sh"]
        return [], ["sh"]

    def log_tail_message(self, path):
        """The kubelet's FallbackToLogsOnError message: last 80 lines, then at most 2048 bytes."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        lines = [x for x in data.split(b"\n") if x][-80:]
        out = []
        for raw in lines:
            p = parse_log_line(raw)
            if p:
                out.append(p[2] + (b"\n" if p[1] == b"F" else b""))
        return b"".join(out)[:2048].decode(errors="replace")

    # ---- IPs
    def alloc_ip(self, prefer=None):
        with self.lock:
            node_ip = ipaddress.ip_address(self.args.node_ip)
            if prefer:
                try:
                    p = ipaddress.ip_address(prefer)
                    if p in self.net and p != node_ip and str(p) not in self.used_ips and \
                            p not in (self.net.network_address, self.net.broadcast_address):
                        self.used_ips.add(str(p))
                        return str(p)
                except ValueError:
                    pass
            for i, h in enumerate(self.net.hosts()):
                if i == 0 or h == node_ip or str(h) in self.used_ips:
                    continue
                self.used_ips.add(str(h))
                return str(h)
        return None

    def release_ip(self, ip):
        with self.lock:
            self.used_ips.discard(ip)

    # ---- leftover processes of a crashed run
    def record_pid(self, pid):
        try:
            st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19]
            with open(os.path.join(self.state_dir, "pids", str(pid)), "w") as f:
                f.write(st)
        except OSError:
            pass

    def forget_pid(self, pid):
        try:
            os.unlink(os.path.join(self.state_dir, "pids", str(pid)))
        except FileNotFoundError:
            pass

    def cleanup_leftovers(self):
        d = os.path.join(self.state_dir, "pids")
        for f in os.listdir(d):
            try:
                want = open(os.path.join(d, f)).read().strip()
                st = open(f"/proc/{f}/stat").read().rsplit(")", 1)[1].split()[19]
                if st == want:
                    log(f"killing leftover container process {f} (and its session) of an earlier run")
                    kill_container(int(f), signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass
            try:
                os.unlink(os.path.join(d, f))
            except OSError:
                pass
        d = os.path.join(self.state_dir, "net")
        for f in os.listdir(d):
            try:
                rec = json.load(open(os.path.join(d, f)))
                log(f"removing leftover netns {rec['netns']} / veth {rec['veth']} of an earlier run")
                run_quiet(["ip", "link", "del", rec["veth"]])
                run_quiet(["ip", "netns", "del", rec["netns"]])
            except (OSError, ValueError, KeyError):
                pass
            os.unlink(os.path.join(d, f))

    def ensure_bridge(self):
        br = self.args.bridge
        if run_quiet(["ip", "link", "show", br]) == 0:
            return
        log(f"bridge {br} does not exist, creating it with {self.args.node_ip}/{self.net.prefixlen}")
        sh(["ip", "link", "add", br, "type", "bridge"])
        sh(["ip", "addr", "add", f"{self.args.node_ip}/{self.net.prefixlen}", "dev", br])
        sh(["ip", "link", "set", br, "up"])
        self.created_bridge = True

    # ---- kubelet server
    def start_server(self):
        crt = os.path.join(self.state_dir, "kubelet.crt")
        key = os.path.join(self.state_dir, "kubelet.key")
        if not (os.path.exists(crt) and os.path.exists(key)):
            san = f"subjectAltName=IP:{self.args.node_ip},DNS:{self.args.node_name}"
            sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                "-days", "3650", "-subj", f"/CN={self.args.node_name}", "-addext", san])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        handler = type("H", (LogHandler,), {"agent": self})
        for attempt in range(30):
            try:
                httpd = http.server.ThreadingHTTPServer((self.args.node_ip, self.args.kubelet_port), handler)
                break
            except OSError as e:
                if attempt == 29:
                    raise
                log(f"kubelet endpoint: bind {self.args.node_ip}:{self.args.kubelet_port}: {e}, retrying")
                time.sleep(1)
        httpd.daemon_threads = True
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.httpd = httpd
        threading.Thread(target=httpd.serve_forever, name="kubelet-api", daemon=True).start()
        log(f"kubelet endpoint https://{self.args.node_ip}:{self.args.kubelet_port} (containerLogs)")

    # ---- node
    def node_conditions(self, ready=True, transition=None):
        now = rfc3339()
        tt = transition or now
        conds = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status (aether test node agent)") if ready
            else ("Ready", "False", "KubeletNotReady", "aether test node agent stopped"),
        ]
        return [{"type": t, "status": s, "reason": r, "message": m, "lastHeartbeatTime": now,
                 "lastTransitionTime": tt} for t, s, r, m in conds]

    def node_status(self):
        a = self.args
        res = {"cpu": "2", "memory": "8Gi", "pods": "50", "ephemeral-storage": "20Gi"}
        u = os.uname()
        try:
            machine_id = open("/etc/machine-id").read().strip()
        except OSError:
            machine_id = hashlib.md5(a.node_name.encode()).hexdigest()
        try:
            boot_id = open("/proc/sys/kernel/random/boot_id").read().strip()
        except OSError:
            boot_id = ""
        return {
            "capacity": dict(res), "allocatable": dict(res),
            "addresses": [{"type": "InternalIP", "address": a.node_ip},
                          {"type": "Hostname", "address": a.hostname_address or a.node_name}],
            "conditions": self.node_conditions(),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": a.kubelet_port}},
            "nodeInfo": {"machineID": machine_id, "systemUUID": machine_id, "bootID": boot_id,
                         "kernelVersion": u.release, "osImage": "Debian GNU/Linux 12 (bookworm) + aether test node",
                         "containerRuntimeVersion": "aether://1.0.0", "kubeletVersion": "v1.20.2",
                         "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux", "architecture": "amd64"},
        }

    def node_labels(self):
        return {"kubernetes.io/hostname": self.args.node_name, "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}

    def register_node(self):
        a = self.args
        body = {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": a.node_name, "labels": self.node_labels(),
                             "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                             "aether.dev/test-node": "nodeagent.py"}},
                "spec": {"podCIDR": a.pod_cidr, "podCIDRs": [a.pod_cidr]},
                "status": self.node_status()}
        delay = 0.5
        while not self.stop.is_set():
            try:
                try:
                    n = self.api.call("POST", "/api/v1/nodes", body)
                    self.node_uid = n["metadata"]["uid"]
                    log(f"registered node {a.node_name}")
                    return True
                except ApiError as e:
                    if e.status != 409:
                        raise
                for _ in range(10):
                    n = self.api.call("GET", f"/api/v1/nodes/{a.node_name}")
                    n["metadata"].setdefault("labels", {}).update(self.node_labels())
                    n["spec"].pop("unschedulable", None)
                    try:
                        n = self.api.call("PUT", f"/api/v1/nodes/{a.node_name}", n)
                        n["status"] = self.node_status()
                        n = self.api.call("PUT", f"/api/v1/nodes/{a.node_name}/status", n)
                        self.node_uid = n["metadata"]["uid"]
                        log(f"updated existing node {a.node_name}")
                        return True
                    except ApiError as e:
                        if e.status != 409:
                            raise
            except ApiError as e:
                log(f"node registration failed: {e}; retrying")
            self.stop.wait(delay)
            delay = min(delay * 2, 5)
        return False

    def heartbeat_loop(self):
        a = self.args
        while not self.stop.wait(a.heartbeat):
            try:
                self.api.call("PATCH", f"/api/v1/nodes/{a.node_name}/status",
                              {"status": {"conditions": [{k: v for k, v in c.items() if k != "lastTransitionTime"}
                                                         for c in self.node_conditions()]}},
                              ctype="application/strategic-merge-patch+json", retries=3, timeout=10)
            except ApiError as e:
                if e.status == 404:
                    log("node object is gone, registering again")
                    self.register_node()
                else:
                    log(f"node heartbeat failed: {e}")
            self.renew_lease()

    def renew_lease(self):
        a = self.args
        path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{a.node_name}"
        try:
            try:
                lease = self.api.call("GET", path, retries=2, timeout=10)
                lease["spec"]["renewTime"] = rfc3339micro()
                lease["spec"]["holderIdentity"] = a.node_name
                self.api.call("PUT", path, lease, retries=2, timeout=10)
            except ApiError as e:
                if e.status != 404:
                    raise
                body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                        "metadata": {"name": a.node_name, "namespace": "kube-node-lease"},
                        "spec": {"holderIdentity": a.node_name, "leaseDurationSeconds": 40,
                                 "renewTime": rfc3339micro()}}
                if self.node_uid:
                    body["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": a.node_name,
                                                            "uid": self.node_uid}]
                self.api.call("POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", body,
                              retries=2, timeout=10)
        except ApiError as e:
            vlog(f"lease renewal failed: {e}")

    def mark_not_ready(self):
        try:
            self.api.call("PATCH", f"/api/v1/nodes/{self.args.node_name}/status",
                          {"status": {"conditions": self.node_conditions(ready=False)}},
                          ctype="application/strategic-merge-patch+json", retries=1, timeout=3)
        except ApiError as e:
            vlog(f"could not mark node NotReady: {e}")

    # ---- pods
    def find_worker(self, ns, name):
        with self.lock:
            for w in self.workers.values():
                if w.ns == ns and w.pname == name:
                    return w
        return None

    def on_pod(self, pod):
        uid = pod["metadata"]["uid"]
        with self.lock:
            w = self.workers.get(uid)
            if w is None:
                if uid in self.finished or self.stop.is_set():
                    return
                w = PodWorker(self, pod)
                self.workers[uid] = w
                w.start()
                return
        w.update(pod)

    def on_pod_gone(self, uid):
        with self.lock:
            w = self.workers.get(uid)
        if w is not None:
            w.vanish()

    def worker_done(self, w):
        with self.lock:
            self.workers.pop(w.uid, None)
            self.finished[w.uid] = time.time()
            for k, t in list(self.finished.items()):
                if time.time() - t > 600:
                    del self.finished[k]
        log(f"pod {w.ns}/{w.pname}: released")

    def watch_loop(self):
        a = self.args
        sel = f"spec.nodeName={a.node_name}"
        rv = None
        delay = 0.5
        while not self.stop.is_set():
            try:
                if rv is None:
                    lst = self.api.call("GET", "/api/v1/pods", query={"fieldSelector": sel}, retries=3)
                    rv = lst["metadata"]["resourceVersion"]
                    seen = set()
                    for p in lst.get("items") or []:
                        seen.add(p["metadata"]["uid"])
                        self.on_pod(p)
                    with self.lock:
                        stale = [u for u in self.workers if u not in seen]
                    for u in stale:
                        self.on_pod_gone(u)
                    vlog(f"listed {len(seen)} pods at resourceVersion {rv}")
                for ev in self.api.watch("/api/v1/pods",
                                         {"fieldSelector": sel, "watch": "true", "resourceVersion": rv,
                                          "allowWatchBookmarks": "true", "timeoutSeconds": "300"}, timeout=330):
                    if self.stop.is_set():
                        return
                    typ, obj = ev.get("type"), ev.get("object") or {}
                    if typ == "ERROR":
                        if obj.get("code") == 410:
                            log("watch: resourceVersion too old (410), relisting")
                            rv = None
                            break
                        raise ApiError(obj.get("code", 0), obj)
                    rv = get(obj, "metadata", "resourceVersion") or rv
                    if typ == "BOOKMARK":
                        continue
                    if typ == "DELETED":
                        self.on_pod_gone(obj["metadata"]["uid"])
                    else:
                        self.on_pod(obj)
                delay = 0.5
            except ApiError as e:
                if e.status == 410:
                    rv = None
                log(f"watch: {e}; reconnecting")
                self.stop.wait(delay)
                delay = min(delay * 2, 5)
            except (OSError, http.client.HTTPException, ValueError) as e:
                log(f"watch: {e!r}; reconnecting")
                self.stop.wait(delay)
                delay = min(delay * 2, 5)
            except Exception:
                log(f"watch: unexpected error, relisting:\n{traceback.format_exc()}")
                rv = None
                self.stop.wait(delay)
                delay = min(delay * 2, 5)

    # ---- run
    def run(self):
        for d in ("pods", "net", "pids"):
            os.makedirs(os.path.join(self.state_dir, d), exist_ok=True)
        self.cleanup_leftovers()
        self.ensure_bridge()
        self.start_server()
        signal.signal(signal.SIGTERM, lambda s, f: self.stop.set())
        signal.signal(signal.SIGINT, lambda s, f: self.stop.set())
        if not self.register_node():
            return self.shutdown()
        self.renew_lease()
        threading.Thread(target=self.heartbeat_loop, name="heartbeat", daemon=True).start()
        threading.Thread(target=self.watch_loop, name="watch", daemon=True).start()
        log(f"node {self.args.node_name} ready: ip {self.args.node_ip}, bridge {self.args.bridge}, "
            f"pod CIDR {self.net}, images {','.join(self.images)}, PATH prefix {self.args.path or '-'}")
        while not self.stop.wait(1):
            pass
        return self.shutdown()

    def shutdown(self):
        log("stopping: killing all pods")
        with self.lock:
            ws = list(self.workers.values())
        for w in ws:
            w.request_stop(self.args.shutdown_grace)
        deadline = time.monotonic() + self.args.shutdown_grace + 15
        for w in ws:
            w.join(timeout=max(0.1, deadline - time.monotonic()))
        # whatever a stuck worker left behind
        d = os.path.join(self.state_dir, "net")
        for f in os.listdir(d):
            try:
                rec = json.load(open(os.path.join(d, f)))
                run_quiet(["ip", "link", "del", rec["veth"]])
                run_quiet(["ip", "netns", "del", rec["netns"]])
                os.unlink(os.path.join(d, f))
            except (OSError, ValueError, KeyError):
                pass
        self.mark_not_ready()
        if self.httpd:
            self.httpd.shutdown()
        if self.created_bridge:
            run_quiet(["ip", "link", "del", self.args.bridge])
        log("stopped")
        return 0


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description="kubelet stand-in for AetherEngine tests (see the header comment)")
    ap.add_argument("--kubeconfig")
    ap.add_argument("--server")
    ap.add_argument("--token")
    ap.add_argument("--ca")
    ap.add_argument("--insecure-skip-tls-verify", action="store_true")
    ap.add_argument("--node-name", required=True)
    ap.add_argument("--node-ip", required=True)
    ap.add_argument("--hostname-address", help="value of the node's Hostname address (default: the node name)")
    ap.add_argument("--bridge", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--path", default="", help="prepended to PATH in containers (aether-agent, node)")
    ap.add_argument("--kubelet-port", type=int, default=10250)
    ap.add_argument("--pod-cidr", help="pod addresses (default: the /24 around --node-ip)")
    ap.add_argument("--images", default="aether-nodejs,busybox",
                    help="image names (without registry/tag) that map to the host file system")
    ap.add_argument("--backoff-initial", type=float, default=1.0)
    ap.add_argument("--backoff-max", type=float, default=10.0)
    ap.add_argument("--heartbeat", type=float, default=10.0)
    ap.add_argument("--shutdown-grace", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose
    if not args.pod_cidr:
        args.pod_cidr = str(ipaddress.ip_network(f"{args.node_ip}/24", strict=False))
    if os.geteuid() != 0:
        sys.exit("nodeagent: must run as root (netns, veth, mounts, setuid)")
    os.makedirs(args.state_dir, exist_ok=True)
    cfg = load_kubeconfig(args.kubeconfig) if args.kubeconfig else {}
    server = args.server or cfg.get("server")
    if not server:
        sys.exit("nodeagent: no API server (--server or --kubeconfig)")
    ca = args.ca or cfg.get("ca")
    if not ca and cfg.get("ca_data"):
        ca = os.path.join(args.state_dir, "apiserver-ca.crt")
        open(ca, "wb").write(cfg["ca_data"])
    cert, key = cfg.get("cert"), cfg.get("key")
    for k in ("cert", "key"):
        if cfg.get(k + "_data"):
            p = os.path.join(args.state_dir, f"client.{k}")
            with open(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                f.write(cfg[k + "_data"])
            if k == "cert":
                cert = p
            else:
                key = p
    api = Api(server, token=args.token or cfg.get("token"), ca=ca, cert=cert, key=key,
              insecure=args.insecure_skip_tls_verify or cfg.get("insecure", False))
    agent = Agent(args, api)
    sys.exit(agent.run())


if __name__ == "__main__":
    main()
