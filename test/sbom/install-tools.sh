#!/usr/bin/env bash
# Installs the pinned CycloneDX reference tools (cyclonedx-npm, and cyclonedx-library with the
# ajv validator peers it needs for JSON schema validation) into a cache OUTSIDE the repository,
# keyed by versions, and reuses it when complete. Prints the install directory on stdout.
# Usage: install-tools.sh    (cache root: $AETHER_TOOLS_CACHE, default /var/cache/aether-tools)
set -euo pipefail

LIBRARY=@cyclonedx/cyclonedx-library@10.3.0
GENERATOR=@cyclonedx/cyclonedx-npm@6.0.1
VALIDATOR=(ajv@8.20.0 ajv-formats@3.0.1 ajv-formats-draft2019@1.6.1)
KEY=cyclonedx-library-10.3.0-npm-6.0.1-ajv-8.20.0-formats-3.0.1-draft2019-1.6.1

ROOT=${AETHER_TOOLS_CACHE:-/var/cache/aether-tools}
if ! mkdir -p "$ROOT" 2>/dev/null || [[ ! -w $ROOT ]]; then
  [[ -n ${AETHER_TOOLS_CACHE:-} ]] && { echo "install-tools: $ROOT is not writable" >&2; exit 1; }
  ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/aether-tools
  mkdir -p "$ROOT"
fi
DIR=$ROOT/$KEY
MARKER=$DIR/.complete

if [[ -f $MARKER ]]; then
  echo "$DIR"
  exit 0
fi

command -v npm >/dev/null || { echo "install-tools: npm not found" >&2; exit 1; }
# Install into a scratch directory beside the final one, then rename: a half-finished install
# (network failure, ^C) is never mistaken for a complete one. Optional deps (libxmljs2, for XML
# validation only) and install scripts are skipped: nothing native is built.
STAGE=$(mktemp -d "$ROOT/.stage-$KEY.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
echo '{"name":"aether-sbom-tools","private":true}' >"$STAGE/package.json"
if ! (cd "$STAGE" && npm install --no-audit --no-fund --omit=optional --ignore-scripts --save-exact \
  --loglevel=error \
  "$LIBRARY" "$GENERATOR" "${VALIDATOR[@]}" >&2); then
  echo "install-tools: npm install failed (is the registry reachable?)" >&2
  exit 1
fi
date -u +%FT%TZ >"$STAGE/.complete"
rm -rf "$DIR"
mv "$STAGE" "$DIR"
trap - EXIT
echo "$DIR"
