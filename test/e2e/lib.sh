# Shared by the end-to-end scripts (sourced): result counting and small helpers.
# Expects BIN (the binaries' directory); counts in PASSED and FAILED.
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; [[ $# -gt 1 ]] && echo "       $2"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
aether() { "$BIN/aether" "$@"; }
# Stops aetherd (pid $1, may be empty) and the apps it leaves running (it re-attaches to them
# on start) under data dir $2.
stop_aetherd() {
  [[ -n $1 ]] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
  pkill -TERM -f "$2" 2>/dev/null; sleep 0.5; pkill -KILL -f "$2" 2>/dev/null
}
