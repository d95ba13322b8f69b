#!/usr/bin/env bash
# End to end on the Kubernetes test bed (test/k8s/kube.sh: a real kube-apiserver, controller
# manager and scheduler, and the test node agent): aetherd with --runtime kubernetes deploys both
# examples, which answer on their pod addresses; a redeploy under load drops no request; a
# crash-looping release and a tampered blob fail with their reasons while the previous release
# keeps serving; a watch cut mid-rollout and a 410 Gone are recovered; kubectl shows what
# aetherd reports; deleting the app removes its objects.
# Usage: kube.sh BIN_DIR SOURCE_DIR (with the `kube` fixture running: its env is read from
# test/k8s/kube.sh env).
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
source "$(dirname "$0")/lib.sh"
eval "$(bash "$SRC/test/k8s/kube.sh" env)"
NODE_IP=${AETHER_KUBE_SERVER#https://}
NODE_IP=${NODE_IP%:*}
NS=aether-e2e
WORK=$(mktemp -d /tmp/aether-e2e-kube.XXXXXX)
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN
AETHERD_PID=""
PROXY_PID=""
LOAD_PID=""
K() { "$KUBECTL" --kubeconfig "$KUBECONFIG" -n "$NS" "$@"; }

cleanup() {
  [[ -n $LOAD_PID ]] && kill "$LOAD_PID" 2>/dev/null
  [[ -n $AETHERD_PID ]] && kill "$AETHERD_PID" 2>/dev/null && wait "$AETHERD_PID" 2>/dev/null
  [[ -n $PROXY_PID ]] && kill "$PROXY_PID" 2>/dev/null && wait "$PROXY_PID" 2>/dev/null
  K delete deploy,svc --all --wait=false >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# The app's ready pod addresses, from its Service's endpoints (what a load balancer sees).
endpoints() { K get endpoints "$1" -o jsonpath='{.subsets[*].addresses[*].ip}' 2>/dev/null; }
# GET path on one ready pod of the app (the first address the endpoints list).
app_get() {
  local ip
  ip=$(endpoints "$1" | awk '{print $1}')
  [[ -n $ip ]] && curl -sf --max-time 5 "http://$ip:8080$2"
}
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
wait_for() {  # wait_for SECONDS CMD...: until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.2; done
}

# aetherd reaches the API server through a relay the test can cut.
PROXY_PORT=$(free_port)
python3 "$SRC/test/k8s/cutproxy.py" "$NODE_IP:$PROXY_PORT" "${AETHER_KUBE_SERVER#https://}" \
  >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
sed "s#server: .*#server: https://$NODE_IP:$PROXY_PORT#" "$KUBECONFIG" >"$WORK/kubeconfig"
wait_for 10 grep -q ready "$WORK/proxy.log"

API_PORT=$(free_port)
"$BIN/aetherd" --data-dir "$WORK/data" --host "$NODE_IP" --port "$API_PORT" \
  --runtime kubernetes --kubeconfig "$WORK/kubeconfig" --kube-namespace "$NS" \
  --ready-timeout-ms 90000 >"$WORK/aetherd.log" 2>&1 &
AETHERD_PID=$!
SERVER=http://$NODE_IP:$API_PORT
wait_for 20 curl -sf "$SERVER/healthz" -o /dev/null
check "aetherd (kubernetes runtime) answers /healthz" curl -sf "$SERVER/healthz" -o /dev/null
check "namespace $NS created" K get namespace "$NS" -o name
check "pull secret applied" K get secret aether-pull -o name
aether login --server "$SERVER" --token "$(cat "$WORK/data/admin.token")" >/dev/null

# --- Deploy both examples -------------------------------------------------------------------
cp -r "$SRC/examples/sample-node" "$WORK/sample-node"
if out=$(cd "$WORK/sample-node" && aether deploy 2>&1); then pass "deploy sample-node"; else fail "deploy sample-node" "$out"; fi
echo "$out" | sed 's/^/       /'
check "sample-node answers on its pod address" grep -q "Hello from sample-node" <<<"$(app_get sample-node /)"
check "phases reported: apply, start, ready" grep -qE "apply .*start .*ready" <<<"$out"

cp -r "$SRC/examples/express-app" "$WORK/express-app"
rm -rf "$WORK/express-app/node_modules"
if out=$(cd "$WORK/express-app" && aether deploy 2>&1); then pass "deploy express-app"; else fail "deploy express-app" "$out"; fi
echo "$out" | sed 's/^/       /'
check "express-app answers on its pod address" grep -q "Hello from express-app" <<<"$(app_get express-app /)"

# --- What kubectl sees ------------------------------------------------------------------------
dep=$(aether --json status --app express-app | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["app"]["current_deployment"])' 2>/dev/null)
labels=$(K get pods -l app.kubernetes.io/name=express-app -o jsonpath='{.items[0].metadata.labels}')
check "pods carry the standard labels and the deployment id ($dep)" \
  bash -c "grep -q '\"app.kubernetes.io/managed-by\":\"aether\"' <<<'$labels' && grep -q '$dep' <<<'$labels'"
digest=$(K get deploy express-app -o jsonpath='{.spec.template.metadata.annotations.aether\.dev/artifact}')
check "pod template annotated with the artifact digest" grep -q '^sha256:' <<<"$digest"
check "kubectl rollout status agrees" K rollout status deploy/express-app --timeout=20s
K get deploy,rs,pods -o wide | sed 's/^/       /'
check "kubectl logs shows the app's output" bash -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS logs deploy/express-app -c app | grep -q ."
check "kubectl logs shows the init container's fetch" bash -c "'$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS logs deploy/express-app -c fetch | grep -q fetch_ms"
check "runs as non-root with a read-only root filesystem" \
  test "$(K get deploy express-app -o jsonpath='{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}')" = true

# --- Rolling redeploy under load: no failed request -------------------------------------------
echo '{ "version": "2" }' >"$WORK/express-app/version.json"
: >"$WORK/codes"
( while [[ ! -e $WORK/stop-load ]]; do
    ip=$(endpoints express-app | tr ' ' '\n' | shuf -n1)
    [[ -z $ip ]] && { echo none >>"$WORK/codes"; sleep 0.1; continue; }
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 5 "http://$ip:8080/items/1" >>"$WORK/codes"
  done ) &
LOAD_PID=$!
sleep 1
if out=$(cd "$WORK/express-app" && aether scale 2 --app express-app 2>&1 && aether deploy 2>&1); then pass "redeploy express-app (2 instances) under load"; else fail "redeploy express-app under load" "$out"; fi
sleep 1
touch "$WORK/stop-load"; wait "$LOAD_PID"; LOAD_PID=""
total=$(wc -l <"$WORK/codes"); bad=$(grep -cv '^200$' "$WORK/codes")
((bad > 0)) && echo "       non-200 answers: $(grep -v '^200$' "$WORK/codes" | sort | uniq -c | tr '\n' ' ')"
check "no failed request during the rollout ($total requests, $bad failed)" test "$bad" -eq 0 -a "$total" -gt 10
check "two pods of the new release serve" test "$(endpoints express-app | wc -w)" -eq 2

# --- A crash-looping release fails with its output; the previous one keeps serving ------------
mkdir -p "$WORK/crasher" && cp "$WORK/sample-node/package.json" "$WORK/crasher/"
cp "$WORK/sample-node/"*.js "$WORK/crasher/" 2>/dev/null
main=$(python3 -c 'import json; print(json.load(open("'"$WORK"'/crasher/package.json")).get("main","server.js"))')
echo 'console.error("boom: cannot start"); process.exit(3);' >"$WORK/crasher/$main"
out=$(cd "$WORK/crasher" && aether deploy --app sample-node 2>&1); rc=$?
check "crash-looping release fails (exit 6)" test "$rc" -eq 6
check "its reason names the crash and the app's output" grep -q "boom: cannot start" <<<"$out"
echo "$out" | tail -2 | sed 's/^/       /'
check "the previous release still serves" grep -q "Hello from sample-node" <<<"$(app_get sample-node /)"

# --- A tampered blob fails the init container ---------------------------------------------------
api() { curl -sf -H "Authorization: Bearer $(cat "$WORK/data/admin.token")" "$SERVER$1"; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }
echo "// v2" >>"$WORK/sample-node/$main"
(cd "$WORK/sample-node" && aether deploy >/dev/null 2>&1)
v2=$(aether --json releases --app sample-node | json_field '["releases"][0]["version"]')
echo "// v3" >>"$WORK/sample-node/$main"
(cd "$WORK/sample-node" && aether deploy >/dev/null 2>&1)
art=$(api "/apps/sample-node/releases/$v2" | json_field '["artifact"]')
layer=$(api "/artifacts/$art" | json_field '[r"layers"][-1][r"digest"]')
blob=$WORK/data/blobs/sha256/${layer#sha256:}
check "found v$v2's app layer blob ($layer)" test -n "$v2" -a -f "$blob"
printf 'X' | dd of="$blob" bs=1 seek=40 conv=notrunc 2>/dev/null
out=$(aether rollback "$v2" --app sample-node 2>&1); rc=$?
check "rollback onto a tampered blob fails (exit 6)" test "$rc" -eq 6
check "the init container's digest check is the reason" grep -qiE "init container fetch.*(digest|sha256)" <<<"$out"
echo "$out" | tail -1 | sed 's/^/       /'
check "v3 still serves" grep -q "Hello from sample-node" <<<"$(app_get sample-node /)"

# --- A watch cut mid-rollout, and a 410 Gone, are recovered -------------------------------------
ETCD=http://127.0.0.1:${AETHER_KUBE_ETCD_PORT:-12379}
# This release takes 4 s to start listening, so the cut lands mid-rollout.
sed -i '1i const until = Date.now() + 4000; while (Date.now() < until) {}' "$WORK/sample-node/$main"
(cd "$WORK/sample-node" && aether deploy --no-wait >/dev/null 2>&1)
sleep 0.5
kill -USR1 "$PROXY_PID"  # every watch aetherd holds drops; reconnects are refused
for i in 1 2 3 4 5; do K create configmap "churn-$RANDOM-$i" --from-literal=a=$i >/dev/null; done
rev=$(curl -s -X POST "$ETCD/v3/kv/range" -d '{"key":"AA=="}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
curl -s -X POST "$ETCD/v3/kv/compaction" -d "{\"revision\": \"$rev\", \"physical\": true}" >/dev/null
sleep 2
kill -USR2 "$PROXY_PID"
check "the relay passes requests again" curl -sf --cacert "$AETHER_KUBE_CA" -H "Authorization: Bearer $AETHER_KUBE_TOKEN" "https://$NODE_IP:$PROXY_PORT/version" -o /dev/null
newest_status() { aether --json status --app sample-node | json_field '["deployments"][0]["status"]'; }
for _ in $(seq 1 300); do st=$(newest_status); [[ $st == running || $st == failed ]] && break; sleep 0.2; done
check "the rollout finished after the cut (status $st)" test "$st" = running
check "aetherd resumed the dropped watches" grep -q "dropped; resuming" "$WORK/aetherd.log"
check "aetherd listed again after 410 Gone" grep -q "410 Gone" "$WORK/aetherd.log"

# --- dev-hot: the app layer swaps inside the running pods, and `aether dev` ------------------
cp -r "$SRC/examples/sample-node" "$WORK/hot"
echo '{ "version": "hot-1" }' >"$WORK/hot/version.json"
if out=$(cd "$WORK/hot" && aether deploy --dev-hot --app hot 2>&1); then pass "first dev-hot deploy (a rollout)"; else fail "first dev-hot deploy (a rollout)" "$out"; fi
check "dev-hot pods run as the aether-dev-hot ServiceAccount" \
  test "$(K get pods -l app.kubernetes.io/name=hot -o jsonpath='{.items[0].spec.serviceAccountName}')" = aether-dev-hot
pod_state() { K get pods -l app.kubernetes.io/name=hot -o jsonpath='{range .items[*]}{.metadata.uid}/{.status.containerStatuses[0].restartCount} {end}'; }
before=$(pod_state)
echo '{ "version": "hot-2" }' >"$WORK/hot/version.json"
t0=$(now_ms)
out=$(cd "$WORK/hot" && aether deploy --dev-hot --app hot 2>&1); rc=$?
until grep -q hot-2 <<<"$(app_get hot /)"; do (( $(now_ms) - t0 < 10000 )) || break; sleep 0.05; done
t_swap=$(( $(now_ms) - t0 ))
check "dev-hot redeploy succeeds (exit $rc)" test "$rc" -eq 0
echo "$out" | grep -E "server:" | sed 's/^/       /'
check "the new app layer answers within 2 s of the deploy command ($t_swap ms)" test "$t_swap" -le 2000
check "no new pod and no container restart ($before)" test "$(pod_state)" = "$before"
check "the swap is reported as a phase" grep -q "swap" <<<"$out"
K delete pod -l app.kubernetes.io/name=hot --wait=false >/dev/null
wait_for 30 bash -c "[[ \$('$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get pods -l app.kubernetes.io/name=hot -o jsonpath='{.items[?(@.metadata.deletionTimestamp)]}') == '' ]] && '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get endpoints hot -o jsonpath='{.subsets[*].addresses[*].ip}' | grep -q ."
check "a replacement pod starts from the current hot release" grep -q hot-2 <<<"$(app_get hot /)"

"$BIN/aether" dev --app hot "$WORK/hot" >"$WORK/dev.log" 2>&1 &
DEV_PID=$!
wait_for 30 grep -q "Watching" "$WORK/dev.log"
echo '{ "version": "hot-3" }' >"$WORK/hot/version.json"
wait_for 30 bash -c "grep -q hot-3 <<<\"\$(curl -sf --max-time 2 http://\$('$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get endpoints hot -o jsonpath='{.subsets[0].addresses[0].ip}'):8080/)\""
check "aether dev redeployed the change" grep -q hot-3 <<<"$(app_get hot /)"
kill -INT "$DEV_PID"; wait "$DEV_PID"; rc=$?
check "aether dev stops on Ctrl-C with exit 0 (got $rc)" test "$rc" -eq 0

# --- An image that cannot be pulled fails the release with the kubelet's reason ----------------
IMG_PORT=$(free_port)
"$BIN/aetherd" --data-dir "$WORK/data-img" --host "$NODE_IP" --port "$IMG_PORT" \
  --runtime kubernetes --kubeconfig "$KUBECONFIG" --kube-namespace aether-e2e-img \
  --kube-image registry.invalid/nope:1 --ready-timeout-ms 60000 >"$WORK/aetherd-img.log" 2>&1 &
IMG_PID=$!
wait_for 20 curl -sf "http://$NODE_IP:$IMG_PORT/healthz" -o /dev/null
out=$(cd "$WORK/sample-node" && AETHER_TOKEN=$(cat "$WORK/data-img/admin.token") \
  "$BIN/aether" --server "http://$NODE_IP:$IMG_PORT" deploy 2>&1); rc=$?
check "an unpullable image fails the release (exit $rc)" test "$rc" -eq 6
check "the reason is the image pull error" grep -qE "ErrImagePull|ImagePullBackOff" <<<"$out"
echo "$out" | tail -1 | sed 's/^/       /'
check "a first release that failed leaves no Deployment behind" \
  bash -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' -n aether-e2e-img get deploy/sample-node >/dev/null 2>&1"
kill "$IMG_PID"; wait "$IMG_PID" 2>/dev/null

# --- Delete the app: its objects go -------------------------------------------------------------
check "delete express-app" aether apps delete express-app --yes
check "its Deployment and Service are gone" bash -c "! '$KUBECTL' --kubeconfig '$KUBECONFIG' -n $NS get deploy/express-app svc/express-app 2>/dev/null | grep -q express"

echo "kube e2e: $PASSED passed, $FAILED failed"
if ((FAILED > 0)); then
  echo "--- aetherd log (tail)"; tail -40 "$WORK/aetherd.log"
  echo "--- kubectl get deploy,rs,pods"; K get deploy,rs,pods -o wide
  exit 1
fi
