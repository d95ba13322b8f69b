#!/usr/bin/env bash
# A throwaway, REAL Kubernetes control plane for tests: etcd 3.4 (Debian etcd-server) plus
# kube-apiserver, kube-controller-manager and kube-scheduler v1.20.2 (built from Debian's source
# package by build-kube.sh, cached outside the repository), and, when test/k8s/nodeagent.py is
# there, that kubelet stand-in as the one node `aether-node` (pods run as local processes, each in
# its own network namespace on the bridge below; the images aether-nodejs, busybox and aetherd are
# the host's binaries on AETHER_KUBE_NODE_PATH). Root only (bridge, network namespaces).
#
# Networking: a Linux bridge (default aether0) holds the node IP (default 10.244.0.1/24); pods get
# 10.244.0.2..254 on it. The apiserver listens on https://NODE_IP:PORT only, so both the host and
# the pods (default route via NODE_IP) reach it. There is no kube-proxy: Service IPs (10.96.0.0/16,
# `kubernetes` = 10.96.0.1) do not route; the node agent gives containers KUBERNETES_SERVICE_HOST/
# PORT = NODE_IP/PORT (the `kubernetes` Endpoints), so in-cluster clients work. The serving
# certificate covers NODE_IP, 10.96.0.1, 127.0.0.1, localhost and
# kubernetes[.default[.svc[.cluster.local]]], signed by the CA in certs/ca.crt (never skip
# verification: clients pin that CA). Auth: a static admin token (group system:masters), client
# certificates from certs/client-ca.crt, ServiceAccount tokens; authorization Node,RBAC.
# Controllers: deployment, replicaset, namespace, garbagecollector, serviceaccount(-token) (legacy
# token secrets, ca.crt = certs/ca.crt), endpoint, clusterrole-aggregation (fills view/edit/admin);
# none for nodes (no taints, no evictions): the admission plugin TaintNodesByCondition is off.
#
# Usage: kube.sh start|stop|env
#   start  start everything (replacing whatever an earlier run left); waits until /readyz answers,
#          the ServiceAccount default/default has its token secret and (with the node agent) the
#          node is Ready
#   stop   stop every process (by pid file), delete the bridge, remove the directory (safe when
#          nothing runs)
#   env    print `export` lines for the tests: eval "$(kube.sh env)" (KUBECONFIG, AETHER_KUBE_DIR,
#          AETHER_KUBE_TOKEN, AETHER_KUBE_SERVER, AETHER_KUBE_CA, AETHER_KUBE_NODE_NAME, KUBECTL,
#          HELM; kubectl and helm come from tools.sh)
# Files in the directory: kubeconfig (admin token), kubeconfig-cert (client certificate CN
# aether-cert-user, O system:masters), token, certs/ca.crt (the CA that signs the serving cert),
# log/*.log, run/*.pid, node/ (the node agent's state).
# Env: AETHER_KUBE_DIR (default /tmp/aether-kube; absolute, at most 64 characters),
# AETHER_KUBE_PORT (apiserver, default 16443), AETHER_KUBE_ETCD_PORT (default 12379, peer port +1),
# AETHER_KUBE_BRIDGE (default aether0), AETHER_KUBE_NODE_IP (default 10.244.0.1; the bridge is its
# /24), AETHER_KUBE_NODE_PATH (PATH prefix for the node agent: where it finds aether-agent and
# node; default empty), AETHER_KUBE_APISERVER_FLAGS / AETHER_KUBE_KCM_FLAGS /
# AETHER_KUBE_SCHEDULER_FLAGS (extra flags, word-split, appended: a later flag wins, e.g.
# AETHER_KUBE_APISERVER_FLAGS="--watch-cache=false"), AETHER_KUBE_NODEAGENT=0 (do not start the
# node agent), AETHER_KUBE_BIN (directory with kube-apiserver, kube-controller-manager and
# kube-scheduler; default: build-kube.sh's cache), AETHER_KUBE_CACHE (cache root, see build-kube.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${AETHER_KUBE_DIR:-/tmp/aether-kube}
PORT=${AETHER_KUBE_PORT:-16443}
ETCD_PORT=${AETHER_KUBE_ETCD_PORT:-12379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
BRIDGE=${AETHER_KUBE_BRIDGE:-aether0}
NODE_IP=${AETHER_KUBE_NODE_IP:-10.244.0.1}
NODE_NAME=aether-node
NODE_PATH=${AETHER_KUBE_NODE_PATH:-}
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
[[ $DIR == /* && $DIR != / ]] || { echo "kube.sh: AETHER_KUBE_DIR must be an absolute path" >&2; exit 1; }
((${#DIR} <= 64)) || { echo "kube.sh: AETHER_KUBE_DIR is too long (max 64 characters)" >&2; exit 1; }
DIR=${DIR%/}
SERVER=https://$NODE_IP:$PORT

die() {
  echo "kube.sh: $*" >&2
  exit 1
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

ensure_etcd() {
  command -v etcd >/dev/null && return 0
  [[ $(id -u) -eq 0 ]] || die "etcd is not installed; as root run: apt-get install -y etcd-server"
  echo "kube.sh: installing etcd-server (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends etcd-server >&2; then
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends etcd-server >&2 || die "apt-get install etcd-server failed"
  fi
  command -v etcd >/dev/null || die "etcd still missing after apt-get install etcd-server"
}

ensure_tools() {
  local t
  for t in openssl curl ip base64 setsid; do
    command -v "$t" >/dev/null || die "$t not found"
  done
}

port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# The pid of daemon NAME from its pid file, when that process still runs with our directory on its
# command line (a stale pid file must never make us kill an unrelated process).
daemon_pid() {
  local f=$DIR/run/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f") || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$DIR/" || return 1
  echo "$pid"
}

# PID exists and is no zombie (our daemons are reparented to PID 1, which may reap them late).
running_pid() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# stop_pids SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL.
stop_pids() {
  local seconds=$1 pid i alive
  shift
  (($# > 0)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < seconds * 20 + 40; i++)); do
    if ((i == seconds * 20)); then
      echo "kube.sh: pid(s) $* still running after $seconds s, sending SIGKILL" >&2
      kill -KILL "$@" 2>/dev/null || true
    fi
    alive=0
    for pid in "$@"; do
      if running_pid "$pid"; then alive=1; fi
    done
    ((alive)) || return 0
    sleep 0.05
  done
}

# What a node agent that had to be killed (or crashed) left behind, as it records it in its state
# dir: pods/<pgid> files holding the process's start time (field 22 of /proc/PID/stat, so a reused
# pid is never hit) and net/<uid>.json with the pod's netns and veth.
reap_node_leftovers() {
  local f pid want stat netns veth
  for f in "$DIR"/node/pids/*; do
    [[ -f $f ]] || continue
    pid=${f##*/}
    want=$(<"$f") || continue
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    read -ra stat <<<"$stat"
    if [[ $pid =~ ^[0-9]+$ && ${stat[19]:-} == "$want" ]]; then
      echo "kube.sh: killing process group $pid left by the node agent" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  done
  for f in "$DIR"/node/net/*.json; do
    [[ -f $f ]] || continue
    netns=$(sed -n 's/.*"netns": *"\([^"]*\)".*/\1/p' "$f")
    veth=$(sed -n 's/.*"veth": *"\([^"]*\)".*/\1/p' "$f")
    echo "kube.sh: removing netns ${netns:-?} / veth ${veth:-?} left by the node agent" >&2
    [[ -z $veth ]] || ip link delete "$veth" 2>/dev/null || true
    [[ -z $netns ]] || ip netns delete "$netns" 2>/dev/null || true
  done
}

stop_daemons() {
  [[ -d $DIR/run ]] || return 0
  local pid clients=()
  # The node agent alone first, with time to end its pods and tear down their namespaces.
  if pid=$(daemon_pid nodeagent); then stop_pids 15 "$pid"; fi
  reap_node_leftovers
  for name in kube-scheduler kube-controller-manager; do
    if pid=$(daemon_pid "$name"); then clients+=("$pid"); fi
  done
  stop_pids 10 "${clients[@]}"
  if pid=$(daemon_pid kube-apiserver); then stop_pids 10 "$pid"; fi
  if pid=$(daemon_pid etcd); then stop_pids 10 "$pid"; fi
}

# The bridge carries `aether-kube DIR` as its alias: only the test bed that made it deletes it.
bridge_owner() { cat "/sys/class/net/$BRIDGE/ifalias" 2>/dev/null; }

delete_bridge() {
  [[ -e /sys/class/net/$BRIDGE ]] || return 0
  [[ $(bridge_owner) == "aether-kube $DIR" ]] || return 0
  ip link delete "$BRIDGE" type bridge || echo "kube.sh: could not delete bridge $BRIDGE" >&2
}

create_bridge() {
  local owner other
  if [[ -e /sys/class/net/$BRIDGE ]]; then
    owner=$(bridge_owner)
    [[ $owner == "aether-kube "/* ]] ||
      die "network interface $BRIDGE exists and is not ours (set AETHER_KUBE_BRIDGE)"
    other=${owner#aether-kube }
    if [[ $other != "$DIR" ]] && AETHER_KUBE_DIR=$other bash "$0" running 2>/dev/null; then
      die "bridge $BRIDGE belongs to the running test bed in $other (AETHER_KUBE_DIR=$other $0 stop)"
    fi
    ip link delete "$BRIDGE" type bridge || die "could not delete the stale bridge $BRIDGE"
  fi
  ip link add "$BRIDGE" type bridge || die "could not create bridge $BRIDGE (root needed)"
  ip link set "$BRIDGE" alias "aether-kube $DIR"
  ip addr add "$NODE_IP/24" dev "$BRIDGE" || die "could not add $NODE_IP/24 to $BRIDGE"
  ip link set "$BRIDGE" up
}

# Fails the start: shows the end of LOG and stops what was started.
fail() {
  local msg=$1 log=${2:-}
  if [[ -n $log && -f $log ]]; then
    echo "kube.sh: --- last lines of $log ---" >&2
    tail -n 30 "$log" >&2 || true
  fi
  stop_daemons || true
  delete_bridge || true
  die "$msg (logs kept in $DIR/log)"
}

# launch NAME COMMAND...: runs COMMAND in its own session, output to log/NAME.log, pid to
# run/NAME.pid. (A background child is no process group leader, so setsid execs in place and $!
# is the daemon's pid.)
launch() {
  local name=$1
  shift
  setsid "$@" </dev/null >"$DIR/log/$name.log" 2>&1 &
  echo $! >"$DIR/run/$name.pid"
}

# (Not curl's User-Agent: the apiserver pretty-prints JSON for curl, these greps want it compact.)
api() { curl -sf -A kube.sh --max-time 2 --cacert "$DIR/certs/ca.crt" -H "Authorization: Bearer $TOKEN" "$SERVER$1"; }
readyz() { api /readyz >/dev/null; }
default_sa_ready() { api /api/v1/namespaces/default/serviceaccounts/default | grep -q '"secrets"'; }
# The aggregated ClusterRoles (view, edit, admin) are empty until the controller fills them.
view_role_ready() { api /apis/rbac.authorization.k8s.io/v1/clusterroles/view | grep -q '"rules":\[{'; }
node_ready() { api "/api/v1/nodes/$NODE_NAME" | grep -q '"type":"Ready","status":"True"'; }

# A JSON object with a map both ways: a kube-apiserver 1.20 built with Go >= 1.18 against the
# reflect2 v1.0.1 it vendors panics on exactly this (build-kube.sh swaps in v1.0.2).
json_selftest() {
  local out=$DIR/log/selftest.json
  curl -s -A kube.sh --max-time 10 --cacert "$DIR/certs/ca.crt" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -o "$out" \
    -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"aether-kube-selftest","labels":{"app":"aether"}},"data":{"k":"v"}}' \
    "$SERVER/api/v1/namespaces/kube-system/configmaps" &&
    api /api/v1/namespaces/kube-system/configmaps/aether-kube-selftest >"$out" &&
    grep -q '"app":"aether"' "$out" && rm -f "$out" && return 0
  grep -m 3 -E 'Observed a panic|^fatal error|^unexpected fault' "$DIR/log/kube-apiserver.log" >&2 || true
  fail "the apiserver cannot decode/encode JSON maps (built with Go >= 1.18 and reflect2 v1.0.1?
rebuild with build-kube.sh; these binaries: $bin)"
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s; fails at once when one of
# the started daemons exits.
wait_for() {
  local seconds=$1 what=$2 i name
  shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    for name in "${STARTED[@]}"; do
      daemon_pid "$name" >/dev/null || fail "$what: $name exited" "$DIR/log/$name.log"
    done
    sleep 0.1
  done
  fail "$what: not ready within $seconds s" "$DIR/log/${STARTED[-1]}.log"
}

# TLS keys are ECDSA P-256 (instant to generate; every client here speaks it), the ServiceAccount
# signing key is RSA 2048 (RS256 tokens, what every JWT library expects).
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

make_ca() {
  ec_key "$DIR/certs/$1.key" &&
    openssl req -x509 -new -key "$DIR/certs/$1.key" -days 365 -sha256 -subj "/CN=$2" \
      -out "$DIR/certs/$1.crt" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -addext "subjectKeyIdentifier=hash" 2>/dev/null
}

# make_cert NAME CA SUBJECT EXTENSIONS: key + certificate signed by certs/CA.
make_cert() {
  local c=$DIR/certs
  printf '%s\n' "$4" >"$c/$1.ext"
  ec_key "$c/$1.key" &&
    openssl req -new -key "$c/$1.key" -subj "$3" -out "$c/$1.csr" 2>/dev/null &&
    openssl x509 -req -in "$c/$1.csr" -CA "$c/$2.crt" -CAkey "$c/$2.key" -CAcreateserial \
      -CAserial "$c/$2.srl" -days 365 -sha256 -extfile "$c/$1.ext" -out "$c/$1.crt" 2>/dev/null &&
    rm -f "$c/$1.csr" "$c/$1.ext"
}

make_certs() {
  local c=$DIR/certs sa leaf="basicConstraints=critical,CA:FALSE
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
keyUsage=critical,digitalSignature"
  mkdir -p "$c"
  chmod 700 "$c"
  # The RSA key takes longest: made meanwhile.
  { openssl genrsa -out "$c/sa.key" 2048 && openssl rsa -in "$c/sa.key" -pubout -out "$c/sa.pub"; } \
    >/dev/null 2>&1 &
  sa=$!
  {
    make_ca ca aether-kube-ca &&
      make_ca client-ca aether-kube-client-ca &&
      make_cert apiserver ca /CN=kube-apiserver "$leaf
extendedKeyUsage=serverAuth
subjectAltName=IP:$NODE_IP,IP:$SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" &&
      # The apiserver's client certificate towards the kubelet (the node agent may check it
      # against client-ca.crt).
      make_cert apiserver-kubelet-client client-ca "/O=system:masters/CN=kube-apiserver-kubelet-client" "$leaf
extendedKeyUsage=clientAuth" &&
      make_cert admin-cert client-ca "/O=system:masters/CN=aether-cert-user" "$leaf
extendedKeyUsage=clientAuth"
  } || die "creating the certificates failed (openssl)"
  wait "$sa" || die "creating the ServiceAccount key failed (openssl)"
  rm -f "$c"/*.srl
}

# write_kubeconfig FILE USER-LINES...
write_kubeconfig() {
  local file=$1
  shift
  {
    cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: aether
  cluster:
    server: $SERVER
    certificate-authority-data: $(base64 -w0 "$DIR/certs/ca.crt")
users:
- name: aether
  user:
EOF
    printf '    %s\n' "$@"
    cat <<EOF
contexts:
- name: aether
  context:
    cluster: aether
    user: aether
    namespace: default
current-context: aether
EOF
  } >"$file"
  chmod 600 "$file"
}

start() {
  local begin t0 bin
  begin=$(now_ms)
  [[ $(id -u) -eq 0 ]] || die "must run as root (bridge and network namespaces)"
  [[ $PORT =~ ^[0-9]+$ && $ETCD_PORT =~ ^[0-9]+$ ]] || die "AETHER_KUBE_PORT/AETHER_KUBE_ETCD_PORT must be numbers"
  ensure_tools
  ensure_etcd
  if [[ -n ${AETHER_KUBE_BIN:-} ]]; then
    bin=$AETHER_KUBE_BIN
  else
    bin=$(bash "$HERE/build-kube.sh") || die "build-kube.sh failed"
  fi
  for t in kube-apiserver kube-controller-manager kube-scheduler; do
    [[ -x $bin/$t ]] || die "$bin/$t missing (build-kube.sh)"
  done
  stop_daemons || true
  delete_bridge || true
  rm -rf "$DIR"
  port_in_use 127.0.0.1 "$ETCD_PORT" && die "etcd port 127.0.0.1:$ETCD_PORT is in use (set AETHER_KUBE_ETCD_PORT)"
  port_in_use 127.0.0.1 "$ETCD_PEER_PORT" && die "etcd peer port 127.0.0.1:$ETCD_PEER_PORT is in use"
  mkdir -p "$DIR"/{etcd,log,run,node}
  chmod 700 "$DIR"
  t0=$(now_ms)
  make_certs
  TOKEN=$(openssl rand -hex 24)
  printf '%s\n' "$TOKEN" >"$DIR/token"
  printf '%s,admin,admin,system:masters\n' "$TOKEN" >"$DIR/tokens.csv"
  write_kubeconfig "$DIR/kubeconfig" "token: $TOKEN"
  write_kubeconfig "$DIR/kubeconfig-cert" \
    "client-certificate-data: $(base64 -w0 "$DIR/certs/admin-cert.crt")" \
    "client-key-data: $(base64 -w0 "$DIR/certs/admin-cert.key")"
  echo "kube.sh: certificates in $(($(now_ms) - t0)) ms" >&2
  create_bridge

  STARTED=()
  launch etcd etcd --name aether --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "aether=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
  STARTED+=(etcd)

  # shellcheck disable=SC2086 # the extra flags are word-split on purpose
  launch kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port="$PORT" \
    --cert-dir="$DIR/certs" \
    --tls-cert-file="$DIR/certs/apiserver.crt" --tls-private-key-file="$DIR/certs/apiserver.key" \
    --client-ca-file="$DIR/certs/client-ca.crt" \
    --token-auth-file="$DIR/tokens.csv" \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$DIR/certs/sa.pub" \
    --service-account-signing-key-file="$DIR/certs/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --kubelet-preferred-address-types=InternalIP \
    --kubelet-client-certificate="$DIR/certs/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$DIR/certs/apiserver-kubelet-client.key" \
    --enable-admission-plugins=NodeRestriction \
    --disable-admission-plugins=TaintNodesByCondition \
    --allow-privileged=true --profiling=false \
    ${AETHER_KUBE_APISERVER_FLAGS:-}
  STARTED+=(kube-apiserver)
  wait_for 60 "kube-apiserver on $SERVER" readyz
  json_selftest
  echo "kube.sh: apiserver ready after $(($(now_ms) - begin)) ms" >&2

  # shellcheck disable=SC2086
  launch kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$DIR/kubeconfig" --leader-elect=false --port=0 --secure-port=0 \
    --controllers=deployment,replicaset,namespace,garbagecollector,serviceaccount,serviceaccount-token,endpoint,clusterrole-aggregation \
    --use-service-account-credentials=false \
    --service-account-private-key-file="$DIR/certs/sa.key" --root-ca-file="$DIR/certs/ca.crt" \
    --kube-api-qps=100 --kube-api-burst=200 \
    ${AETHER_KUBE_KCM_FLAGS:-}
  STARTED+=(kube-controller-manager)
  # shellcheck disable=SC2086
  launch kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$DIR/kubeconfig" --leader-elect=false --port=0 --secure-port=0 \
    --kube-api-qps=100 --kube-api-burst=200 \
    ${AETHER_KUBE_SCHEDULER_FLAGS:-}
  STARTED+=(kube-scheduler)

  local agent=no
  if [[ -f $HERE/nodeagent.py && ${AETHER_KUBE_NODEAGENT:-1} != 0 ]]; then
    agent=yes
    launch nodeagent python3 "$HERE/nodeagent.py" --kubeconfig "$DIR/kubeconfig" \
      --node-name "$NODE_NAME" --node-ip "$NODE_IP" --bridge "$BRIDGE" --state-dir "$DIR/node" \
      --path "$NODE_PATH" --images aether-nodejs,busybox,aetherd
    STARTED+=(nodeagent)
  fi

  wait_for 60 "the token secret of ServiceAccount default/default" default_sa_ready
  wait_for 30 "the aggregated ClusterRole view" view_role_ready
  [[ $agent == no ]] || wait_for 60 "node $NODE_NAME Ready" node_ready

  printf 'export %s=%q\n' KUBECONFIG "$DIR/kubeconfig" AETHER_KUBE_DIR "$DIR" \
    AETHER_KUBE_TOKEN "$TOKEN" AETHER_KUBE_SERVER "$SERVER" AETHER_KUBE_CA "$DIR/certs/ca.crt" \
    AETHER_KUBE_NODE_NAME "$NODE_NAME" >"$DIR/env"
  echo "kube.sh: Kubernetes v1.20.2 on $SERVER (node agent: $agent, $DIR) ready in" \
    "$(($(now_ms) - begin)) ms" >&2
}

running() { daemon_pid kube-apiserver >/dev/null; }

case "${1:-}" in
  start) start ;;
  stop)
    begin=$(now_ms)
    stop_daemons
    delete_bridge
    rm -rf "$DIR"
    echo "kube.sh: stopped in $(($(now_ms) - begin)) ms" >&2
    ;;
  env)
    [[ -f $DIR/env ]] || die "no test bed in $DIR (run: kube.sh start)"
    tools=$(bash "$HERE/tools.sh" env) || die "tools.sh failed (kubectl/helm)"
    cat "$DIR/env"
    printf '%s\n' "$tools"
    ;;
  # Internal: exit 0 when the apiserver of the test bed in AETHER_KUBE_DIR runs.
  running) running ;;
  *) die "usage: kube.sh start|stop|env" ;;
esac
