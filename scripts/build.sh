#!/usr/bin/env bash
# Bootstraps Debian packages (idempotent) and builds everything into build/ (Ninja).
# Env: BUILD_DIR (default build), BUILD_TYPE (default RelWithDebInfo), AETHER_WERROR (ON in CI).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
bash "$ROOT/scripts/bootstrap.sh"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DAETHER_WERROR="${AETHER_WERROR:-OFF}" >/dev/null
ninja -C "$BUILD_DIR" -j"$(nproc)"
