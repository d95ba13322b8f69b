#!/usr/bin/env bash
# Generates the reference docs: docs/reference/cli.md from the --help of aether, aetherd and
# aether-agent (every subcommand, found in the help text) and docs/reference/api.md from
# src/aether/api/openapi.json (scripts/gen-reference.py; python3, standard library only).
# Usage: gen-reference.sh BIN_DIR [--check]
#   BIN_DIR  the directory holding the built aether, aetherd and aether-agent (build/apps)
#   --check  write nothing; regenerate into a temp dir and fail, with a diff, when
#            docs/reference differs (ctest docs_reference)
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || ( $# -eq 2 && $2 != --check ) ]]; then
  echo "usage: gen-reference.sh BIN_DIR [--check]" >&2
  exit 2
fi
BIN=$1
SRC=$(cd "$(dirname "$0")/.." && pwd)
DOCS=$SRC/docs/reference
for b in aether aetherd aether-agent; do
  [[ -x $BIN/$b ]] || { echo "gen-reference: $BIN/$b is not an executable (build it first)" >&2; exit 1; }
done

if [[ ${2:-} != --check ]]; then
  python3 "$SRC/scripts/gen-reference.py" "$BIN" "$SRC" "$DOCS"
  echo "wrote $DOCS/cli.md and $DOCS/api.md"
  exit 0
fi

TMP=$(mktemp -d /tmp/aether-gen-reference.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 "$SRC/scripts/gen-reference.py" "$BIN" "$SRC" "$TMP"
stale=0
for f in cli.md api.md; do
  if ! diff -u --label "docs/reference/$f" --label "generated/$f" "$DOCS/$f" "$TMP/$f" \
    >"$TMP/$f.diff" 2>&1; then
    stale=1
  fi
done
if [[ $stale -ne 0 ]]; then
  echo "docs/reference is stale: run scripts/gen-reference.sh build/apps to update" >&2
  cat "$TMP/cli.md.diff" "$TMP/api.md.diff" >&2
  exit 1
fi
echo "docs/reference is up to date"
