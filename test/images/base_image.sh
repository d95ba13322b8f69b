#!/usr/bin/env bash
# The app base image (deploy/images/aether-nodejs/20-slim/Dockerfile, built UNCHANGED with
# podman) runs a deployed artifact the way a Kubernetes pod does: `aether-agent fetch` into a
# volume with the pull token (the init container), then `aether-agent run -- CMD` as PID 1 with
# a read-only root, no capabilities and uid 1000 (the app container). Asserts the image's
# properties (uid 1000, aether-agent entrypoint, no compiler, no apt lists, OCI labels), the
# app's answer through a published port, orphan reaping by PID 1, and a prompt SIGTERM stop
# (not a SIGKILL after the timeout). Also checks that deploy/images/aetherd/Dockerfile parses
# and its package stage builds (the full C++ build there is too slow for the suite).
#
# Stand-ins, because no container registry is reachable here (only Debian's mirror and npm):
#   docker.io/library/node:20-slim  = a Debian bookworm minbase root filesystem (debootstrap
#       from the mirror apt uses; cached under $AETHER_TEST_CACHE/debian-bookworm-minbase-*),
#       plus this host's node binary (v20) as /usr/local/bin/node and a `node` user uid 1000,
#       as in the official image. No npm: the deployed artifact already holds node_modules.
#   docker.io/library/debian:bookworm(-slim) = that same root filesystem.
#   the aetherd image (AGENT_IMAGE) = a scratch image holding BIN_DIR's aether-agent at
#       /usr/local/bin, where deploy/images/aetherd/Dockerfile puts it.
# The Dockerfile's `apt-get upgrade/install` does reach the Debian mirror (builds use the host
# network).
#
# Usage: base_image.sh BIN_DIR SOURCE_DIR   (as root; installs podman/buildah/runc/debootstrap
# when missing; podman's config and storage live in a temp dir, never /etc/containers)
# Env: AETHER_TEST_CACHE (default /var/cache/aether-test): where the root filesystem is cached.
set -euo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
# shellcheck source=../e2e/lib.sh
source "$SRC/test/e2e/lib.sh"
# lib.sh's fail returns 1 without a detail line, which would end this `set -e` script.
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL - $1"
  if [[ $# -gt 1 ]]; then echo "       $2"; fi
}
# shellcheck source=lib.sh
source "$SRC/test/images/lib.sh"
[[ $(id -u) -eq 0 ]] || { echo "base_image.sh: must run as root (podman, debootstrap)" >&2; exit 1; }
NODE=$(command -v node || true)
[[ -n $NODE && $("$NODE" --version) == v20.* ]] || {
  echo "base_image.sh: needs Node.js 20 on PATH (found: ${NODE:-none})" >&2
  exit 1
}
ensure_podman

WORK=$(mktemp -d /tmp/aether-images.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN
podman_config "$WORK/podman"
AETHERD_PID=""
IMAGE=localhost/aether-nodejs:20-slim-test
T0=$SECONDS
elapsed() { echo "[$((SECONDS - T0))s] $*"; }

# Containers, volumes and images of this run, then its storage (CONTAINERS_STORAGE_CONF).
cleanup() {
  podman rm -f -t 0 --all >/dev/null 2>&1 || true
  podman volume rm -f --all >/dev/null 2>&1 || true
  podman rmi -f --all >/dev/null 2>&1 || true
  stop_aetherd "$AETHERD_PID" "$WORK/data" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- stand-in base images ------------------------------------------------------------------
ROOTFS=$(ensure_rootfs)
podman import -q "$ROOTFS" localhost/aether-test/debian:bookworm >/dev/null
mkdir -p "$WORK/node" "$WORK/agent"
cp "$NODE" "$WORK/node/node"
cat >"$WORK/node/Containerfile" <<'EOF'
FROM localhost/aether-test/debian:bookworm
COPY node /usr/local/bin/node
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
CMD ["node"]
EOF
podman build -q --network host -t localhost/aether-test/node:20-slim "$WORK/node" >/dev/null
cp "$BIN/aether-agent" "$WORK/agent/aether-agent"
printf 'FROM scratch\nCOPY aether-agent /usr/local/bin/aether-agent\n' >"$WORK/agent/Containerfile"
podman build -q -t localhost/aether-test/aetherd:agent "$WORK/agent" >/dev/null
elapsed "stand-in images ready"

# --- the base image, from the Dockerfile as shipped ---------------------------------------
if podman build --network host -f "$SRC/deploy/images/aether-nodejs/20-slim/Dockerfile" \
  --build-arg NODE_IMAGE=localhost/aether-test/node:20-slim \
  --build-arg AGENT_IMAGE=localhost/aether-test/aetherd:agent \
  --build-arg VERSION=test -t "$IMAGE" "$SRC" >"$WORK/build.log" 2>&1; then
  pass "aether-nodejs:20-slim builds"
else
  fail "aether-nodejs:20-slim builds" "$(tail -n 20 "$WORK/build.log")"
  exit 1
fi
elapsed "base image built"
quiet() { "$@" >/dev/null 2>&1; }
inspect() { podman image inspect --format "$1" "$IMAGE"; }
in_image() { podman run --rm --entrypoint /bin/sh "$IMAGE" -c "$1"; }
check "image user is 1000:1000" test "$(inspect '{{.Config.User}}')" = 1000:1000
check "it runs as uid 1000" test "$(in_image 'id -u'):$(in_image 'id -g')" = 1000:1000
check "entrypoint is aether-agent" \
  test "$(inspect '{{json .Config.Entrypoint}}')" = '["/usr/local/bin/aether-agent"]'
# shellcheck disable=SC2016
check "no compiler or make in it" in_image \
  'for t in gcc g++ cc c++ make clang; do command -v "$t" && exit 1; done; exit 0'
# shellcheck disable=SC2016
check "apt lists removed" in_image 'test -z "$(ls -A /var/lib/apt/lists)"'
check "ca-certificates installed" in_image 'test -s /etc/ssl/certs/ca-certificates.crt'
check "node is v20" grep -q '^v20\.' <<<"$(in_image 'node --version')"
check "OCI title label" test "$(inspect '{{index .Labels "org.opencontainers.image.title"}}')" = aether-nodejs
check "aether-agent runs (its libraries are there)" quiet podman run --rm "$IMAGE" --help

# --- aetherd on the host, sample-node deployed --------------------------------------------
API_PORT=$(free_port)
ROUTER_PORT=$(free_port)
"$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --sandbox off --ready-timeout-ms 30000 >"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
SERVER=http://127.0.0.1:$API_PORT
for _ in $(seq 1 100); do curl -sf "$SERVER/healthz" >/dev/null && break; sleep 0.1; done
aether login --server "$SERVER" --token "$(cat "$WORK/data/admin.token")" >/dev/null
cp -r "$SRC/examples/sample-node" "$WORK/sample-node"
if out=$(cd "$WORK/sample-node" && aether deploy 2>&1); then
  pass "deploy sample-node"
else
  fail "deploy sample-node" "$out"
  exit 1
fi
ADMIN=$(cat "$WORK/data/admin.token")
PULL=$(cat "$WORK/data/agent.token")
DIGEST=$(curl -sf -H "Authorization: Bearer $ADMIN" "$SERVER/apps/sample-node/releases" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["releases"][0]["artifact"])')
# The start command, from the artifact's manifest (what aetherd puts in the pod spec).
mapfile -t COMMAND < <(curl -sf -H "Authorization: Bearer $PULL" \
  "$SERVER/apps/sample-node/artifacts/$DIGEST" |
  python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["command"]))')
check "release has an artifact and a start command" test -n "$DIGEST" -a "${#COMMAND[@]}" -gt 0
elapsed "deployed $DIGEST (${COMMAND[*]})"

# --- the pod: init container, then the app container -------------------------------------
# shellcheck disable=SC2054 # the comma is tmpfs's option list
POD=(--user 1000:1000 --read-only --cap-drop ALL --security-opt no-new-privileges
  --tmpfs /tmp:rw,mode=1777)
podman volume create app >/dev/null
# The init container reaches aetherd on the host's loopback; the app needs no API.
if out=$(podman run --rm --name fetch "${POD[@]}" --network host -v app:/srv/aether \
  -e AETHER_PULL_TOKEN="$PULL" -e AETHER_ARTIFACT="$DIGEST" "$IMAGE" \
  fetch --server "$SERVER" --app sample-node --artifact "$DIGEST" --dest /srv/aether/app 2>&1); then
  pass "init: aether-agent fetch unpacks the artifact"
else
  fail "init: aether-agent fetch unpacks the artifact" "$out"
  exit 1
fi
APP_PORT=$(free_port)
podman run -d --name app "${POD[@]}" -p "127.0.0.1:$APP_PORT:8080" -v app:/srv/aether:ro \
  -w /srv/aether/app -e PORT=8080 -e HOST=0.0.0.0 -e NODE_ENV=production -e HOME=/tmp \
  -e AETHER_APP=sample-node -e AETHER_RELEASE=v1 "$IMAGE" \
  run --dir /srv/aether/app --grace-ms 10000 --no-restart -- "${COMMAND[@]}" >/dev/null
body=""
for _ in $(seq 1 100); do
  body=$(curl -sf --max-time 2 "http://127.0.0.1:$APP_PORT/" || true)
  [[ -n $body ]] && break
  sleep 0.1
done
if grep -q "Hello from sample-node" <<<"$body"; then
  pass "app answers through the published port"
else
  fail "app answers through the published port" "$(podman logs app 2>&1 | tail -n 20)"
fi
check "readiness probe (aether-agent probe) passes" \
  podman exec app aether-agent probe --port 8080 --path /ready
check "PID 1 is aether-agent" \
  grep -Eq '^(/usr/local/bin/)?aether-agent run ' <<<"$(podman exec app sh -c 'tr "\0" " " </proc/1/cmdline')"
elapsed "app answered"

# An orphan: its parent (an exec'd shell) exits at once, so it is re-parented to PID 1, which
# must reap it when it exits (no zombie left).
ORPHAN=$(podman exec app sh -c 'sleep 1 >/dev/null 2>&1 & echo $!')
check "orphan re-parented to PID 1" \
  grep -q '^PPid:[[:space:]]*1$' <<<"$(podman exec app cat "/proc/$ORPHAN/status")"
sleep 2
check "orphan reaped after it exited" podman exec app test ! -e "/proc/$ORPHAN"
check "no zombie in the container" \
  test -z "$(podman exec app sh -c 'grep -l "^State:[[:space:]]*Z" /proc/[0-9]*/status || true')"

# SIGTERM (podman stop) reaches the app through PID 1: it stops at once, well inside the 10 s
# before podman would SIGKILL, and the agent exits 0 (a requested stop).
start=$(date +%s%N)
podman stop -t 10 app >/dev/null
took_ms=$((($(date +%s%N) - start) / 1000000))
check "podman stop took ${took_ms}ms (< 5000: SIGTERM, no SIGKILL)" test "$took_ms" -lt 5000
check "exit code 0 after SIGTERM" test "$(podman inspect --format '{{.State.ExitCode}}' app)" = 0
check "the app logged its start" grep -q "listening on 8080" <<<"$(podman logs app 2>&1)"
elapsed "app stopped"

# --- the aetherd image's Dockerfile: parses, and its package stage builds -----------------
if podman build --network host -f "$SRC/deploy/images/aetherd/Dockerfile" --target deps \
  --build-arg DEBIAN_IMAGE=localhost/aether-test/debian:bookworm \
  --build-arg DEBIAN_SLIM_IMAGE=localhost/aether-test/debian:bookworm \
  -t localhost/aether-test/aetherd:deps "$SRC" >"$WORK/aetherd-build.log" 2>&1; then
  pass "aetherd Dockerfile: the deps stage builds"
else
  fail "aetherd Dockerfile: the deps stage builds" "$(tail -n 20 "$WORK/aetherd-build.log")"
fi
elapsed "done"

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
