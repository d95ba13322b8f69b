#!/usr/bin/env bash
# End-to-end suite: real aetherd + real aether CLI + real npm, deploying examples/ and
# requesting them over HTTP. Usage: run.sh BIN_DIR SOURCE_DIR. Prints "N passed, M failed".
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/aether-e2e.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN
AETHERD_PID=""
POLICY_PID=""

cleanup() {
  [[ -n $POLICY_PID ]] && kill "$POLICY_PID" 2>/dev/null && wait "$POLICY_PID" 2>/dev/null
  stop_aetherd "$AETHERD_PID" "$WORK/data"
  rm -rf "$WORK"
}
trap cleanup EXIT


# --- start aetherd on its embedded defaults --------------------------------------------
API_PORT=$(free_port)
ROUTER_PORT=$(free_port)
VIEWER_TOKEN=e2e-viewer-secret-0123456789
AETHER_API_TOKENS="$VIEWER_TOKEN:read:viewer" \
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
# A small multipart threshold sends the deps layer through the multipart protocol.
if out=$(cd "$WORK/express-app" && AETHER_MULTIPART_THRESHOLD=65536 aether deploy 2>&1); then pass "deploy express-app (npm ci, multipart upload)"; else fail "deploy express-app (npm ci, multipart upload)" "$out"; fi
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

# --- logs ---------------------------------------------------------------------------------
out=$(aether logs --app sample-node --timestamps 2>&1)
check "logs show the app's output" grep -q "sample-node-v1-0/app " <<<"$out"
check "logs interleave the platform's events" grep -q "sample-node/aether running" <<<"$out"
n=$(aether logs --app sample-node --json --tail 1 --container app 2>&1 | grep -c '"container":"app"')
check "logs --json --tail 1 --container app: one NDJSON line per instance" test "$n" -eq 1
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $VIEWER_TOKEN" \
  "$SERVER/apps/sample-node/logs?tail_lines=5")
check "a read token (AETHER_API_TOKENS) reads logs" test "$code" = 200
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $VIEWER_TOKEN" \
  -X POST -d '{"name":"nope"}' "$SERVER/apps")
check "a read token cannot create apps" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$WORK/data/admin.token")" \
  "$SERVER/apps/sample-node/logs?since=banana")
check "logs since=banana is 400" test "$code" = 400

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

# --- tokens: scoped to an app, rotated, revoked, audited -----------------------------------
out=$(aether tokens create --name ci --scope deploy --app express-app --expires 1d)
CI_TOKEN=$(tail -1 <<<"$out")
check "tokens create prints the secret once, last" grep -q '^ae_' <<<"$CI_TOKEN"
CI_ID=$(aether tokens list --json | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["tokens"] if t["name"]=="ci"][0])')
check "tokens list never shows a secret" bash -c "! '$BIN/aether' tokens list --json | grep -q '$CI_TOKEN'"
check "whoami with the deploy token" bash -c "AETHER_TOKEN='$CI_TOKEN' '$BIN/aether' whoami | grep -q 'scope deploy, apps express-app'"
echo '// deployed by the ci token' >>"$WORK/express-app/index.js"
check "the deploy token deploys its app" bash -c "cd '$WORK/express-app' && AETHER_TOKEN='$CI_TOKEN' '$BIN/aether' deploy --json >/dev/null 2>&1"
expect_exit "…and may not scale another app" 7 env AETHER_TOKEN="$CI_TOKEN" "$BIN/aether" scale 2 --app sample-node
expect_exit "…nor one that does not exist (same answer)" 7 env AETHER_TOKEN="$CI_TOKEN" "$BIN/aether" scale 2 --app ghost
expect_exit "…nor manage tokens" 7 env AETHER_TOKEN="$CI_TOKEN" "$BIN/aether" tokens list
check "the audit trail shows the deploy token's deployment" bash -c "'$BIN/aether' audit --json | python3 -c 'import json,sys; e=json.load(sys.stdin)[\"events\"]; sys.exit(0 if any(x[\"token_name\"]==\"ci\" and x[\"action\"]==\"POST /deployments\" and x[\"status\"]==202 for x in e) and any(x[\"token_name\"]==\"ci\" and x[\"status\"]==403 for x in e) else 1)'"
NEW_TOKEN=$(aether tokens rotate "$CI_ID" --grace 0 | tail -1)
expect_exit "a rotated-out secret is refused" 7 env AETHER_TOKEN="$CI_TOKEN" "$BIN/aether" whoami
check "the rotated secret works" env AETHER_TOKEN="$NEW_TOKEN" "$BIN/aether" whoami
check "tokens revoke" aether tokens revoke "$CI_ID"
expect_exit "a revoked token is refused" 7 env AETHER_TOKEN="$NEW_TOKEN" "$BIN/aether" whoami
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $NEW_TOKEN" "$SERVER/apps/express-app")
check "…with 401 from the API (got $code)" test "$code" = 401

mkdir -p "$WORK/crash" && cat >"$WORK/crash/package.json" <<'JSON'
{ "name": "crash-app", "scripts": { "start": "node -e \"console.error('fatal: no config'); process.exit(2)\"" } }
JSON
expect_exit "crashing app fails the deploy" 6 bash -c "cd '$WORK/crash' && '$BIN/aether' deploy"
check "previous release of sample-node still serves" grep -q "Hello" <<<"$(curl -sf --max-time 5 "$URL")"

# --- releases: config vars, scale, rollback -------------------------------------------------
check "env set creates a release and waits for it" aether env set GREETING=hello-e2e --app sample-node
check "the app sees the config var" grep -q '"greeting":"hello-e2e"' <<<"$(curl -sf --max-time 5 "$URL")"
check "env list hides values" bash -c "'$BIN/aether' env list --app sample-node | grep -qx 'GREETING=\*\*\*\*\*\*\*\*'"
check "env list --reveal shows them" bash -c "'$BIN/aether' env list --app sample-node --reveal | grep -qx 'GREETING=hello-e2e'"
check "scale 2" aether scale 2 --app sample-node
# "instance": a random id per process (its pid is the sandbox's, the same in every instance).
pids=$(for _ in 1 2 3 4 5 6 7 8; do curl -sf --max-time 5 "$URL"; echo; done | grep -o '"instance":"[^"]*"' | sort -u | wc -l)
check "two instances answer behind the router (saw $pids processes)" test "$pids" -eq 2
check "releases lists the scale release first" bash -c "'$BIN/aether' releases --app sample-node | sed -n 2p | grep -q 'Scale to 2'"
check "rollback to v1" aether rollback v1 --app sample-node
check "v1 had no GREETING" grep -q '"greeting":null' <<<"$(curl -sf --max-time 5 "$URL")"
check "rollback without a version goes back to the release before" aether rollback --app sample-node
check "…which had GREETING and two instances" grep -q '"greeting":"hello-e2e"' <<<"$(curl -sf --max-time 5 "$URL")"
check "env unset" aether env unset GREETING --app sample-node
expect_exit "rollback to an unknown release" 5 aether rollback v99 --app sample-node
expect_exit "scale 0 is a usage error" 2 aether scale 0 --app sample-node
expect_exit "env set without NAME=value is a usage error" 2 aether env set GREETING --app sample-node
expect_exit "PORT belongs to the platform" 5 aether env set PORT=1 --app sample-node

# --- signing keys, SBOM, provenance, policy ------------------------------------------------
KEY=$XDG_CONFIG_HOME/aether/keys/aether-ed25519.key
check "keys generate writes the private key 0600" bash -c "'$BIN/aether' keys generate >/dev/null && test \$(stat -c %a '$KEY') = 600 && test -s '$KEY.pub'"
expect_exit "keys generate refuses to overwrite" 3 aether keys generate
check "keys register for express-app" aether keys register --app express-app --name e2e
js=$(cd "$WORK/express-app" && aether deploy --format json --sign-key "$KEY" 2>"$WORK/signed.err")
rc=$?
jq_() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)" <<<"$js"; }
check "signed deploy prints one JSON object (rc $rc)" test "$rc" -eq 0 -a "$(jq_ 'd["status"]')" = running
check "the server verified the signature" test "$(jq_ 'd["verified"]')" = True
check "progress went to stderr, not stdout" grep -q "Deploying express-app" "$WORK/signed.err"
check "SBOM, signature and provenance files were written" test -s "$(jq_ 'd["sbom"]')" -a -s "$(jq_ 'd["signature"]')" -a -s "$(jq_ 'd["provenance"]')"
check "the provenance verified against the registered key" test "$(jq_ 'd["provenance_verified"]')" = True
check "per-phase timings are reported" test "$(jq_ '",".join(sorted(d["timings"]))')" = "deps,detect,hash,pack,provenance,register,rollout,sbom,sign,total,upload"
ARTIFACT=$(jq_ 'd["artifact"]')
sbom=$(curl -sf -H "Authorization: Bearer $(cat "$WORK/data/admin.token")" "$SERVER/artifacts/$ARTIFACT/sbom")
check "aetherd serves the CycloneDX SBOM" grep -q '"specVersion":"1.5"' <<<"$sbom"
check "the SBOM lists express" grep -q 'pkg:npm/express@' <<<"$sbom"
before=$(aether status --app express-app --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["deployments"]))')
js=$(cd "$WORK/express-app" && aether deploy --dry-run --no-sbom --json 2>/dev/null)
check "--dry-run packs without deploying" test "$(jq_ 'd["dry_run"]')" = True -a -z "$(jq_ 'd.get("deployment","")')"
check "--no-sbom writes no SBOM" test -z "$(jq_ 'd["sbom"]')"
after=$(aether status --app express-app --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["deployments"]))')
check "--dry-run created no deployment ($before → $after)" test "$before" = "$after"
out=$(cd "$WORK/express-app" && AETHER_PROVENANCE_TIMEOUT_MS=1 aether deploy --dry-run --sign-key "$KEY" 2>&1)
check "a provenance timeout is reported, not silent" grep -q "provenance was not ready within 1 ms" <<<"$out"
expect_exit "required provenance that times out fails the deploy" 3 bash -c "cd '$WORK/express-app' && AETHER_REQUIRE_PROVENANCE=1 AETHER_PROVENANCE_TIMEOUT_MS=1 '$BIN/aether' deploy --dry-run --sign-key '$KEY'"
cp "$KEY" "$WORK/open.key" && chmod 644 "$WORK/open.key"
expect_exit "a world-readable signing key is refused" 3 bash -c "cd '$WORK/express-app' && '$BIN/aether' deploy --dry-run --sign-key '$WORK/open.key'"

# A second aetherd that requires signatures.
P_API=$(free_port); P_ROUTER=$(free_port); P_SERVER=http://127.0.0.1:$P_API
AETHER_REQUIRE_SIGNATURE=1 "$BIN/aetherd" --data-dir "$WORK/data-policy" --port "$P_API" \
  --router-port "$P_ROUTER" --ready-timeout-ms 30000 >"$WORK/aetherd-policy.log" 2>&1 &
POLICY_PID=$!
for _ in $(seq 1 100); do curl -sf "$P_SERVER/healthz" >/dev/null && break; sleep 0.1; done
export AETHER_SERVER=$P_SERVER AETHER_TOKEN=$(cat "$WORK/data-policy/admin.token")
aether apps create sample-node >/dev/null
expect_exit "unsigned deploy refused by AETHER_REQUIRE_SIGNATURE" 8 bash -c "cd '$WORK/sample-node' && '$BIN/aether' deploy"
expect_exit "signature by an unregistered key refused" 8 bash -c "cd '$WORK/sample-node' && '$BIN/aether' deploy --sign-key '$KEY'"
aether keys register --app sample-node >/dev/null
if out=$(cd "$WORK/sample-node" && AETHER_SIGNING_KEY=$KEY aether deploy 2>&1); then pass "signed deploy accepted (AETHER_SIGNING_KEY)"; else fail "signed deploy accepted (AETHER_SIGNING_KEY)" "$out"; fi
KEY_ID=$(aether keys list --app sample-node --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0]["id"])')
check "keys deactivate" aether keys deactivate "$KEY_ID" --app sample-node
expect_exit "a deactivated key signs nothing new" 8 bash -c "cd '$WORK/sample-node' && echo '// v3' >>index.js && '$BIN/aether' deploy --sign-key '$KEY'"
kill "$POLICY_PID"; wait "$POLICY_PID" 2>/dev/null
unset AETHER_SERVER AETHER_TOKEN

# --- a crash (SIGKILL) in the middle of a rollout: it ends failed or running, never stuck -----
echo '// crash during rollout' >>"$WORK/sample-node/index.js"
dep=$(cd "$WORK/sample-node" && aether deploy --no-wait --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["deployment"])')
kill -9 "$AETHERD_PID"; wait "$AETHERD_PID" 2>/dev/null
"$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --ready-timeout-ms 30000 >>"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
for _ in $(seq 1 100); do curl -sf "$SERVER/readyz" >/dev/null && break; sleep 0.1; done
dep_status=$(curl -sf -H "Authorization: Bearer $(cat "$WORK/data/admin.token")" "$SERVER/deployments/$dep" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
check "a rollout cut by SIGKILL is failed or running after the restart, not stuck (got $dep_status)" \
  grep -qxE 'failed|running' <<<"$dep_status"
for _ in $(seq 1 100); do curl -sf --max-time 1 "$URL" >/dev/null && break; sleep 0.1; done
check "sample-node serves after the crash" grep -q "Hello" <<<"$(curl -sf --max-time 5 "$URL")"

# --- restart: the apps keep running and aetherd re-attaches to them -------------------------
app_pids() { for _ in 1 2 3 4 5 6 7 8; do curl -sf --max-time 5 "$URL"; echo; done | grep -o '"instance":"[^"]*"' | cut -d: -f2 | sort -u | tr '\n' ' '; }
agent_pids() { python3 -c 'import json,sys; print(" ".join(str(i["pid"]) for i in json.load(open(sys.argv[1]))["current"]["instances"]))' "$WORK/data/runtime/sample-node.json"; }
pids_before=$(app_pids)
agents_before=$(agent_pids)
kill "$AETHERD_PID"; wait "$AETHERD_PID" 2>/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$URL")
check "the router stops with aetherd (got $code)" test "$code" = 000
# shellcheck disable=SC2086 # one argument per pid
check "the app's processes outlive aetherd (SIGTERM)" kill -0 $agents_before
ENV_ADMIN=e2e-env-admin-secret-0123456789
AETHER_API_TOKEN=$ENV_ADMIN "$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --ready-timeout-ms 30000 >>"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
for _ in $(seq 1 150); do
  curl -sf --max-time 1 "$URL" >/dev/null && curl -sf --max-time 1 "$EXPRESS/" >/dev/null && break
  sleep 0.1
done
check "sample-node is back after an aetherd restart" grep -q "Hello" <<<"$(curl -sf --max-time 5 "$URL")"
pids_after=$(app_pids)
check "…served by the same processes, re-attached ($pids_after)" test "$pids_after" = "$pids_before"
check "express-app is back at version 2" grep -q '"version":"2"' <<<"$(curl -sf --max-time 5 "$EXPRESS/items/1")"
check "AETHER_API_TOKEN seeds an admin token" bash -c "AETHER_TOKEN='$ENV_ADMIN' '$BIN/aether' whoami | grep -q 'env-admin.*scope admin'"

# --- delete -------------------------------------------------------------------------------
check "apps delete" aether apps delete sample-node --yes
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL")
check "deleted app is no longer routed (got $code)" test "$code" = 503

echo
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
