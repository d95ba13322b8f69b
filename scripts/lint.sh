#!/usr/bin/env bash
# Style gate: clang-format (no diff allowed) over every C++ file, and clang-tidy (.clang-tidy,
# warnings are errors) over every non-test translation unit. Needs a configured BUILD_DIR
# (compile_commands.json). Usage: lint.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
cd "$ROOT"
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.cc' 'src/*.h' 'apps/*.cc' \
  'apps/*.h' 'test/*.cc' 'test/*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
mapfile -t units < <(printf '%s\n' "${files[@]}" | grep '\.cc$' | grep -v '_test\.cc$')
printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$BUILD_DIR" --quiet \
  2> >(grep -v 'warnings generated' >&2)
echo "clang-tidy: ${#units[@]} translation units clean"
