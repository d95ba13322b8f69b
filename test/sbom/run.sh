#!/usr/bin/env bash
# SBOM conformance: our CycloneDX SBOM for examples/express-app is valid against the official
# CycloneDX 1.5 JSON schema (as shipped by @cyclonedx/cyclonedx-library) and lists the same
# components and dependency edges as @cyclonedx/cyclonedx-npm does for the installed project.
# Usage: run.sh BIN_DIR SOURCE_DIR (BIN_DIR holds sbom_dump). Needs npm and the registry: when
# they are unreachable the run FAILS, it never skips. Prints "N passed, M failed".
set -uo pipefail

BIN=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
HERE=$SRC/test/sbom
WORK=$(mktemp -d /tmp/aether-sbom.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "ok   - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; [[ $# -gt 1 ]] && sed 's/^/       /' <<<"$2"; }
# run NAME CMD...: passes when CMD exits 0; its output is shown either way.
run() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; [[ -n $out ]] && sed 's/^/       /' <<<"$out"
  else fail "$name" "$out"; fi
}
finish() { echo "$PASSED passed, $FAILED failed"; [[ $FAILED -eq 0 ]]; exit; }
validate() { node "$HERE/validate.js" "$@"; }

# --- tools and project --------------------------------------------------------------------
if TOOLS=$(bash "$HERE/install-tools.sh" 2>"$WORK/install.log"); then
  pass "CycloneDX tools installed in $TOOLS"
else
  fail "install CycloneDX tools (npm registry reachable?)" "$(cat "$WORK/install.log")"
  finish
fi
export CDX_TOOLS_DIR=$TOOLS

APP=$WORK/express-app
cp -r "$SRC/examples/express-app" "$APP"
rm -rf "$APP/node_modules"
run "npm ci --omit=dev in a copy of examples/express-app" \
  bash -c 'cd "$1" && npm ci --omit=dev --no-audit --no-fund --loglevel=error' _ "$APP"
[[ -d $APP/node_modules ]] || finish

# --- both SBOMs ---------------------------------------------------------------------------
run "cyclonedx-npm --omit dev --spec-version 1.5" \
  bash -c 'cd "$1" && "$2/node_modules/.bin/cyclonedx-npm" --omit dev --spec-version 1.5 \
    --output-format JSON --output-reproducible --output-file "$3" package.json' \
  _ "$APP" "$TOOLS" "$WORK/theirs.json"
if "$BIN/sbom_dump" "$APP" >"$WORK/ours.json" 2>"$WORK/dump.err"; then
  pass "sbom_dump writes our SBOM ($(wc -c <"$WORK/ours.json") bytes)"
else
  fail "sbom_dump writes our SBOM" "$(cat "$WORK/dump.err")"
  finish
fi

# --- schema validation, and proof that the validator rejects what it should ----------------
run "our SBOM is valid CycloneDX 1.5 (official JSON schema, strict)" validate "$WORK/ours.json"
run "cyclonedx-npm's SBOM is valid too (validator sanity)" validate "$WORK/theirs.json"
# broken NAME JS: a copy of ours edited by JS (on `bom`) must be rejected as invalid (exit 1).
broken() {
  local name=$1 file=$WORK/broken-$1.json code
  node -e 'const fs = require("fs"); const bom = JSON.parse(fs.readFileSync(process.argv[1]));
    eval(process.argv[3]); fs.writeFileSync(process.argv[2], JSON.stringify(bom));' \
    "$WORK/ours.json" "$file" "$2"
  validate "$file" >"$WORK/broken.out" 2>&1
  code=$?
  if [[ $code -eq 1 ]]; then pass "a copy with $name is rejected"
  else fail "a copy with $name is rejected (validate.js exit $code)" "$(head -20 "$WORK/broken.out")"; fi
}
broken "no specVersion" 'delete bom.specVersion'
broken "an unknown hash algorithm" 'bom.components[0].hashes[0].alg = "SHA-999"'
broken "a malformed serialNumber" 'bom.serialNumber = "not-a-uuid"'
broken "a dangling dependency ref" 'bom.dependencies[1].dependsOn.push("pkg:npm/nope@0")'

# --- same components and graph as cyclonedx-npm --------------------------------------------
run "same component set as cyclonedx-npm (by purl)" \
  validate --compare "$WORK/ours.json" "$WORK/theirs.json"
run "same dependency edges as cyclonedx-npm (by purl)" \
  validate --compare-graph "$WORK/ours.json" "$WORK/theirs.json"

finish
