#!/usr/bin/env bash
# The operators' kit without a cluster: the real helm lints and renders deploy/helm/aether with
# the default and the full values (ci/full-values.yaml), the rendered RBAC is exactly the
# least-privilege list (rbac_rules.py) in every feature combination, bad values fail with their
# message, and the Kustomize base is the chart's current rendering while `kubectl kustomize`
# renders both overlays with their storage choice; the image workflow's structure (workflow.py).
# Usage: chart.sh SOURCE_DIR. kubectl and helm come from test/k8s/tools.sh (cached).
set -euo pipefail
SRC=$(cd "$1" && pwd)
CHART=$SRC/deploy/helm/aether
eval "$(bash "$SRC/test/k8s/tools.sh" env)"
WORK=$(mktemp -d /tmp/aether-chart.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export HELM_CONFIG_HOME=$WORK/helm HELM_CACHE_HOME=$WORK/helm HELM_DATA_HOME=$WORK/helm
PASS=0
ok() { PASS=$((PASS + 1)); echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
render() { "$HELM" template aether "$CHART" --namespace aether "$@"; }
# kinds FILE: "Kind/name" per object, sorted.
kinds() { python3 -c 'import sys,yaml; [print(d["kind"]+"/"+d["metadata"]["name"]) for d in yaml.safe_load_all(open(sys.argv[1])) if d]' "$1" | sort; }
# field FILE KIND EXPR: a Python expression over the first object `o` of KIND.
field() {
  python3 -c 'import sys,yaml
o=[d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"]==sys.argv[2]][0]
print(eval(sys.argv[3]))' "$@"
}

"$HELM" lint --strict "$CHART" >"$WORK/lint.out" || { cat "$WORK/lint.out" >&2; fail "helm lint (defaults)"; }
"$HELM" lint --strict "$CHART" -f "$CHART/ci/full-values.yaml" >"$WORK/lint.out" ||
  { cat "$WORK/lint.out" >&2; fail "helm lint (full values)"; }
ok "helm lint --strict, default and full values"

render >"$WORK/default.yaml"
render -f "$CHART/ci/full-values.yaml" >"$WORK/full.yaml"
want_default="ConfigMap/aether
Deployment/aether
Namespace/aether-apps
PersistentVolumeClaim/aether
Role/aether
Role/aether-dev-hot
RoleBinding/aether
RoleBinding/aether-dev-hot
Secret/aether
Secret/aether-keys
Secret/aether-pull
Service/aether
ServiceAccount/aether
ServiceAccount/aether-dev-hot"
[[ $(kinds "$WORK/default.yaml") == "$want_default" ]] || fail "default objects: $(kinds "$WORK/default.yaml" | tr '\n' ' ')"
ok "default values render exactly the expected 14 objects"
for k in "Ingress/aether" "Secret/aether-tls"; do
  kinds "$WORK/full.yaml" | grep -qx "$k" || fail "full values lack $k"
done
kinds "$WORK/full.yaml" | grep -q -e PersistentVolumeClaim -e aether-dev-hot && fail "full values still have a PVC or dev-hot objects"
ok "full values add the TLS Ingress and drop the PVC and the dev-hot account"

# The Deployment: probes on the real health paths and port, non-root, read-only root, grace.
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"]') == /healthz ]] || fail "liveness path"
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"]') == /readyz ]] || fail "readiness path"
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]') == 7070 ]] || fail "port"
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"]') == True ]] || fail "readOnlyRootFilesystem"
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]') == True ]] || fail "runAsNonRoot"
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]') == 15 ]] || fail "grace"
[[ $(field "$WORK/default.yaml" Deployment 'o["spec"]["strategy"]["type"]') == Recreate ]] || fail "embedded mode must Recreate"
[[ $(field "$WORK/full.yaml" Deployment 'o["spec"]["replicas"]') == 2 ]] || fail "full replicas"
[[ $(field "$WORK/full.yaml" ConfigMap 'o["data"]["AETHER_BLOB_STORE"]+" "+o["data"]["AETHER_S3_SSE"]+" "+o["data"]["AETHER_DEV_HOT"]+" "+o["data"]["AETHER_REQUIRE_SIGNATURE"]') == "s3 AES256 off true" ]] || fail "full ConfigMap"
python3 - "$WORK/full.yaml" <<'PY' || fail "full values: credentials must be in the Secret, never in the ConfigMap"
import sys, yaml, base64
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm = [d for d in docs if d["kind"] == "ConfigMap"][0]["data"]
sec = [d for d in docs if d["kind"] == "Secret" and d["metadata"]["name"] == "aether"][0]["data"]
assert not any("secret" in v.lower() or "postgresql://" in v for v in cm.values()), cm
assert base64.b64decode(sec["DATABASE_URL"]).decode().startswith("postgresql://")
assert set(sec) >= {"AETHER_API_TOKEN", "AETHER_API_TOKENS", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
PY
ok "Deployment: /healthz and /readyz on 7070, non-root, read-only root, 15 s grace; secrets only in Secrets"

python3 "$SRC/test/deploy/rbac_rules.py" --apps-ns aether-apps --dev-hot on --ingress off <"$WORK/default.yaml" || fail "RBAC (defaults)"
python3 "$SRC/test/deploy/rbac_rules.py" --apps-ns aether-apps --dev-hot off --ingress on <"$WORK/full.yaml" || fail "RBAC (full)"
render --set features.devHot=false --set apps.namespace=team-apps |
  python3 "$SRC/test/deploy/rbac_rules.py" --apps-ns team-apps --dev-hot off --ingress off || fail "RBAC (no dev-hot)"
render --set apps.ingressDomain=apps.example.com |
  python3 "$SRC/test/deploy/rbac_rules.py" --apps-ns aether-apps --dev-hot on --ingress on || fail "RBAC (ingress)"
render --set rbac.allowSecrets=true |
  python3 "$SRC/test/deploy/rbac_rules.py" --apps-ns aether-apps --dev-hot on --ingress off --secrets on || fail "RBAC (allowSecrets)"
[[ $(render --set rbac.allowSecrets=true | field /dev/stdin ConfigMap 'o["data"]["AETHER_KUBE_CONFIG_SECRETS"]') == on ]] || fail "allowSecrets turns config Secrets on"
[[ $(field "$WORK/default.yaml" ConfigMap 'o["data"]["AETHER_KUBE_CONFIG_SECRETS"]') == off ]] || fail "config Secrets are off by default"
# The checker itself must catch a widened Role.
render | sed 's/resources: \["pods\/log"\]/resources: ["pods\/log", "pods\/exec"]/' |
  python3 "$SRC/test/deploy/rbac_rules.py" --apps-ns aether-apps --dev-hot on --ingress off 2>/dev/null &&
  fail "rbac_rules.py accepted pods/exec"
ok "RBAC is exactly the least-privilege list in 5 feature combinations (and a widened Role is caught)"

expect_fail() {  # expect_fail MESSAGE HELM-ARGS...
  local msg=$1; shift
  if render "$@" >/dev/null 2>"$WORK/err"; then fail "helm template $* should fail"; fi
  grep -qF "$msg" "$WORK/err" || fail "helm template $*: $(cat "$WORK/err")"
}
expect_fail "replicaCount must be 1" --set replicaCount=2
expect_fail "needs storage.database.url" --set storage.mode=external --set storage.s3.bucket=b
expect_fail "needs storage.s3.bucket" --set storage.mode=external --set storage.database.url=postgresql://x
expect_fail "storage.mode must be embedded or external" --set storage.mode=sqlite
expect_fail "needs ingress.tls.secretName or ingress.tls.selfSigned" --set ingress.enabled=true --set ingress.tls.enabled=true
ok "impossible values fail with their message (5 cases)"

bash "$SRC/deploy/kustomize/render-base.sh" --check || fail "the Kustomize base is stale"
cp -r "$SRC/deploy/kustomize" "$WORK/kustomize"
for o in dev prod; do
  DATABASE_URL=postgresql://a:b@db/aether AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s \
    bash "$WORK/kustomize/make-secrets.sh" "$WORK/kustomize/overlays/$o" >/dev/null
  "$KUBECTL" kustomize "$WORK/kustomize/overlays/$o" >"$WORK/$o.yaml" || fail "kubectl kustomize overlays/$o"
done
bash "$WORK/kustomize/make-secrets.sh" "$WORK/kustomize/overlays/dev" 2>/dev/null && fail "make-secrets.sh replaced existing keys"
[[ $(field "$WORK/dev.yaml" Deployment 'o["spec"]["replicas"], o["spec"]["strategy"]["type"], o["spec"]["template"]["spec"]["volumes"][0].get("persistentVolumeClaim", {}).get("claimName")') == "(1, 'Recreate', 'aether')" ]] || fail "dev overlay Deployment"
kinds "$WORK/dev.yaml" | grep -qx PersistentVolumeClaim/aether || fail "dev overlay has no data volume"
[[ $(field "$WORK/prod.yaml" Deployment 'o["spec"]["replicas"], o["spec"]["strategy"]["type"], "emptyDir" in o["spec"]["template"]["spec"]["volumes"][0], "persistentVolumeClaim" in o["spec"]["template"]["spec"]["volumes"][0]') == "(2, 'RollingUpdate', True, False)" ]] || fail "prod overlay Deployment"
kinds "$WORK/prod.yaml" | grep -q PersistentVolumeClaim && fail "prod overlay kept the PVC"
[[ $(field "$WORK/prod.yaml" Ingress 'o["spec"]["tls"][0]["secretName"]') == aether-tls ]] || fail "prod overlay Ingress TLS"
[[ $(field "$WORK/prod.yaml" ConfigMap 'o["data"]["AETHER_BLOB_STORE"], o["data"]["AETHER_S3_SSE"]') == "('s3', 'AES256')" ]] || fail "prod overlay storage"
python3 - "$WORK/prod.yaml" <<'PY' || fail "prod overlay: secret references or the pull token do not line up"
import sys, yaml, base64
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
dep = [d for d in docs if d["kind"] == "Deployment"][0]
refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in dep["spec"]["template"]["spec"]["containers"][0]["env"] if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]}
assert refs <= set(secrets), (refs, set(secrets))
keys = [s for n, s in secrets.items() if n.startswith("aether-keys-")][0]
assert keys["data"]["AETHER_PULL_TOKEN"] == secrets["aether-pull"]["data"]["token"]
assert secrets["aether-pull"]["metadata"]["namespace"] == "aether-apps"
assert len(base64.b64decode(keys["data"]["AETHER_CONFIG_KEY"]).strip()) == 64
PY
ok "kustomize: base matches the chart; dev (1 replica, SQLite volume) and prod (2 replicas, S3, TLS Ingress) render"
python3 "$SRC/test/deploy/workflow.py" "$SRC" || fail ".github/workflows/images.yml / image.yml"
ok "image workflow: triggers, Trivy before push, SBOM and provenance, cosign behind its switch"
echo "chart.sh: all $PASS checks passed"
