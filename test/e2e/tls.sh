#!/usr/bin/env bash
# End-to-end TLS: `aetherd cert --self-signed`, aetherd serving HTTPS with it, the CLI trusting
# it through `login --ca-file` (saved), --ca-file and AETHER_CA_FILE, and refusing it (one line,
# exit 10) with another CA or none; a deploy whose agents fetch over HTTPS; the API's body limits.
# Usage: tls.sh BIN_DIR SOURCE_DIR. Prints "N passed, M failed".
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
WORK=$(mktemp -d /tmp/aether-e2e-tls.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN AETHER_CA_FILE AETHER_TLS_CERT AETHER_TLS_KEY
AETHERD_PID=""

cleanup() {
  stop_aetherd "$AETHERD_PID" "$WORK/data"
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- certificates --------------------------------------------------------------------------
if out=$("$BIN/aetherd" cert --self-signed --host 127.0.0.1,localhost --out "$WORK/tls" 2>&1); then
  pass "aetherd cert --self-signed"
else
  fail "aetherd cert --self-signed" "$out"
fi
echo "$out" | sed 's/^/       /'
check "cert.pem and key.pem written" test -s "$WORK/tls/cert.pem" -a -s "$WORK/tls/key.pem"
check "key.pem is mode 600" test "$(stat -c %a "$WORK/tls/key.pem")" = 600
check "the output says how to use them" grep -q -- "--tls-cert $WORK/tls/cert.pem" <<<"$out"
sans=$(openssl x509 -in "$WORK/tls/cert.pem" -noout -ext subjectAltName 2>&1)
check "SANs are IP 127.0.0.1 and DNS localhost" grep -q "IP Address:127.0.0.1, DNS:localhost" <<<"$sans"
"$BIN/aetherd" cert --self-signed --host 127.0.0.1 --out "$WORK/tls" >/dev/null 2>&1
check "an existing cert is not replaced without --force" test $? -ne 0
"$BIN/aetherd" cert --self-signed --host 127.0.0.1,localhost --out "$WORK/other" >/dev/null 2>&1

# --- aetherd over HTTPS --------------------------------------------------------------------
API_PORT=$(free_port)
ROUTER_PORT=$(free_port)
if out=$("$BIN/aetherd" --data-dir "$WORK/bad" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --tls-cert "$WORK/tls/cert.pem" --tls-key "$WORK/other/key.pem" 2>&1); then
  fail "a key that does not match the certificate is refused at start" "$out"
else
  check "a key that does not match the certificate is refused at start" \
    grep -q "does not match the certificate" <<<"$out"
fi

"$BIN/aetherd" --data-dir "$WORK/data" --port "$API_PORT" --router-port "$ROUTER_PORT" \
  --tls-cert "$WORK/tls/cert.pem" --tls-key "$WORK/tls/key.pem" --max-json-body 1M \
  >"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
SERVER=https://127.0.0.1:$API_PORT
for _ in $(seq 1 100); do curl -sf --cacert "$WORK/tls/cert.pem" "$SERVER/healthz" >/dev/null && break; sleep 0.1; done
check "aetherd answers /healthz over HTTPS" curl -sf --cacert "$WORK/tls/cert.pem" "$SERVER/healthz" -o /dev/null
check "aetherd reports an https API URL" grep -q "API on https://127.0.0.1:$API_PORT" "$WORK/aetherd.log"
check "plain HTTP on the TLS port gets no answer" \
  bash -c "! curl -sf --max-time 5 http://127.0.0.1:$API_PORT/healthz >/dev/null 2>&1"
check "a TLS 1.1 client is refused" \
  bash -c "! curl -sf --max-time 5 --cacert '$WORK/tls/cert.pem' --tls-max 1.1 '$SERVER/healthz' >/dev/null 2>&1"
TOKEN=$(cat "$WORK/data/admin.token")

# --- the CLI -------------------------------------------------------------------------------
if out=$(aether login --server "$SERVER" --token "$TOKEN" --ca-file "$WORK/tls/cert.pem" 2>&1); then
  pass "login --ca-file over HTTPS"
else
  fail "login --ca-file over HTTPS" "$out"
fi
check "login saved the CA file" grep -q "\"ca_file\": \"$WORK/tls/cert.pem\"" "$XDG_CONFIG_HOME/aether/config.json"
check "apps create (CA from the config)" aether apps create tls-app
check "apps list shows it" grep -q tls-app <<<"$(aether apps list 2>&1)"
check "--server https://localhost matches the DNS SAN" aether --server "https://localhost:$API_PORT" apps list
# The local agents fetch the artifact from the https API, trusting aetherd's own certificate.
cp -r "$SRC/examples/sample-node" "$WORK/sample-node"
if out=$(cd "$WORK/sample-node" && aether deploy 2>&1); then
  pass "deploy over HTTPS"
else
  fail "deploy over HTTPS" "$out"
fi
check "the deployed app answers" grep -q "Hello from sample-node" \
  <<<"$(curl -sf --max-time 5 "http://127.0.0.1:$ROUTER_PORT/apps/sample-node/")"

# Another CA: one clear line and exit 10.
err=$(aether --ca-file "$WORK/other/cert.pem" apps list 2>&1 >/dev/null)
code=$?
check "another CA is refused with exit 10 (got $code)" test "$code" = 10
check "…in one line" test "$(wc -l <<<"$err")" = 1
check "…that names the server and --ca-file" \
  grep -q "certificate of $SERVER is not trusted: .*(use --ca-file" <<<"$err"
echo "       $err"

# No CA at all (a config without one): the system store does not know it.
err=$(XDG_CONFIG_HOME=$WORK/noca AETHER_SERVER=$SERVER AETHER_TOKEN=$TOKEN aether apps list 2>&1 >/dev/null)
code=$?
check "no CA is refused with exit 10 (got $code)" test "$code" = 10
check "…with the same line" grep -q "certificate of $SERVER is not trusted" <<<"$err"
check "AETHER_CA_FILE trusts it" env XDG_CONFIG_HOME="$WORK/noca" AETHER_SERVER="$SERVER" \
  AETHER_TOKEN="$TOKEN" AETHER_CA_FILE="$WORK/tls/cert.pem" "$BIN/aether" apps list
err=$(aether --ca-file "$WORK/missing.pem" apps list 2>&1 >/dev/null)
code=$?
check "a missing CA file is a config error (exit 3, got $code)" test "$code" = 3
check "…that names it" grep -q "cannot read CA file $WORK/missing.pem" <<<"$err"

# --- body limits over HTTPS (--max-json-body 1M) --------------------------------------------
head -c 2000000 /dev/zero | tr '\0' ' ' >"$WORK/big.json"
code=$(curl -s -o "$WORK/out.json" -w '%{http_code}' --cacert "$WORK/tls/cert.pem" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data-binary @"$WORK/big.json" "$SERVER/apps")
check "a 2 MB JSON body is 413 (got $code)" test "$code" = 413
check "…with the error envelope" grep -q '"code":"payload_too_large"' "$WORK/out.json"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/tls/cert.pem" -X PUT \
  --data-binary @"$WORK/big.json" "$SERVER/blobs/sha256:$(printf '0%.0s' $(seq 64))?expires=1&signature=x")
check "a 2 MB blob upload is not held to the JSON limit (got $code)" test "$code" != 413 -a "$code" != 000

echo
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
