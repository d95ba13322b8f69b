#!/usr/bin/env bash
# End-to-end on S3: real aetherd with its artifacts in a real S3 (the Ceph RGW of the `rgw`
# CTest fixture, whose settings arrive in AETHER_S3_ENDPOINT_URL, AETHER_ARTIFACT_BUCKET and
# AWS_*), the real CLI and npm deploying examples/express-app, a large artifact through
# multipart, agents fetching through aetherd's presigned redirect, and the stale-upload GC.
# Usage: s3.sh BIN_DIR SOURCE_DIR. Prints "N passed, M failed".
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
: "${AETHER_S3_ENDPOINT_URL:?the rgw fixture sets AETHER_S3_ENDPOINT_URL}"
: "${AETHER_ARTIFACT_BUCKET:?the rgw fixture sets AETHER_ARTIFACT_BUCKET}"
WORK=$(mktemp -d /tmp/aether-e2e-s3.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
export AETHER_S3_PREFIX=e2e-$(basename "$WORK")/
unset AETHER_SERVER AETHER_TOKEN AETHER_MULTIPART_THRESHOLD
AETHERD_PID=""

cleanup() {
  stop_aetherd "$AETHERD_PID" "$WORK/data"
  rm -rf "$WORK"
}
trap cleanup EXIT

# Keys under our prefix in the bucket (SigV4 by curl; the query value must be pre-encoded).
s3_keys() {
  local prefix; prefix=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$AETHER_S3_PREFIX$1")
  curl -sf --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "$AETHER_S3_ENDPOINT_URL/$AETHER_ARTIFACT_BUCKET?list-type=2&prefix=$prefix" |
    python3 -c 'import re,sys; print("\n".join(re.findall(r"<Key>([^<]*)</Key>", sys.stdin.read())))'
}

# --- a bucket that does not exist: aetherd refuses to start, saying so -----------------------
out=$(AETHER_ARTIFACT_BUCKET=no-such-bucket "$BIN/aetherd" --data-dir "$WORK/bad" --port 0 --router-port 0 2>&1)
rc=$?
check "aetherd with a missing bucket exits non-zero (rc $rc)" test "$rc" -ne 0
check "and says the bucket does not exist" grep -q "no-such-bucket.*does not exist" <<<"$out"
out=$(AWS_SECRET_ACCESS_KEY=wrong "$BIN/aetherd" --data-dir "$WORK/bad" --port 0 --router-port 0 2>&1)
check "a wrong secret key is named" grep -q "AWS_SECRET_ACCESS_KEY" <<<"$out"

# --- start aetherd on S3, with a short upload TTL for the GC check ---------------------------
API_PORT=$(free_port)
ROUTER_PORT=$(free_port)
AETHER_UPLOAD_TTL_SECONDS=4 "$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" \
  --router-port "$ROUTER_PORT" --ready-timeout-ms 30000 >"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
SERVER=http://127.0.0.1:$API_PORT
for _ in $(seq 1 100); do curl -sf "$SERVER/healthz" >/dev/null && break; sleep 0.1; done
check "aetherd answers /healthz" curl -sf "$SERVER/healthz" -o /dev/null
check "aetherd logs that artifacts live in S3" grep -q "artifacts in S3 bucket '$AETHER_ARTIFACT_BUCKET'" "$WORK/aetherd.log"
TOKEN=$(cat "$WORK/data/admin.token")
check "login" aether login --server "$SERVER" --token "$TOKEN"
check "no blob is written to the data dir" test ! -e "$WORK/data/blobs"

# --- express-app with real npm: layers go straight to S3 ------------------------------------
cp -r "$SRC/examples/express-app" "$WORK/express-app"
rm -rf "$WORK/express-app/node_modules"
js=$(cd "$WORK/express-app" && aether deploy --json --no-sbom 2>"$WORK/deploy.err")
rc=$?
jq_() { python3 -c "import json,sys; d=json.loads(sys.stdin.read()); print($1)" <<<"$js"; }
check "deploy express-app on S3 (rc $rc)" test "$rc" -eq 0 -a "$(jq_ 'd["status"]' 2>/dev/null)" = running
[[ $rc -eq 0 ]] || sed 's/^/       /' "$WORK/deploy.err"
EXPRESS="http://express-app.localhost:$ROUTER_PORT"
check "express-app answers" grep -q "Hello from express-app" <<<"$(curl -sf --max-time 5 "$EXPRESS/")"
cas=$(s3_keys cas/)
for d in $(jq_ '" ".join(l["digest"][7:] for l in d["layers"])'); do
  check "layer ${d:0:12} is in the bucket's CAS" grep -q "cas/sha256/$d" <<<"$cas"
done

# --- agents fetch through aetherd: a fresh presigned redirect to S3 --------------------------
LAYER=$(jq_ 'd["layers"][0]["digest"]')
hdrs=$(curl -s -o /dev/null -D - -H "Authorization: Bearer $TOKEN" "$SERVER/layers/$LAYER")
check "GET /layers/{digest} answers 302" grep -q "^HTTP/1.1 302" <<<"$hdrs"
location=$(grep -i '^location:' <<<"$hdrs" | tr -d '\r' | cut -d' ' -f2-)
check "the redirect is a presigned S3 URL" grep -q "^$AETHER_S3_ENDPOINT_URL/.*X-Amz-Signature=" <<<"$location"
got=$(curl -sf "$location" | sha256sum | cut -d' ' -f1)
check "the redirect serves the layer's bytes" test "sha256:$got" = "$LAYER"
code=$(curl -s -o /dev/null -w '%{http_code}' "${location%%\?*}")
check "the same object without a signature is refused ($code)" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER/layers/$LAYER")
check "the redirect needs a token ($code)" test "$code" = 401

# --- a large artifact goes multipart ---------------------------------------------------------
cp -r "$SRC/examples/sample-node" "$WORK/big-app"
head -c $((24 * 1024 * 1024)) /dev/urandom >"$WORK/big-app/big.bin"
js=$(cd "$WORK/big-app" && aether deploy --json --no-sbom 2>"$WORK/deploy.err")
rc=$?
check "deploy of a 24 MiB artifact (rc $rc)" test "$rc" -eq 0 -a "$(jq_ 'd["status"]' 2>/dev/null)" = running
[[ $rc -eq 0 ]] || sed 's/^/       /' "$WORK/deploy.err"
check "it answers" grep -q "Hello from sample-node" <<<"$(curl -sf --max-time 5 "http://sample-node.localhost:$ROUTER_PORT/")"
metrics=$(curl -sf "$SERVER/metrics")
check "the upload went through multipart complete" grep -q 'route="/artifacts/uploads/{upload_id}/complete"' <<<"$metrics"
BIG=$(jq_ '[l for l in d["layers"] if l["role"] == "app"][0]["digest"][7:]')
check "the big layer is in the CAS" grep -q "cas/sha256/$BIG" <<<"$(s3_keys cas/)"

# --- a wrong body is refused by S3 itself ----------------------------------------------------
printf 'promised bytes' >"$WORK/promised"
DIGEST=sha256:$(sha256sum "$WORK/promised" | cut -d' ' -f1)
presign=$(curl -sf -H "Authorization: Bearer $TOKEN" -d "{\"digest\":\"$DIGEST\",\"size\":14}" "$SERVER/artifacts/presign")
url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$presign")
hargs=()
while IFS= read -r h; do hargs+=(-H "$h"); done < <(python3 -c 'import json,sys; [print("%s: %s" % kv) for kv in json.loads(sys.argv[1])["headers"].items()]' "$presign")
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary 'other bytes!!' "${hargs[@]}" "$url")
check "S3 refuses a body that is not the promised one ($code)" test "$code" = 400
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$WORK/promised" "$url")
check "and a PUT without the signed headers ($code)" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$WORK/promised" "${hargs[@]}" "$url")
check "the right body with the signed headers is accepted ($code)" test "$code" = 200
done_js=$(curl -s -H "Authorization: Bearer $TOKEN" -d "{\"digest\":\"$DIGEST\",\"size\":14}" "$SERVER/artifacts/complete")
check "complete publishes it" grep -q '"size":14' <<<"$done_js"

# --- uploads begun and never completed are dropped after the TTL ----------------------------
head -c $((6 * 1024 * 1024)) /dev/urandom >"$WORK/orphan"
ODIGEST=sha256:$(sha256sum "$WORK/orphan" | cut -d' ' -f1)
plan=$(curl -sf -H "Authorization: Bearer $TOKEN" -d "{\"digest\":\"$ODIGEST\",\"size\":$((6 * 1024 * 1024))}" "$SERVER/artifacts/uploads")
UPLOAD=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["upload_id"])' "$plan")
part=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["parts"][0]["url"])' "$plan")
code=$(curl -s -o /dev/null -w '%{http_code}' -T "$WORK/orphan" "$part")
check "a part of an upload that is never completed is accepted ($code)" test "$code" = 200
for _ in $(seq 1 40); do grep -q "dropped .* upload" "$WORK/aetherd.log" && break; sleep 0.25; done
check "aetherd drops it after the TTL" grep -q "dropped 1 upload(s) older than 4s" "$WORK/aetherd.log"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -d '{"parts":[{"number":1,"etag":"x"}]}' "$SERVER/artifacts/uploads/$UPLOAD/complete")
check "completing it afterwards is 404 ($code)" test "$code" = 404
check "the released apps still answer after the GC" grep -q "Hello from express-app" <<<"$(curl -sf --max-time 5 "$EXPRESS/")"

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
