#!/usr/bin/env bash
# Bootstraps, builds (warnings as errors) and runs every test: unit, contract, integration
# (aetherd in-process) and end-to-end (real binaries, real npm). Prints CTest's summary.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
AETHER_WERROR=ON BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/build.sh"
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 1200 -j2
