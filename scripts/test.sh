#!/usr/bin/env bash
# Bootstraps, builds (warnings as errors) and runs every test: unit, contract, integration
# (aetherd in-process) and end-to-end (real binaries, real npm), then the fuzz targets for 30 s
# each. Prints CTest's summary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
AETHER_WERROR=ON BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/build.sh"
# The Kubernetes test bed's binaries (a cold build takes ~6 minutes) and kubectl/helm, cached
# outside the repository, so the `kube` fixture starts in seconds.
bash "$ROOT/test/k8s/build-kube.sh" >/dev/null
bash "$ROOT/test/k8s/tools.sh" >/dev/null
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 -j2
# Fuzzing: every libFuzzer target (test/fuzz) for 30 s on its seed corpus; a crash fails CI.
echo "==================== fuzz: scripts/fuzz.sh 30 (libFuzzer, ASan+UBSan) ===================="
bash "$ROOT/scripts/fuzz.sh" 30
