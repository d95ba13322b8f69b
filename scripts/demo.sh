#!/usr/bin/env bash
# The main job: bootstrap, build, start aetherd on its embedded defaults (SQLite, files,
# local processes), deploy examples/sample-node with the aether CLI, print the URL and what
# the app answered, then stop aetherd. Env: AETHER_PORT (7070), AETHER_ROUTER_PORT (7080).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/build.sh"
BIN=$BUILD_DIR/apps
WORK=$(mktemp -d /tmp/aether-demo.XXXXXX)
PORT=${AETHER_PORT:-7070}
ROUTER_PORT=${AETHER_ROUTER_PORT:-7080}
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache

"$BIN/aetherd" --data-dir "$WORK/data" --port "$PORT" --router-port "$ROUTER_PORT" &
AETHERD_PID=$!
trap 'kill $AETHERD_PID 2>/dev/null; wait $AETHERD_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

"$BIN/aether" login --server "http://127.0.0.1:$PORT" --token "$(cat "$WORK/data/admin.token")"
(cd "$ROOT/examples/sample-node" && "$BIN/aether" deploy)
URL="http://sample-node.localhost:$ROUTER_PORT/"
echo
echo "sample-node is live at $URL"
echo "it answered: $(curl -sf "$URL")"
