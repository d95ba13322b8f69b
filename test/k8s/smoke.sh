#!/usr/bin/env bash
# Smoke test of the Kubernetes test bed (the `kube` CTest fixture, test/k8s/kube.sh) with the
# real kubectl from tools.sh: the node is Ready, RBAC answers, server-side validation rejects bad
# Deployments, and a 2-replica Deployment of `python3 -m http.server` rolls out on the node agent,
# its pods answer on their own IPs and `kubectl logs` shows their access log.
# Usage: smoke.sh   (AETHER_KUBE_DIR and the other AETHER_KUBE_* as given to kube.sh; when no
# test bed runs there, run `kube.sh start` first). Prints "N passed, M failed".
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/lib.sh
source "$HERE/../e2e/lib.sh"
ENV=$(bash "$HERE/kube.sh" env) || { echo "FAIL - no test bed (kube.sh env failed)"; exit 1; }
eval "$ENV"
WORK=$(mktemp -d /tmp/aether-kube-smoke.XXXXXX)
export KUBECACHEDIR=$WORK/kube-cache
NS=aether-smoke-$$
cleanup() {
  "$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
k() { "$KUBECTL" "$@"; }

# --- the node and RBAC
nodes=$(k get nodes --no-headers 2>&1)
check "kubectl get nodes: $AETHER_KUBE_NODE_NAME is Ready ($nodes)" \
  grep -Eq "^$AETHER_KUBE_NODE_NAME +Ready " <<<"$nodes"
check "the admin token may create deployments (auth can-i)" \
  test "$(k auth can-i create deployments.apps 2>&1)" = yes
check "the client certificate user (O=system:masters) may delete pods (auth can-i)" \
  test "$(k --kubeconfig "$AETHER_KUBE_DIR/kubeconfig-cert" auth can-i delete pods 2>&1)" = yes
check "a ServiceAccount without bindings may not list pods (auth can-i --as)" \
  test "$(k auth can-i list pods --as=system:serviceaccount:default:nobody 2>&1)" = no
k create namespace "$NS" >/dev/null || fail "kubectl create namespace $NS"
k -n "$NS" create serviceaccount viewer >/dev/null &&
  k -n "$NS" create rolebinding viewer --clusterrole=view --serviceaccount="$NS:viewer" >/dev/null ||
  fail "creating ServiceAccount $NS/viewer bound to ClusterRole view"
check "a ServiceAccount bound to the aggregated ClusterRole view may list pods, not create them" \
  test "$(k auth can-i list pods -n "$NS" --as="system:serviceaccount:$NS:viewer" 2>&1)/$(
    k auth can-i create pods -n "$NS" --as="system:serviceaccount:$NS:viewer" 2>&1)" = yes/no

# --- server-side validation (dry run: nothing is stored)
# deployment NAME PORT: a Deployment manifest running http.server on 8080.
deployment() {
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $1
  namespace: $NS
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: aether-nodejs:20-slim
        command: ["python3", "-m", "http.server", "8080"]
        ports:
        - containerPort: $2
EOF
}
out=$(deployment Web_App 8080 | k apply --dry-run=server -f - 2>&1)
check "dry run rejects the name Web_App ($out)" grep -q 'Invalid value: "Web_App"' <<<"$out"
out=$(deployment web 70000 | k apply --dry-run=server -f - 2>&1)
check "dry run rejects containerPort 70000 ($out)" \
  grep -q 'containerPort: Invalid value: 70000: must be between 1 and 65535' <<<"$out"
out=$(deployment web 8080 | k apply --dry-run=server -f - 2>&1)
check "dry run accepts the valid Deployment ($out)" grep -q 'created (server dry run)' <<<"$out"
check "the dry runs stored nothing" test -z "$(k -n "$NS" get deployments -o name 2>&1)"

# --- a real rollout on the node agent
deployment web 8080 | k apply -f - >/dev/null || fail "kubectl apply web"
out=$(k -n "$NS" rollout status deployment/web --timeout=60s 2>&1)
check "the 2-replica Deployment becomes available ($out)" grep -q 'successfully rolled out' <<<"$out"
mapfile -t pods < <(k -n "$NS" get pods -l app=web \
  -o jsonpath='{range .items[*]}{.metadata.name} {.status.podIP}{"\n"}{end}' 2>/dev/null)
ips=()
for p in "${pods[@]}"; do [[ -n ${p#* } && $p == *" "* ]] && ips+=("${p#* }"); done
check "2 pods with distinct IPs (${pods[*]})" \
  test "${#ips[@]}" = 2 -a "${ips[0]:-x}" != "${ips[1]:-x}"
for p in "${pods[@]}"; do
  name=${p%% *} ip=${p#* }
  [[ -n $ip && $ip != "$name" ]] || continue
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$ip:8080/")
  check "pod $name answers on $ip:8080 (HTTP $code)" test "$code" = 200
  logs=""
  for _ in $(seq 1 20); do
    logs=$(k -n "$NS" logs "$name" 2>&1)
    grep -q '"GET / HTTP/1.1" 200' <<<"$logs" && break
    sleep 0.25
  done
  if grep -q '"GET / HTTP/1.1" 200' <<<"$logs"; then
    pass "kubectl logs $name shows the access log line"
  else
    fail "kubectl logs $name shows the access log line" "$(tail -n 3 <<<"$logs")"
  fi
done

# --- in-cluster access: a pod with the viewer ServiceAccount's token lists pods through
# KUBERNETES_SERVICE_HOST/PORT and verifies the apiserver with the mounted ca.crt.
cat <<EOF | k apply -f - >/dev/null || fail "kubectl apply pod incluster"
apiVersion: v1
kind: Pod
metadata: {name: incluster, namespace: $NS}
spec:
  serviceAccountName: viewer
  restartPolicy: Never
  containers:
  - name: c
    image: aether-nodejs:20-slim
    command:
    - sh
    - -c
    - >-
      D=/var/run/secrets/kubernetes.io/serviceaccount;
      for r in pods secrets; do curl -s -o /dev/null -w "\$r %{http_code}\n" --cacert \$D/ca.crt
      -H "Authorization: Bearer \$(cat \$D/token)"
      https://\$KUBERNETES_SERVICE_HOST:\$KUBERNETES_SERVICE_PORT/api/v1/namespaces/\$(cat \$D/namespace)/\$r; done
EOF
phase=""
for _ in $(seq 1 60); do
  phase=$(k -n "$NS" get pod incluster -o jsonpath='{.status.phase}' 2>/dev/null)
  [[ $phase == Succeeded || $phase == Failed ]] && break
  sleep 0.5
done
logs=$(k -n "$NS" logs incluster 2>&1)
check "a pod reaches the apiserver with its ServiceAccount token: pods 200, secrets 403 ($phase: ${logs//$'\n'/, })" \
  test "$phase/$logs" = "Succeeded/pods 200"$'\n'"secrets 403"

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
