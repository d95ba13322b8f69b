#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz, clang with ASan+UBSan) into build-fuzz/ and runs each
# for N seconds (default 30) on a scratch copy of its seed corpus (test/fuzz/corpus/<target>),
# so the committed corpus is never modified. Exits non-zero on any crash, leak or UB and prints
# the crashing input's path. Usage: scripts/fuzz.sh [seconds-per-target]
# Env: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_TARGETS (default: all four), FUZZ_JOBS (default: nproc).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_TARGET=${1:-30}
BUILD_DIR=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
TARGETS=${FUZZ_TARGETS:-"json_decoders_fuzz manifest_fuzz unpack_fuzz sigv4_fuzz"}

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
start=$(date +%s)
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DAETHER_FUZZ=ON \
  -DAETHER_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
# shellcheck disable=SC2086
ninja -C "$BUILD_DIR" -j"${FUZZ_JOBS:-$(nproc)}" $TARGETS
echo "fuzz: built in $(($(date +%s) - start)) s"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/aether-fuzz-XXXXXX")
failed=()
for target in $TARGETS; do
  corpus="$scratch/$target/corpus"
  artifacts="$scratch/$target/artifacts/"
  mkdir -p "$corpus" "$artifacts"
  cp -r "$ROOT/test/fuzz/corpus/$target/." "$corpus/"
  echo "fuzz: $target for ${SECONDS_PER_TARGET} s ($(find "$corpus" -type f | wc -l) seeds)"
  if "$BUILD_DIR/test/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" >"$scratch/$target/log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$scratch/$target/log" | tr '\n' ' ' || true
    echo
  else
    tail -n 60 "$scratch/$target/log"
    for input in "$artifacts"*; do
      [[ -e "$input" ]] && echo "fuzz: $target FAILED, crashing input: $input"
    done
    failed+=("$target")
  fi
done
echo "fuzz: done in $(($(date +%s) - start)) s"
if ((${#failed[@]} > 0)); then
  echo "fuzz: FAILED: ${failed[*]} (inputs and logs kept in $scratch)"
  exit 1
fi
rm -rf "$scratch"
