#!/usr/bin/env bash
# docs/troubleshooting.md, run: reproduces each failure the playbook quotes (local runtime, plus an
# own Ceph RGW for the S3 entries), runs the playbook's confirm commands, checks that the output
# shows the doc's quoted symptom text (the ```… playbook:<id> blocks, via symptoms.py), applies
# the documented fix and checks that it works. Every block in the doc must be checked here.
# Usage: playbook.sh BIN_DIR SOURCE_DIR. Prints "N passed, M failed".
# Needs python3, curl, openssl, ss; installs faketime (clock skew) and, through test/s3/rgw.sh,
# Ceph RGW when missing (root).
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
HERE=$SRC/test/docs
DOC=$SRC/docs/troubleshooting.md
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh
source "$SRC/test/e2e/lib.sh"
WORK=$(mktemp -d /tmp/aether-docs.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN AETHER_CA_FILE AETHER_SIGNING_KEY AETHER_ARTIFACT_BUCKET \
  AETHER_S3_ENDPOINT_URL AETHER_BLOB_STORE AETHER_RATE_LIMIT
export AETHER_RGW_DIR=$WORK-rgw
declare -A PIDS=()
CHECKED=()

cleanup() {
  for name in "${!PIDS[@]}"; do stop_aetherd "${PIDS[$name]}" "$WORK/$name"; done
  bash "$SRC/test/s3/rgw.sh" stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME [VAR=value…] [-- aetherd flags…]: aetherd on data dir $WORK/NAME and free ports;
# sets SERVER (scheme $SCHEME, default http), ROUTER, AETHER_SERVER and AETHER_TOKEN. Returns 1
# when it does not come up.
start() {
  local name=$1 envs=() flags=()
  shift
  while [[ $# -gt 0 && $1 != -- ]]; do envs+=("$1"); shift; done
  [[ ${1:-} == -- ]] && shift
  flags=("$@")
  API_PORT=$(free_port); ROUTER=$(free_port)
  env "${envs[@]}" "$BIN/aetherd" --data-dir "$WORK/$name" --port "$API_PORT" \
    --router-port "$ROUTER" --ready-timeout-ms 20000 "${flags[@]}" >>"$WORK/$name.log" 2>&1 &
  PIDS[$name]=$!
  SERVER=${SCHEME:-http}://127.0.0.1:$API_PORT
  for _ in $(seq 1 100); do curl -sfk "$SERVER/healthz" >/dev/null && break; sleep 0.1; done
  curl -sfk "$SERVER/healthz" >/dev/null || { fail "aetherd $name starts" "$(tail -3 "$WORK/$name.log")"; return 1; }
  export AETHER_SERVER=$SERVER AETHER_TOKEN
  AETHER_TOKEN=$(cat "$WORK/$name/admin.token")
}
stop() { stop_aetherd "${PIDS[$1]:-}" "$WORK/$1"; unset "PIDS[$1]"; }

# symptom ID TEXT: the doc's block ID is shown by TEXT (a command's real output).
symptom() {
  CHECKED+=("$1")
  printf '%s\n' "$2" >"$WORK/actual"
  local why
  if why=$(python3 "$HERE/symptoms.py" "$DOC" check "$1" "$WORK/actual"); then
    pass "symptom $1"
  else
    fail "symptom $1" "$why; the output was: $(head -c 600 "$WORK/actual")"
  fi
}
# run CODE CMD…: runs CMD, keeps stdout+stderr in OUT, checks the exit code.
run() {
  local want=$1; shift
  OUT=$("$@" 2>&1); local rc=$?
  local cmd="$*"
  cmd=${cmd//$BIN\//}
  if [[ $rc -eq $want ]]; then pass "exit $rc: ${cmd:0:90}"; else fail "exit $rc, want $want: $cmd" "$OUT"; fi
}
api() { curl -s -H "Authorization: Bearer $AETHER_TOKEN" "$@"; }
lacks() { ! grep -q -- "$1" <<<"$2"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

cp -r "$SRC/examples/sample-node" "$WORK/app"
cd "$WORK/app" || exit 1
KEY=$XDG_CONFIG_HOME/aether/keys/aether-ed25519.key

echo "# Signature refused"
start sig AETHER_REQUIRE_SIGNATURE=1
run 8 "$BIN/aether" deploy
symptom signature-required "$OUT"
run 0 "$BIN/aether" keys list --app sample-node
check "confirm: no key is registered" lacks active "$OUT"
"$BIN/aether" keys generate >/dev/null
run 8 "$BIN/aether" deploy --sign-key "$KEY"
symptom signature-unregistered "$OUT"
run 0 "$BIN/aether" keys register --app sample-node
run 0 "$BIN/aether" deploy --sign-key "$KEY"
symptom signature-fixed "$OUT"
stop sig

echo "# Quota exceeded"
start quota AETHER_QUOTA_ARTIFACTS=1
run 0 "$BIN/aether" deploy
echo '// v2' >>index.js
run 8 "$BIN/aether" deploy
symptom quota-artifacts "$OUT"
symptom quota-confirm "$(api "$SERVER/apps/sample-node/artifacts")"
stop quota
start quota AETHER_QUOTA_BYTES=1K
run 8 "$BIN/aether" deploy
symptom quota-bytes "$OUT"
stop quota
start quota AETHER_QUOTA_ARTIFACTS=200
run 0 "$BIN/aether" deploy
check "fix: a raised quota takes the deploy" grep -q "^Released" <<<"$OUT"
stop quota

echo "# Retention removed an artifact"
start retain AETHER_RETAIN_ARTIFACTS=1
run 0 "$BIN/aether" deploy
cp index.js "$WORK/index.js.orig"
echo '// build a' >>index.js
cp index.js "$WORK/index.js.a"
"$BIN/aether" deploy --dry-run --no-sbom --json >"$WORK/plan.json" 2>/dev/null
A=$(python3 "$HERE/register.py" "$WORK/plan.json")
echo '// build b' >>index.js
"$BIN/aether" deploy --dry-run --no-sbom --json >"$WORK/plan.json" 2>/dev/null
B=$(python3 "$HERE/register.py" "$WORK/plan.json")
check "two artifacts registered without a release ($A, $B)" test -n "$A" -a -n "$B" -a "$A" != "$B"
symptom retention-deploy "$(api "$SERVER/deployments" -d "{\"app\":\"sample-node\",\"artifact\":\"$A\"}")"
list=$(api "$SERVER/apps/sample-node/artifacts")
check "confirm: the list keeps B" grep -q "$B" <<<"$list"
check "…and not A" lacks "$A" "$list"
symptom retention-confirm "$(api "$SERVER/apps/sample-node/artifacts/$A")"
cp "$WORK/index.js.a" index.js
js=$("$BIN/aether" deploy --json 2>/dev/null)
check "fix: deploying A's source again gives A, running" \
  test "$(field artifact <<<"$js")" = "$A" -a "$(field status <<<"$js")" = running
cp "$WORK/index.js.orig" index.js
stop retain

echo "# Crash loop"
start crash
mkdir -p "$WORK/crash" && cat >"$WORK/crash/package.json" <<'JSON'
{ "name": "crash-app", "main": "index.js" }
JSON
cat >"$WORK/crash/index.js" <<'JS'
if (!process.env.DATABASE_URL) {
  console.error('fatal: DATABASE_URL is not set');
  process.exit(1);
}
require('http').createServer((req, res) => res.end('connected to ' + process.env.DATABASE_URL + '\n'))
  .listen(process.env.PORT, process.env.HOST);
JS
run 6 bash -c "cd '$WORK/crash' && '$BIN/aether' deploy"
symptom crash-deploy "$OUT"
symptom crash-logs "$("$BIN/aether" logs --app crash-app 2>&1)"
symptom crash-releases "$("$BIN/aether" releases --app crash-app 2>&1)"
run 0 "$BIN/aether" env set DATABASE_URL=postgres://db.internal/app --app crash-app
symptom crash-fixed "$OUT"
check "fix: the app answers" grep -q "connected to postgres://db.internal/app" \
  <<<"$(curl -s --max-time 5 "http://127.0.0.1:$ROUTER/apps/crash-app/")"

echo "# Tokens (401, 403)"
CI=$("$BIN/aether" tokens create --name ci --scope deploy --app crash-app --expires 1 | tail -1)
VIEWER=$("$BIN/aether" tokens create --name viewer --scope read | tail -1)
OTHER=$("$BIN/aether" tokens create --name other --scope deploy --app web | tail -1)
run 7 env AETHER_TOKEN="$VIEWER" "$BIN/aether" scale 2 --app crash-app
symptom token-scope "$OUT"
run 7 env AETHER_TOKEN="$OTHER" "$BIN/aether" status --app crash-app
symptom token-app "$OUT"
symptom token-whoami "$(AETHER_TOKEN=$VIEWER "$BIN/aether" whoami 2>&1; AETHER_TOKEN=$OTHER "$BIN/aether" whoami 2>&1)"
sleep 1.2
run 7 env AETHER_TOKEN="$CI" "$BIN/aether" whoami
symptom token-expired "$OUT"
symptom token-expired-api "$(curl -s -H "Authorization: Bearer $CI" "$SERVER/whoami")"
symptom token-list "$("$BIN/aether" tokens list 2>&1)"
VIEWER_ID=$("$BIN/aether" tokens list --json | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin)["tokens"] if t["name"]=="viewer"][0])')
"$BIN/aether" tokens revoke "$VIEWER_ID" >/dev/null
run 7 env AETHER_TOKEN="$VIEWER" "$BIN/aether" apps list
symptom token-revoked "$OUT"
NEW=$("$BIN/aether" tokens create --name ci --scope deploy --app crash-app --expires 90d | tail -1)
run 0 env AETHER_TOKEN="$NEW" "$BIN/aether" scale 2 --app crash-app
check "fix: a new deploy token for the app scales it" grep -q "running" <<<"$OUT"
stop crash

echo "# Rate limited"
start rate -- --rate-limit 12/m:2
"$BIN/aether" apps create app-1 >/dev/null
"$BIN/aether" apps create app-2 >/dev/null
run 9 "$BIN/aether" apps create app-3
symptom rate-limited "$OUT"
resp=$(curl -si -H "Authorization: Bearer $AETHER_TOKEN" "$SERVER/apps" -d '{"name":"app-4"}')
symptom rate-limited-api "$resp"
wait_s=$(grep -i '^Retry-After:' <<<"$resp" | tr -dc 0-9)
check "confirm: the audit trail shows the 429" grep -q '"status":429' <<<"$("$BIN/aether" audit --json)"
sleep "${wait_s:-1}"
run 0 "$BIN/aether" apps create app-3
stop rate

echo "# Untrusted certificate"
"$BIN/aetherd" cert --self-signed --host 127.0.0.1 --out "$WORK/tls" >/dev/null
SCHEME=https start tls -- --tls-cert "$WORK/tls/cert.pem" --tls-key "$WORK/tls/key.pem"
TLS_TOKEN=$(cat "$WORK/tls/admin.token")
run 10 env XDG_CONFIG_HOME="$WORK/tls-client" "$BIN/aether" login --server "$SERVER" --token "$TLS_TOKEN"
symptom tls-untrusted "$OUT"
run 10 env XDG_CONFIG_HOME="$WORK/tls-client" "$BIN/aether" login --server "https://localhost:$API_PORT" --token "$TLS_TOKEN" --ca-file "$WORK/tls/cert.pem"
symptom tls-hostname "$OUT"
check "confirm: the certificate names only 127.0.0.1" grep -qx ' *IP Address:127.0.0.1' \
  <<<"$(openssl x509 -in "$WORK/tls/cert.pem" -noout -ext subjectAltName)"
symptom tls-confirm "$(openssl s_client -connect "127.0.0.1:$API_PORT" </dev/null 2>/dev/null | grep -E '^(subject|issuer)=|^Verify return code')"
run 0 env XDG_CONFIG_HOME="$WORK/tls-client" "$BIN/aether" login --server "$SERVER" --token "$TLS_TOKEN" --ca-file "$WORK/tls/cert.pem"
symptom tls-fixed "$OUT"
run 0 env XDG_CONFIG_HOME="$WORK/tls-client" "$BIN/aether" apps list
stop tls

echo "# Port in use"
start busy
run 1 "$BIN/aetherd" --data-dir "$WORK/busy2" --port "$API_PORT" --router-port 0
symptom port-in-use "$OUT"
check "confirm: ss names the listener" grep -q aetherd <<<"$(ss -ltnp "sport = :$API_PORT")"
stop busy

echo "# S3 (an own Ceph RGW): server-side encryption, clock skew"
faketime_lib() { dpkg -L libfaketime 2>/dev/null | grep '/libfaketime.so.1$' | head -1; }
if [[ -z $(faketime_lib) && $(id -u) -eq 0 ]]; then
  echo "installing faketime (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends faketime >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends faketime; } >/dev/null 2>&1
fi
FAKETIME_LIB=$(faketime_lib)
check "libfaketime is installed (as root: apt-get install faketime)" test -n "$FAKETIME_LIB"
export AETHER_RGW_PORT
AETHER_RGW_PORT=$(free_port)
if bash "$SRC/test/s3/rgw.sh" start >"$WORK/rgw.log" 2>&1; then
  mapfile -t S3_ENV < <(bash "$SRC/test/s3/rgw.sh" env | sed 's/^export //')
  start sse "${S3_ENV[@]}" AETHER_S3_SSE=aws:kms AETHER_S3_SSE_KMS_KEY_ID=no-such-key
  echo '// s3' >>index.js
  run 7 "$BIN/aether" deploy
  symptom s3-sse-kms "$OUT"
  stop sse
  run 1 env "${S3_ENV[@]}" AETHER_S3_SSE=aes256 "$BIN/aetherd" --data-dir "$WORK/sse-bad" --port 0 --router-port 0
  symptom s3-sse-setting "$OUT"
  start sse "${S3_ENV[@]}" AETHER_S3_SSE=aws:kms AETHER_S3_SSE_KMS_KEY_ID=testkey-1
  run 0 "$BIN/aether" deploy
  check "fix: a usable KMS key takes the upload" grep -q "^Released" <<<"$OUT"
  stop sse

  CLOCK=(LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$WORK/clock" FAKETIME_NO_CACHE=1)
  echo "+2h" >"$WORK/clock"
  run 1 env "${S3_ENV[@]}" "${CLOCK[@]}" "$BIN/aetherd" --data-dir "$WORK/skew-bad" --port 0 --router-port 0
  symptom s3-skew-start "$OUT"
  echo "+0" >"$WORK/clock"
  start skew "${S3_ENV[@]}" "${CLOCK[@]}"
  echo "+2h" >"$WORK/clock"
  echo '// skew' >>index.js
  run 4 "$BIN/aether" deploy
  symptom s3-skew-deploy "$OUT"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER/readyz")
  check "confirm: /readyz is 503 (got $code)" test "$code" = 503
  ready=$(curl -s "$SERVER/readyz")
  symptom s3-skew-confirm "$ready"
  ref=$(grep -o 'err_[0-9a-f]*' <<<"$ready")
  symptom s3-skew-log "$(grep "${ref:-no-ref}" "$WORK/skew.log")"
  echo "+0" >"$WORK/clock"
  check "fix: with the clock right /readyz is 200" curl -sf "$SERVER/readyz" -o /dev/null
  run 0 "$BIN/aether" deploy
  check "fix: …and the deploy goes through" grep -q "^Released" <<<"$OUT"
  stop skew
else
  fail "own Ceph RGW starts (test/s3/rgw.sh)" "$(tail -3 "$WORK/rgw.log")"
fi
echo
missing=$(comm -23 <(python3 "$HERE/symptoms.py" "$DOC" ids | sort) <(printf '%s\n' "${CHECKED[@]}" | sort))
check "every playbook block of the doc is checked (unchecked: ${missing:-none})" test -z "$missing"
echo
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
