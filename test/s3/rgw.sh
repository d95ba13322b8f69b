#!/usr/bin/env bash
# A throwaway Ceph RADOS Gateway (real S3 SigV4 auth) for tests: one monitor, one memstore OSD (no
# disks: objects live in the OSD's memory) and radosgw with the beast frontend, every daemon on
# 127.0.0.1 only, cephx off, all state (config, mon store, pid files, logs) in one directory.
# It creates the S3 user `aether` with a fixed key pair and one bucket. Runs as root or as any
# user; installs the Ceph packages when they are missing and we are root. Start takes ~3 s
# (`paxos propose interval` is cut to 0.1 s: RGW creates its pools one monitor commit at a time),
# stop ~4 s. The OSD holds every object in memory: a 200 MB upload costs it ~400 MB RSS.
#
# Usage: rgw.sh start|stop|env
#   start  start the cluster and gateway (replacing whatever an earlier run left in the directory)
#   stop   stop every daemon and remove the directory (safe when nothing runs)
#   env    print `export` lines for the tests: eval "$(rgw.sh env)"
#          (AETHER_S3_ENDPOINT_URL, AETHER_ARTIFACT_BUCKET, AWS_ACCESS_KEY_ID,
#          AWS_SECRET_ACCESS_KEY, AWS_REGION)
# Env: AETHER_RGW_DIR (default /tmp/aether-rgw), AETHER_RGW_PORT (S3 port; default: 17480, or the
# next free port when 17480 is taken; an explicit port must be free; the monitor takes the first
# free port from PORT+1000), AETHER_RGW_ACCESS_KEY (default AETHERKEY), AETHER_RGW_SECRET_KEY
# (default AETHERSECRET), AETHER_RGW_BUCKET (default aether-test), AETHER_RGW_MEMSTORE_BYTES
# (OSD capacity, default 2 GiB).
set -euo pipefail

DIR=${AETHER_RGW_DIR:-/tmp/aether-rgw}
ACCESS_KEY=${AETHER_RGW_ACCESS_KEY:-AETHERKEY}
SECRET_KEY=${AETHER_RGW_SECRET_KEY:-AETHERSECRET}
BUCKET=${AETHER_RGW_BUCKET:-aether-test}
MEMSTORE_BYTES=${AETHER_RGW_MEMSTORE_BYTES:-2147483648}
REGION=us-east-1
PACKAGES=(radosgw ceph-mon ceph-osd)
[[ $DIR == /* && $DIR != / ]] || { echo "rgw.sh: AETHER_RGW_DIR must be an absolute path" >&2; exit 1; }
# The daemons' admin sockets live under $DIR/run: unix socket paths are limited to 107 bytes.
((${#DIR} <= 64)) || { echo "rgw.sh: AETHER_RGW_DIR is too long (max 64 characters)" >&2; exit 1; }

die() {
  echo "rgw.sh: $*" >&2
  exit 1
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

have_binaries() {
  local b
  for b in radosgw radosgw-admin ceph-mon ceph-osd ceph monmaptool ceph-authtool curl; do
    command -v "$b" >/dev/null || return 1
  done
}

ensure_binaries() {
  have_binaries && return 0
  [[ $(id -u) -eq 0 ]] ||
    die "Ceph is not installed; as root run: apt-get install -y --no-install-recommends ${PACKAGES[*]} curl"
  echo "rgw.sh: installing ${PACKAGES[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" curl >&2; then
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" curl >&2 ||
      die "apt-get install ${PACKAGES[*]} failed"
  fi
  have_binaries || die "Ceph binaries still missing after apt-get install"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# First free port in [FROM, FROM+100).
free_port_from() {
  local port
  for ((port = $1; port < $1 + 100; port++)); do
    port_in_use "$port" || { echo "$port"; return; }
  done
  die "no free port in $1-$(($1 + 99))"
}

pick_port() {
  if [[ -n ${AETHER_RGW_PORT:-} ]]; then
    [[ $AETHER_RGW_PORT =~ ^[0-9]+$ ]] || die "AETHER_RGW_PORT is not a number: $AETHER_RGW_PORT"
    port_in_use "$AETHER_RGW_PORT" && die "port $AETHER_RGW_PORT on 127.0.0.1 is in use"
    echo "$AETHER_RGW_PORT"
    return
  fi
  free_port_from 17480
}

# The pid of daemon NAME (client.rgw.gw, osd.0, mon.a) from its pid file, when the process still
# runs with our config on its command line (a stale pid file must never make us kill an unrelated
# process).
daemon_pid() {
  local f=$DIR/run/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f") || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$DIR/ceph.conf" || return 1
  echo "$pid"
}

# stop_pids SECONDS PID...: SIGTERM, wait up to SECONDS, then SIGKILL.
stop_pids() {
  local seconds=$1 pid i alive
  shift
  (($# > 0)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  for ((i = 0; i < seconds * 20 + 40; i++)); do
    if ((i == seconds * 20)); then
      echo "rgw.sh: pid(s) $* still running after $seconds s, sending SIGKILL" >&2
      kill -KILL "$@" 2>/dev/null || true
    fi
    alive=0
    for pid in "$@"; do
      if kill -0 "$pid" 2>/dev/null; then alive=1; fi
    done
    ((alive)) || return 0
    sleep 0.05
  done
}

# The gateway and the OSD first, the monitor last: an OSD whose monitor is gone waits
# (osd_mon_shutdown_timeout) before it exits.
stop_daemons() {
  [[ -d $DIR/run ]] || return 0
  local clients=() mons=() f name pid
  for f in "$DIR"/run/*.pid; do
    [[ -f $f ]] || continue
    name=${f##*/}
    name=${name%.pid}
    pid=$(daemon_pid "$name") || continue
    if [[ $name == mon.* ]]; then mons+=("$pid"); else clients+=("$pid"); fi
  done
  stop_pids 8 "${clients[@]}"
  stop_pids 2 "${mons[@]}"
}

# Fails the start: shows the end of LOG and stops what was started.
fail() {
  local msg=$1 log=${2:-}
  if [[ -n $log && -f $log ]]; then
    echo "rgw.sh: --- last lines of $log ---" >&2
    tail -n 30 "$log" >&2 || true
  fi
  stop_daemons || true
  die "$msg (state kept in $DIR)"
}

# wait_for SECONDS DAEMON LOG DESCRIPTION COMMAND...: polls COMMAND every 0.2 s; fails at once
# when DAEMON (client.rgw.gw, osd.0) exits.
wait_for() {
  local seconds=$1 daemon=$2 log=$3 what=$4 i
  shift 4
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    daemon_pid "$daemon" >/dev/null || fail "$what: $daemon exited" "$log"
    sleep 0.2
  done
  fail "$what: not ready within $seconds s" "$log"
}

C=()

# Ceph clients with auth off can send their first monitor command before they have the monmap;
# the monitor then refuses it ("wrong fsid", EPERM). Hence retries for every client command, and
# the OSD sends none at start (its crush entry is added here).
retry() {
  local i
  for ((i = 1; ; i++)); do
    "$@" && return 0
    ((i < 5)) || return 1
    sleep 0.3
  done
}

osd_up() { ceph "${C[@]}" --connect-timeout 5 osd stat -f json | grep -q '"num_up_osds":1'; }
rgw_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }

# One attempt; runs in a subshell, so `die` ends only the attempt.
start_once() {
  local mon_port fsid osd_uuid osd_id code
  mon_port=$(free_port_from $((port + 1000)))
  rm -rf "$DIR"
  mkdir -p "$DIR"/{mon,osd/ceph-0,run,log}
  chmod 700 "$DIR"
  C=(-c "$DIR/ceph.conf")
  fsid=$(</proc/sys/kernel/random/uuid)
  cat >"$DIR/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
paxos propose interval = 0.1
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd crush update on start = false
osd class update on start = false
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
keyring = $DIR/keyring
[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$port tcp_nodelay=1
rgw enable lc threads = false
rgw enable gc threads = false
rgw enable quota threads = false
# SSE-KMS with static test keys (Ceph's "testing" KMS backend), over plain HTTP: lets the tests
# exercise x-amz-server-side-encryption: aws:kms with key id testkey-1 for real.
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=YmluCmJvb3N0CmJvb3N0LWJ1aWxkCmNlcGguY29uZgo= testkey-2=aWIKTWFrZWZpbGUKbWFuCm91dApzcmMKVGVzdGluZwo=
rgw crypt require ssl = false
EOF
  {
    ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *'
    ceph-authtool "$DIR/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
      --cap mgr 'allow *'
    monmaptool --create --addv a "v1:127.0.0.1:$mon_port" --fsid "$fsid" "$DIR/monmap"
  } >"$DIR/log/setup.log" 2>&1 || fail "creating the keyring/monmap failed" "$DIR/log/setup.log"

  ceph-mon "${C[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
    >>"$DIR/log/setup.log" 2>&1 || fail "ceph-mon --mkfs failed" "$DIR/log/setup.log"
  ceph-mon "${C[@]}" -i a >>"$DIR/log/setup.log" 2>&1 ||
    fail "ceph-mon did not start" "$DIR/log/mon.a.log"

  osd_uuid=$(</proc/sys/kernel/random/uuid)
  osd_id=$(retry ceph "${C[@]}" --connect-timeout 30 osd new "$osd_uuid" 2>>"$DIR/log/setup.log") ||
    fail "the monitor did not answer (ceph osd new)" "$DIR/log/mon.a.log"
  ceph-osd "${C[@]}" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >>"$DIR/log/setup.log" 2>&1 ||
    fail "ceph-osd --mkfs failed" "$DIR/log/setup.log"
  retry ceph "${C[@]}" --connect-timeout 30 osd crush add "osd.$osd_id" 1.0 root=default \
    >>"$DIR/log/setup.log" 2>&1 || fail "ceph osd crush add failed" "$DIR/log/setup.log"
  ceph-osd "${C[@]}" -i "$osd_id" >>"$DIR/log/setup.log" 2>&1 ||
    fail "ceph-osd did not start" "$DIR/log/osd.$osd_id.log"
  wait_for 20 "osd.$osd_id" "$DIR/log/osd.$osd_id.log" "the OSD" osd_up

  radosgw "${C[@]}" -n client.rgw.gw >>"$DIR/log/setup.log" 2>&1 ||
    fail "radosgw did not start" "$DIR/log/client.rgw.gw.log"
  wait_for 40 client.rgw.gw "$DIR/log/client.rgw.gw.log" "radosgw on 127.0.0.1:$port" rgw_answers "$port"

  retry radosgw-admin "${C[@]}" user create --uid=aether --display-name=aether \
    --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >>"$DIR/log/setup.log" 2>&1 ||
    fail "radosgw-admin user create failed" "$DIR/log/setup.log"
  code=$(curl -s -o "$DIR/log/create-bucket.xml" -w '%{http_code}' --max-time 30 \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X PUT "http://127.0.0.1:$port/$BUCKET") || true
  [[ $code == 200 ]] ||
    fail "creating bucket $BUCKET returned HTTP $code" "$DIR/log/create-bucket.xml"

  printf 'export %s=%q\n' AETHER_S3_ENDPOINT_URL "http://127.0.0.1:$port" \
    AETHER_ARTIFACT_BUCKET "$BUCKET" AWS_ACCESS_KEY_ID "$ACCESS_KEY" \
    AWS_SECRET_ACCESS_KEY "$SECRET_KEY" AWS_REGION "$REGION" >"$DIR/env"
  echo "rgw.sh: Ceph RGW on http://127.0.0.1:$port (bucket $BUCKET, mon 127.0.0.1:$mon_port," \
    "$DIR) ready in $(($(now_ms) - begin)) ms" >&2
}

# A fresh cluster seldom fails to come up (once in ~20 starts we saw the OSD's first command to
# the monitor refused); one retry makes the fixture dependable.
start() {
  local rc port
  begin=$(now_ms)
  ensure_binaries
  stop_daemons || true
  port=$(pick_port)
  # Not `if ! (start_once)`: errexit is off inside a condition, even in a subshell.
  set +e
  (set -e; start_once)
  rc=$?
  if ((rc != 0)); then
    echo "rgw.sh: start failed, retrying once (logs of the failed attempt: $DIR/failed-attempt)" >&2
    local saved
    saved=$(mktemp -d)
    mv "$DIR/log" "$saved/" 2>/dev/null || true
    (set -e; start_once)
    rc=$?
    mv "$saved/log" "$DIR/failed-attempt" 2>/dev/null || true
    rm -rf "$saved"
  fi
  set -e
  ((rc == 0)) || die "could not start the gateway (see above)"
}

case "${1:-}" in
  start) start ;;
  stop)
    begin=$(now_ms)
    stop_daemons
    rm -rf "$DIR"
    echo "rgw.sh: stopped in $(($(now_ms) - begin)) ms" >&2
    ;;
  env)
    [[ -f $DIR/env ]] || die "no gateway in $DIR (run: rgw.sh start)"
    cat "$DIR/env"
    ;;
  *) die "usage: rgw.sh start|stop|env" ;;
esac
