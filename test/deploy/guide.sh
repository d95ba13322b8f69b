#!/usr/bin/env bash
# docs/operator-guide.md, followed step by step on the Kubernetes test bed: every ```bash
# guide:<step>``` block of the guide is run, in the order below, as a reader would type it (with
# `helm`, `kubectl` and `aether` being the real tools), and what the step promises is checked:
# the quick start (embedded storage) deploys sample-node; the production install runs on
# PostgreSQL 15 (test/postgres/pg.sh) and a Ceph RGW (test/s3/rgw.sh), reached from the pods
# through relays on the bed's bridge; config vars, CI tokens with rotation and revocation, the
# signature policy, an upgrade that keeps releases and config, and a backup follow. A guide block
# this script does not run fails the test, so the guide and the test cannot drift apart.
# The bed has no volume provisioner, no Service routing and no port-forward: install/upgrade get
# --set storage.persistence.enabled=false --set apps.agentServer=http://$(POD_IP):7070 added, and
# AETHER_URL is aetherd's pod address.
# Usage: guide.sh BIN_DIR SOURCE_DIR (with the `kube` fixture running).
set -uo pipefail
BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
source "$SRC/test/e2e/lib.sh"
eval "$(bash "$SRC/test/k8s/kube.sh" env)"
DOC=$SRC/docs/operator-guide.md
NODE_IP=${AETHER_KUBE_SERVER#https://}
NODE_IP=${NODE_IP%:*}
WORK=$(mktemp -d /tmp/aether-guide.XXXXXX)
export HELM_CONFIG_HOME=$WORK/helm HELM_CACHE_HOME=$WORK/helm HELM_DATA_HOME=$WORK/helm
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN AETHER_CA_FILE AETHER_SIGNING_KEY
export AETHER_PG_DIR=/tmp/aether-guide-pg.$$ AETHER_RGW_DIR=/tmp/aether-guide-rgw.$$ AETHER_RGW_BUCKET=aether-artifacts
RELAYS=()
RAN=()

helm() {
  case $1 in
    install | upgrade) "$HELM" --kubeconfig "$KUBECONFIG" "$@" --set storage.persistence.enabled=false \
      --set 'apps.agentServer=http://$(POD_IP):7070' ;;
    *) "$HELM" --kubeconfig "$KUBECONFIG" "$@" ;;
  esac
}
kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
cleanup() {
  "$HELM" --kubeconfig "$KUBECONFIG" uninstall aether -n aether >/dev/null 2>&1
  kubectl delete namespace aether aether-apps --wait=false >/dev/null 2>&1
  for pid in "${RELAYS[@]}"; do kill "$pid" 2>/dev/null; done
  bash "$SRC/test/postgres/pg.sh" stop >/dev/null 2>&1
  bash "$SRC/test/s3/rgw.sh" stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_for() {  # wait_for SECONDS CMD...
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.3; done
}

# The guide's block `guide:ID`.
block() {
  python3 - "$DOC" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"^```bash guide:" + re.escape(sys.argv[2]) + r"\n(.*?)^```", text, re.S | re.M)
sys.exit(1) if not m else print(m.group(1), end="")
PY
}
# step ID: runs the block in $WORK/repo (deploy/ and examples/ as in a checkout) with errexit;
# the variables a reader would carry on to later steps are kept.
KEEP="AETHER_TOKEN AETHER_URL DATABASE_URL CI_TOKEN NEW_CI_TOKEN TOKEN_ID AETHER_SIGNING_KEY"
step() {
  local id=$1 code rc
  code=$(block "$id") || { fail "guide:$id is not in the guide"; return 1; }
  RAN+=("$id")
  (
    set -e +u
    cd "$WORK/repo"
    eval "$code"
    declare -p $KEEP 2>/dev/null >"$WORK/vars" || :
  ) >"$WORK/out-$id" 2>&1
  rc=$?
  if ((rc == 0)); then
    pass "guide:$id"
    source <(sed 's/^declare /declare -g /' "$WORK/vars")
  else
    fail "guide:$id (exit $rc)" "$(tail -n 5 "$WORK/out-$id")"
  fi
  return "$rc"
}
out() { cat "$WORK/out-$1"; }
# must CMD...: a failure here makes every later step meaningless: stop.
must() {
  "$@" && return 0
  [[ $1 == step ]] || fail "$*"
  stop_here
}
stop_here() { echo "guide.sh: stopping: $PASSED passed, $FAILED failed"; exit 1; }
# Points AETHER_URL at the running aetherd pod (the bed's stand-in for the port-forward) and
# the CLI's later commands at it too.
reach_aetherd() {
  local ip
  ip=$(kubectl -n aether get pods -l app.kubernetes.io/name=aether --field-selector=status.phase=Running \
    -o jsonpath='{.items[0].status.podIP}' 2>/dev/null)
  export AETHER_URL=http://$ip:7070 AETHER_SERVER=http://$ip:7070
  [[ -n $ip ]] && curl -sf --max-time 3 "$AETHER_URL/readyz" >/dev/null
}
app_get() {
  local ip
  ip=$(kubectl -n aether-apps get endpoints sample-node -o jsonpath='{.subsets[0].addresses[0].ip}' 2>/dev/null)
  [[ -n $ip ]] && curl -sf --max-time 5 "http://$ip:8080/"
}
serves() { app_get | grep -q "$1"; }
relay() {  # relay PORT TARGET_PORT: NODE_IP:PORT -> 127.0.0.1:TARGET_PORT
  python3 "$SRC/test/k8s/cutproxy.py" "$NODE_IP:$1" "127.0.0.1:$2" >"$WORK/relay-$1.log" 2>&1 &
  RELAYS+=($!)
  wait_for 10 grep -q ready "$WORK/relay-$1.log"
}

gone() { ! kubectl get namespace aether >/dev/null 2>&1 && ! kubectl get namespace aether-apps >/dev/null 2>&1; }
# What an earlier, interrupted run left (namespaces still terminating) must be gone first.
kubectl delete namespace aether aether-apps --ignore-not-found --wait=false >/dev/null 2>&1
wait_for 120 gone || { fail "namespaces aether and aether-apps left by an earlier run are still there"; stop_here; }
mkdir -p "$WORK/repo/examples"
ln -s "$SRC/deploy" "$WORK/repo/deploy"
cp -r "$SRC/examples/sample-node" "$WORK/repo/examples/"

# --- Quick start: embedded storage ----------------------------------------------------------------
must step embedded-install; must step wait; must step admin-token
token=${AETHER_TOKEN:-}
check "the chart's admin token is set" test "${#token}" -ge 40
must wait_for 30 reach_aetherd
must step login; must step deploy
wait_for 30 serves sample-node
check "sample-node answers" serves sample-node
step embedded-uninstall
check "the namespaces are gone" wait_for 120 gone

# --- Production: PostgreSQL and S3 -------------------------------------------------------------
# Own ports: the CTest fixtures want theirs (55432, 17480) free.
export AETHER_PG_PORT AETHER_RGW_PORT
AETHER_PG_PORT=$(free_port) AETHER_RGW_PORT=$(free_port)
bash "$SRC/test/postgres/pg.sh" start >"$WORK/pg.log" 2>&1 || { fail "PostgreSQL starts" "$(tail -3 "$WORK/pg.log")"; stop_here; }
bash "$SRC/test/s3/rgw.sh" start >"$WORK/rgw.log" 2>&1 || { fail "Ceph RGW starts" "$(tail -3 "$WORK/rgw.log")"; stop_here; }
eval "$(bash "$SRC/test/s3/rgw.sh" env)"
PG_PORT=$(free_port) S3_PORT=$(free_port)
relay "$PG_PORT" "$(cat "$AETHER_PG_DIR/port")"
relay "$S3_PORT" "${AETHER_S3_ENDPOINT_URL##*:}"
export PG_ADMIN_URL PG_HOST=$NODE_IP PG_PORT
PG_ADMIN_URL=$(bash "$SRC/test/postgres/pg.sh" url)
export S3_ENDPOINT=http://$NODE_IP:$S3_PORT S3_BUCKET=$AETHER_ARTIFACT_BUCKET
unset AETHER_S3_ENDPOINT_URL AETHER_ARTIFACT_BUCKET

must step postgres; must step external-install; must step wait; must step admin-token
must wait_for 30 reach_aetherd
check "aetherd keeps its metadata in PostgreSQL" grep -q "metadata in PostgreSQL" <<<"$(kubectl -n aether logs deploy/aether)"
check "… and its artifacts in the S3 bucket" grep -q "S3 bucket '$S3_BUCKET'" <<<"$(kubectl -n aether logs deploy/aether)"
must step login; must step deploy
wait_for 30 serves sample-node
check "sample-node answers (layers fetched from S3)" serves sample-node

step config
wait_for 30 serves hello
check "the config var reaches the app" serves '"greeting":"hello"'
step ci-token
check "whoami with the CI token: a deploy token for sample-node" \
  grep -Eq "^ci-sample \(tok_[^)]*\) on .*: scope deploy, apps sample-node" <<<"$(out ci-token)"
step rotate
whoami_as() { AETHER_TOKEN=$1 "$BIN/aether" whoami >/dev/null 2>&1; }
check "the old CI secret still works in the grace period" whoami_as "$CI_TOKEN"
step revoke
whoami_as "$NEW_CI_TOKEN"; rc=$?
check "the revoked CI token gets exit 7 (got $rc)" test "$rc" -eq 7
check "the audit shows the revocation" grep -q "DELETE /tokens" <<<"$(out revoke)"

pod_uid() { kubectl -n aether get pods -l app.kubernetes.io/name=aether -o jsonpath='{.items[*].metadata.uid}'; }
before=$(pod_uid)
step policy
wait_for 60 reach_aetherd
check "the settings change replaced aetherd's pod" test "$(pod_uid)" != "$before"
"$BIN/aether" deploy "$WORK/repo/examples/sample-node" >"$WORK/unsigned.out" 2>&1; rc=$?
check "an unsigned deploy is refused with exit 8 (got $rc)" test "$rc" -eq 8
step sign
check "a signed deploy goes through" grep -q "Released" <<<"$(out sign)"

step upgrade
wait_for 60 reach_aetherd
check "the releases survived aetherd's replacement (PostgreSQL)" grep -q "v3" <<<"$(out upgrade)"
check "the config var is still readable (the kept AETHER_CONFIG_KEY)" \
  grep -q "GREETING" <<<"$("$BIN/aether" env list --app sample-node 2>&1)"
check "the app still answers" serves hello

step backup
check "the keys Secret was saved" grep -q AETHER_CONFIG_KEY "$WORK/repo/aether-keys.yaml"
check "the database dump lists the releases table" grep -q deployments <<<"$(pg_restore --list "$WORK/repo/aether.dump" 2>&1)"

# Every runnable block of the guide was run.
for id in $(grep -o '^```bash guide:[a-z0-9-]*' "$DOC" | sed 's/.*guide://'); do
  [[ " ${RAN[*]} " == *" $id "* ]] || fail "guide:$id is in the guide but test/deploy/guide.sh never runs it"
done
echo "guide.sh: $PASSED passed, $FAILED failed"
((FAILED == 0))
