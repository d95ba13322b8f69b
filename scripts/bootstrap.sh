#!/usr/bin/env bash
# Installs every Debian package AetherEngine needs to build and test, idempotently.
# Runs `apt-get update` once (only when something is missing), then one install.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  clang-format clang-tidy clang libclang-rt-dev
  libboost1.81-dev nlohmann-json3-dev libsqlite3-dev libcurl4-openssl-dev
  libarchive-dev libzstd-dev libssl-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev prometheus-cpp-dev
  libpq-dev postgresql-15 libtinyxml2-dev
  radosgw ceph-mon ceph-osd
  python3
  bubblewrap  # the local runtime's app sandbox (bwrap; aetherd --sandbox)
  jq          # docs/operator-guide.md's token rotation step (test/deploy/guide.sh)
  faketime    # the troubleshooting playbook test moves aetherd's clock (S3 clock skew)
  python3-yaml  # the chart tests read rendered manifests
)
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
