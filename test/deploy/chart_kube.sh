#!/usr/bin/env bash
# The Helm chart on the Kubernetes test bed (test/k8s/kube.sh: a real kube-apiserver, controller
# manager, scheduler and the node agent, which runs the `aetherd` image as the build tree's
# aetherd): the rendered objects (default and full values) pass a server-side dry run; `helm
# install` brings aetherd up, ready and reachable, deploying examples/sample-node (logs and a
# dev-hot swap included) with exactly its RBAC (`kubectl auth can-i` for allowed and denied
# actions of both ServiceAccounts); `helm upgrade` turning dev-hot off takes the rights away and
# aetherd refuses dev-hot deploys, while rbac.allowSecrets moves config vars into a Secret;
# `helm uninstall` removes aetherd and keeps its keys.
# The bed has no Service routing, so app pods reach aetherd at its pod IP
# (apps.agentServer=http://$(POD_IP):7070) and the test reaches both through pod addresses.
# Usage: chart_kube.sh BIN_DIR SOURCE_DIR (with the `kube` fixture running).
set -uo pipefail
BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
source "$SRC/test/e2e/lib.sh"
eval "$(bash "$SRC/test/k8s/kube.sh" env)"
CHART=$SRC/deploy/helm/aether
NS=aether-chart
APPS=aether-chart-apps
WORK=$(mktemp -d /tmp/aether-chart-kube.XXXXXX)
export HELM_CONFIG_HOME=$WORK/helm HELM_CACHE_HOME=$WORK/helm HELM_DATA_HOME=$WORK/helm
export XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache NO_COLOR=1
unset AETHER_SERVER AETHER_TOKEN
K() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
H() { "$HELM" --kubeconfig "$KUBECONFIG" "$@"; }
cleanup() {
  H uninstall aether -n "$NS" >/dev/null 2>&1
  K delete namespace "$NS" "$APPS" aether-dry aether-dry-apps --wait=false >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
wait_for() {  # wait_for SECONDS CMD...
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.3; done
}
aetherd_ip() { K -n "$NS" get pods -l app.kubernetes.io/name=aether --field-selector=status.phase=Running -o jsonpath='{.items[0].status.podIP}' 2>/dev/null; }
app_ip() { K -n "$APPS" get endpoints "$1" -o jsonpath='{.subsets[0].addresses[0].ip}' 2>/dev/null; }
app_get() { local ip; ip=$(app_ip "$1"); [[ -n $ip ]] && curl -sf --max-time 5 "http://$ip:8080$2"; }
can() { K auth can-i "$@" >/dev/null 2>&1; }
cannot() { ! can "$@"; }
absent() { ! K "$@" >/dev/null 2>&1; }
quiet() { "$@" >/dev/null 2>&1; }
serves() { app_get sample-node / | grep -q "$1"; }
SA=system:serviceaccount:$NS:aether
HOT=system:serviceaccount:$APPS:aether-dev-hot

# --- Server-side dry run of everything the chart renders ----------------------------------------
K create namespace aether-dry >/dev/null && K create namespace aether-dry-apps >/dev/null
for values in default full; do
  args=(--namespace aether-dry --set apps.namespace=aether-dry-apps)
  [[ $values == full ]] && args+=(-f "$CHART/ci/full-values.yaml")
  if out=$(H template aether "$CHART" "${args[@]}" | K apply --dry-run=server -f - 2>&1); then
    pass "server-side dry run, $values values ($(grep -c . <<<"$out") objects)"
  else
    fail "server-side dry run, $values values" "$out"
  fi
done
K delete namespace aether-dry aether-dry-apps --wait=false >/dev/null

# --- helm install: aetherd up and ready ------------------------------------------------------------
t0=$SECONDS
if out=$(H install aether "$CHART" -n "$NS" --create-namespace --set apps.namespace="$APPS" \
  --set storage.persistence.enabled=false --set 'apps.agentServer=http://$(POD_IP):7070' \
  --set config.readyTimeoutMs=120000 --wait --timeout 120s 2>&1); then
  pass "helm install --wait: aetherd ready in $((SECONDS - t0)) s"
else
  fail "helm install" "$out"
  K -n "$NS" describe pods | tail -30
  K -n "$NS" logs deploy/aether --tail 30
  echo "chart_kube.sh: $PASSED passed, $FAILED failed"; exit 1
fi
IP=$(aetherd_ip)
check "aetherd answers /healthz on its pod address ($IP)" quiet curl -sf --max-time 5 "http://$IP:7070/healthz"
check "aetherd answers /readyz (its stores answer)" quiet curl -sf --max-time 5 "http://$IP:7070/readyz"
check "aetherd runs as uid 10001 (the pod's runAsUser)" \
  test "$(K -n "$NS" get pod -l app.kubernetes.io/name=aether -o jsonpath='{.items[0].spec.securityContext.runAsUser}')" = 10001
check "aetherd started on the apps namespace with the chart's pull Secret" \
  grep -q "namespace $APPS" <<<"$(K -n "$NS" logs deploy/aether)"

# --- RBAC on the real API server ------------------------------------------------------------------
for a in "create deployments.apps" "patch deployments.apps" "delete deployments.apps" "watch deployments.apps" \
  "list replicasets.apps" "create services" "delete services" "get pods" "watch pods" "patch pods" \
  "get pods/log" "get secrets/aether-pull" "create configmaps" "delete configmaps"; do
  check "$NS:aether may $a in $APPS" can $a -n "$APPS" --as "$SA"
done
for a in "create replicasets.apps" "delete pods" "create pods" "create pods/exec" "get secrets" \
  "list secrets" "get secrets/other" "create secrets" "create ingresses.networking.k8s.io" \
  "create roles.rbac.authorization.k8s.io" "create rolebindings.rbac.authorization.k8s.io" \
  "create serviceaccounts" "list configmaps"; do
  check "$NS:aether may not $a in $APPS" cannot $a -n $APPS --as "$SA"
done
for ns in default kube-system "$NS"; do
  check "$NS:aether may not create deployments in $ns" cannot create deployments.apps -n $ns --as "$SA"
done
for a in "get nodes" "create namespaces" "delete namespaces" "create clusterrolebindings.rbac.authorization.k8s.io"; do
  check "$NS:aether may not $a (cluster)" cannot $a --as "$SA"
done
check "aether-dev-hot may get pods" can get pods -n "$APPS" --as "$HOT"
check "aether-dev-hot may watch pods" can watch pods -n "$APPS" --as "$HOT"
for a in "list pods" "patch pods" "get secrets/aether-pull" "get configmaps" "get deployments.apps"; do
  check "aether-dev-hot may not $a" cannot $a -n $APPS --as "$HOT"
done

# --- Deploy examples/sample-node through the installed aetherd --------------------------------
TOKEN=$(K -n "$NS" get secret aether -o jsonpath='{.data.AETHER_API_TOKEN}' | base64 -d)
check "the chart generated an admin token" test "${#TOKEN}" -ge 40
if out=$(aether login --server "http://$IP:7070" --token "$TOKEN" 2>&1); then pass "aether login with the chart's admin token"; else fail "aether login" "$out"; fi
cp -r "$SRC/examples/sample-node" "$WORK/app"
if out=$(cd "$WORK/app" && aether deploy 2>&1); then pass "aether deploy sample-node"; else fail "aether deploy sample-node" "$out"; fi
echo "$out" | sed -n 's/^/       /p' | tail -4
wait_for 30 serves sample-node
check "sample-node answers on its pod" serves sample-node
check "kubectl shows the app's Deployment in $APPS" quiet K -n "$APPS" get deployment sample-node
check "aether logs reads the app's pod logs (pods/log)" grep -q . <<<"$(aether logs --app sample-node --tail 20)"
echo '{ "version": "hot-1" }' >"$WORK/app/version.json"
if out=$(cd "$WORK/app" && aether deploy --dev-hot 2>&1); then pass "a dev-hot deploy (pods as aether-dev-hot)"; else fail "a dev-hot deploy" "$out"; fi
echo '{ "version": "hot-2" }' >"$WORK/app/version.json"
if out=$(cd "$WORK/app" && aether deploy --dev-hot 2>&1); then pass "a dev-hot swap in place"; else fail "a dev-hot swap" "$out"; fi
wait_for 15 serves hot-2
check "the swapped code answers" serves hot-2

# --- helm upgrade: dev-hot off takes its rights away ---------------------------------------------
if out=$(H upgrade aether "$CHART" -n "$NS" --reuse-values --set features.devHot=false \
  --set rbac.allowSecrets=true --wait --timeout 120s 2>&1); then
  pass "helm upgrade --set features.devHot=false --set rbac.allowSecrets=true"
else
  fail "helm upgrade" "$out"
fi
one_aetherd() { [[ $(K -n "$NS" get pods -l app.kubernetes.io/name=aether -o name | wc -l) == 1 ]]; }
wait_for 60 one_aetherd
IP=$(aetherd_ip)
check "aetherd may no longer patch pods" cannot patch pods -n $APPS --as "$SA"
check "the aether-dev-hot account is gone" absent -n "$APPS" get serviceaccount aether-dev-hot
aether login --server "http://$IP:7070" --token "$TOKEN" >/dev/null 2>&1
out=$(cd "$WORK/app" && aether deploy --dev-hot 2>&1); rc=$?
check "aether deploy --dev-hot is refused (exit $rc)" test "$rc" -ne 0
check "… saying dev-hot is turned off" grep -q "dev-hot deploys are turned off" <<<"$out"
if out=$(cd "$WORK/app" && aether deploy 2>&1); then pass "a rolling deploy still works after the upgrade"; else fail "rolling deploy after upgrade" "$out"; fi
# rbac.allowSecrets: config vars live in a Secret the pods read, not in the Deployment.
check "aetherd may now create Secrets in $APPS" can create secrets -n "$APPS" --as "$SA"
if out=$(aether env set GREETING=from-a-secret --app sample-node 2>&1); then pass "aether env set"; else fail "aether env set" "$out"; fi
wait_for 30 serves from-a-secret
check "the app sees the config var" serves from-a-secret
secret_value() { K -n "$APPS" get secret sample-node-config -o jsonpath='{.data.GREETING}' | base64 -d; }
not_in_deployment() { ! K -n "$APPS" get deployment sample-node -o json | grep -q from-a-secret; }
check "the value is in the Secret sample-node-config" test "$(secret_value)" = from-a-secret
check "… and not in the Deployment" not_in_deployment

# --- helm uninstall -----------------------------------------------------------------------------------
if out=$(H uninstall aether -n "$NS" --wait 2>&1); then pass "helm uninstall"; else fail "helm uninstall" "$out"; fi
check "aetherd's Deployment is gone" absent -n "$NS" get deployment aether
check "its keys Secret is kept (helm.sh/resource-policy: keep)" quiet K -n "$NS" get secret aether-keys

echo "chart_kube.sh: $PASSED passed, $FAILED failed"
((FAILED == 0))
