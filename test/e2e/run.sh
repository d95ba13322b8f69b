#!/usr/bin/env bash
# End-to-end suite: real aetherd + real aether CLI + real npm, deploying examples/ and
# requesting them over HTTP. Usage: run.sh BIN_DIR SOURCE_DIR. Prints "N passed, M failed".
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
WORK=$(mktemp -d /tmp/aether-e2e.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN
PASSED=0
FAILED=0
AETHERD_PID=""

cleanup() {
  [[ -n $AETHERD_PID ]] && kill "$AETHERD_PID" 2>/dev/null && wait "$AETHERD_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; [[ $# -gt 1 ]] && echo "       $2"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
aether() { "$BIN/aether" "$@"; }

# --- start aetherd on its embedded defaults --------------------------------------------
API_PORT=$(free_port)
ROUTER_PORT=$(free_port)
"$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --ready-timeout-ms 30000 >"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
SERVER=http://127.0.0.1:$API_PORT
for _ in $(seq 1 100); do curl -sf "$SERVER/healthz" >/dev/null && break; sleep 0.1; done
check "aetherd answers /healthz" curl -sf "$SERVER/healthz" -o /dev/null
check "admin token file is mode 600" test "$(stat -c %a "$WORK/data/admin.token")" = 600
if grep -q "$(cat "$WORK/data/admin.token")" "$WORK/aetherd.log"; then
  fail "admin token never logged in full"
else
  pass "admin token never logged in full"
fi

# --- login -------------------------------------------------------------------------------
check "login stores the token" aether login --server "$SERVER" --token "$(cat "$WORK/data/admin.token")"
check "config file is mode 600" test "$(stat -c %a "$XDG_CONFIG_HOME/aether/config.json")" = 600

# --- deploy sample-node ------------------------------------------------------------------
cp -r "$SRC/examples/sample-node" "$WORK/sample-node"
if out=$(cd "$WORK/sample-node" && aether deploy 2>&1); then pass "deploy sample-node"; else fail "deploy sample-node" "$out"; fi
echo "$out" | sed 's/^/       /'
URL="http://sample-node.localhost:$ROUTER_PORT/"
body=$(curl -sf --max-time 5 "$URL")
check "sample-node answers on $URL" grep -q "Hello from sample-node" <<<"$body"
body=$(curl -sf --max-time 5 "http://127.0.0.1:$ROUTER_PORT/apps/sample-node/healthz")
check "path-based URL reaches sample-node" grep -q '"ok"' <<<"$body"

# --- deploy express-app with real npm -----------------------------------------------------
cp -r "$SRC/examples/express-app" "$WORK/express-app"
rm -rf "$WORK/express-app/node_modules"
if out=$(cd "$WORK/express-app" && aether deploy 2>&1); then pass "deploy express-app (npm ci)"; else fail "deploy express-app (npm ci)" "$out"; fi
echo "$out" | sed 's/^/       /'
EXPRESS="http://express-app.localhost:$ROUTER_PORT"
check "express-app answers" grep -q "Hello from express-app" <<<"$(curl -sf --max-time 5 "$EXPRESS/")"
check "developer's tree has no node_modules after deploy" test ! -e "$WORK/express-app/node_modules"

# --- redeploy after a source edit under load: zero failed requests ------------------------
echo '{ "version": "2" }' >"$WORK/express-app/version.json"
: >"$WORK/codes"
( end=$((SECONDS + 120))
  while [[ ! -e $WORK/stop-load && $SECONDS -lt $end ]]; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "$EXPRESS/items/1" >>"$WORK/codes"
  done ) &
LOAD_PID=$!
sleep 0.5
if out=$(cd "$WORK/express-app" && aether deploy 2>&1); then pass "code-only redeploy"; else fail "code-only redeploy" "$out"; fi
echo "$out" | sed 's/^/       /'
check "redeploy reused the cached deps layer" grep -qi "cached" <<<"$out"
sleep 1
touch "$WORK/stop-load"
wait $LOAD_PID
total=$(wc -l <"$WORK/codes")
bad=$(grep -vc '^200$' "$WORK/codes")
echo "       load during redeploy: $total requests, $bad not 200"
check "no request failed during the swap ($total sent)" test "$bad" -eq 0 -a "$total" -gt 20
check "new version is served" grep -q '"version":"2"' <<<"$(curl -sf --max-time 5 "$EXPRESS/items/1")"

# --- status, apps -------------------------------------------------------------------------
check "apps list shows both apps" bash -c "'$BIN/aether' apps list | grep -q express-app"
check "status shows the running release" bash -c "'$BIN/aether' status --app express-app | grep -q running"

# --- bad input: clear one-line errors and distinct exit codes ------------------------------
expect_exit() {  # name, code, command...
  local name=$1 want=$2; shift 2
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  local lines; lines=$(printf '%s' "$err" | grep -c .)
  if [[ $rc -eq $want && $lines -eq 1 && $err == aether:* ]]; then pass "$name (exit $rc: $err)"
  else fail "$name" "exit $rc (want $want), stderr: $err"; fi
}
mkdir -p "$WORK/empty"
expect_exit "deploy without package.json" 3 bash -c "cd '$WORK/empty' && '$BIN/aether' deploy --app empty"
expect_exit "status of an unknown app" 5 aether status --app ghost
expect_exit "wrong token" 7 env AETHER_TOKEN=ae_wrong "$BIN/aether" apps list
expect_exit "server unreachable" 4 env AETHER_SERVER=http://127.0.0.1:1 "$BIN/aether" apps list
expect_exit "bad app name is a usage error" 2 aether apps create Bad_Name
expect_exit "server refuses a duplicate app" 5 aether apps create express-app
expect_exit "unknown flag" 2 aether deploy --no-such-flag

mkdir -p "$WORK/crash" && cat >"$WORK/crash/package.json" <<'JSON'
{ "name": "crash-app", "scripts": { "start": "node -e \"console.error('fatal: no config'); process.exit(2)\"" } }
JSON
expect_exit "crashing app fails the deploy" 6 bash -c "cd '$WORK/crash' && '$BIN/aether' deploy"
check "previous release of sample-node still serves" grep -q "Hello" <<<"$(curl -sf --max-time 5 "$URL")"

# --- restart: aetherd brings the current releases back ------------------------------------
kill "$AETHERD_PID"; wait "$AETHERD_PID" 2>/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL")
check "apps stop with aetherd (got $code)" test "$code" = 000
"$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --ready-timeout-ms 30000 >>"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
for _ in $(seq 1 150); do
  curl -sf --max-time 1 "$URL" >/dev/null && curl -sf --max-time 1 "$EXPRESS/" >/dev/null && break
  sleep 0.1
done
check "sample-node is back after an aetherd restart" grep -q "Hello" <<<"$(curl -sf --max-time 5 "$URL")"
check "express-app is back at version 2" grep -q '"version":"2"' <<<"$(curl -sf --max-time 5 "$EXPRESS/items/1")"

# --- delete -------------------------------------------------------------------------------
check "apps delete" aether apps delete sample-node --yes
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL")
check "deleted app is no longer routed (got $code)" test "$code" = 503

echo
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
