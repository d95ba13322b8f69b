#!/usr/bin/env bash
# Builds the Kubernetes control plane for the test bed (kube-apiserver, kube-controller-manager,
# kube-scheduler v1.20.2) from Debian's `kubernetes` source package, offline: the package vendors
# every Go dependency. One vendored package is replaced: github.com/modern-go/reflect2 v1.0.1 by
# v1.0.2 (Debian's golang-github-modern-go-reflect2 source). Built with Go >= 1.18 (bookworm has
# 1.19), v1.0.1 makes the apiserver panic on every JSON request body with a map field (labels,
# data...) and crash encoding maps to JSON. Once per machine: the binaries are cached outside the
# repository under
# $AETHER_KUBE_CACHE/kube-<version>/bin (default /var/cache/aether-test), and a second run only
# prints that directory. Cold build about 6 minutes on 2 cores. Prints the bin dir on stdout.
set -euo pipefail

VERSION=v1.20.2
DSC_VERSION=1.20.5+really1.20.2-1.1+deb12u1
REFLECT2_VERSION=1.0.2-2
# -r2: reflect2 v1.0.2 (a kube-v1.20.2 cache from before holds the broken build).
CACHE=${AETHER_KUBE_CACHE:-/var/cache/aether-test}/kube-$VERSION-r2
BIN=$CACHE/bin
TOOLS=(kube-apiserver kube-controller-manager kube-scheduler)

have_all() { for t in "${TOOLS[@]}"; do [[ -x $BIN/$t ]] || return 1; done; }
if have_all; then echo "$BIN"; exit 0; fi

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
need=()
for p in golang-go etcd-server rsync jq dpkg-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  echo "build-kube: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
    { $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; }
fi

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/aether-kube-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# A private apt configuration with a deb-src line, so the machine's sources stay untouched.
echo "deb-src http://deb.debian.org/debian bookworm main" >src.list
echo "deb-src http://deb.debian.org/debian-security bookworm-security main" >>src.list
mkdir -p lists/partial cache/archives/partial
APTO=(-o Dir::Etc::SourceList="$WORK/src.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$WORK/lists" -o Dir::Cache="$WORK/cache")
echo "build-kube: downloading the kubernetes source package" >&2
apt-get "${APTO[@]}" update -qq >&2
apt-get "${APTO[@]}" source --download-only "kubernetes=$DSC_VERSION" \
  "golang-github-modern-go-reflect2=$REFLECT2_VERSION" >&2
dpkg-source -x --no-check kubernetes_"$DSC_VERSION".dsc src >&2
# reflect2 v1.0.2 over the vendored v1.0.1 (same API; fixes map handling for Go >= 1.18).
R2=src/vendor/github.com/modern-go/reflect2
R2TOP=golang-github-modern-go-reflect2-${REFLECT2_VERSION%-*}
find "$R2" -maxdepth 1 -type f -delete
tar -xzf golang-github-modern-go-reflect2_"${REFLECT2_VERSION%-*}".orig.tar.gz -C "$R2" --strip-components=1 \
  --wildcards --no-wildcards-match-slash "$R2TOP/*.go" "$R2TOP/*.s" "$R2TOP/LICENSE" >&2
find "$R2" -maxdepth 1 -name '*_test.go' -delete
[[ -f $R2/go_above_118.go ]] || { echo "build-kube: replacing reflect2 failed" >&2; exit 1; }
cd src
mkdir -p .go/src/k8s.io && ln -s ../../.. .go/src/k8s.io/kubernetes
echo "build-kube: building ${TOOLS[*]} (about 6 minutes cold)" >&2
start=$(date +%s)
GOPATH=$PWD/.go CGO_ENABLED=0 GOPROXY=off GOFLAGS=-mod=vendor KUBE_GIT_VERSION=$VERSION \
  KUBE_GIT_TREE_STATE=clean make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler" >&2
mkdir -p "$CACHE.tmp/bin"
for t in "${TOOLS[@]}"; do cp "_output/bin/$t" "$CACHE.tmp/bin/"; done
rm -rf "$CACHE" && mv "$CACHE.tmp" "$CACHE"
echo "build-kube: built in $(($(date +%s) - start)) s into $BIN" >&2
echo "$BIN"
