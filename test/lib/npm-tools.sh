#!/usr/bin/env bash
# Installs pinned npm packages into a cache OUTSIDE the repository, one directory per KEY (name
# the versions in it), and reuses that directory once complete. Prints the install directory on
# stdout; progress and errors go to stderr. Shared by the test suites that need npm tools.
# Usage: npm-tools.sh KEY PACKAGE@VERSION...
#   (cache root: $AETHER_TOOLS_CACHE, default /var/cache/aether-tools, else ~/.cache/aether-tools)
set -euo pipefail

(($# >= 2)) || { echo "usage: npm-tools.sh KEY PACKAGE@VERSION..." >&2; exit 2; }
KEY=$1
shift

ROOT=${AETHER_TOOLS_CACHE:-/var/cache/aether-tools}
if ! mkdir -p "$ROOT" 2>/dev/null || [[ ! -w $ROOT ]]; then
  [[ -n ${AETHER_TOOLS_CACHE:-} ]] && { echo "npm-tools: $ROOT is not writable" >&2; exit 1; }
  ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/aether-tools
  mkdir -p "$ROOT"
fi
DIR=$ROOT/$KEY
MARKER=$DIR/.complete

if [[ -f $MARKER ]]; then
  echo "$DIR"
  exit 0
fi

command -v npm >/dev/null || { echo "npm-tools: npm not found" >&2; exit 1; }
# Install into a scratch directory beside the final one, then rename: a half-finished install
# (network failure, ^C) is never mistaken for a complete one. Optional deps and install scripts
# are skipped: nothing native is built.
STAGE=$(mktemp -d "$ROOT/.stage-$KEY.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
echo '{"name":"aether-test-tools","private":true}' >"$STAGE/package.json"
if ! (cd "$STAGE" && npm install --no-audit --no-fund --omit=optional --ignore-scripts --save-exact \
  --loglevel=error "$@" >&2); then
  echo "npm-tools: npm install of $* failed (is the registry reachable?)" >&2
  exit 1
fi
date -u +%FT%TZ >"$STAGE/.complete"
rm -rf "$DIR"
mv "$STAGE" "$DIR"
trap - EXIT
echo "$DIR"
