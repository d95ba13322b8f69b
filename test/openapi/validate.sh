#!/usr/bin/env bash
# Validates aetherd's OpenAPI document with a real OpenAPI 3.1 validator
# (@seriousme/openapi-schema-validator: the official OAS 3.1 JSON schema, via ajv) plus the
# checks it leaves out (see check.mjs). The pinned tools are cached outside the repository
# (test/lib/npm-tools.sh). Needs npm and the registry on first use: FAILS, never skips, without.
# Usage: validate.sh [OPENAPI_JSON]   (default: src/aether/api/openapi.json)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DOC=$(realpath "${1:-$HERE/../../src/aether/api/openapi.json}")
VALIDATOR=@seriousme/openapi-schema-validator@2.11.0
AJV=ajv@8.20.0
KEY=openapi-schema-validator-2.11.0-ajv-8.20.0

if ! TOOLS=$(bash "$HERE/../lib/npm-tools.sh" "$KEY" "$VALIDATOR" "$AJV"); then
  echo "FAIL - install $VALIDATOR (npm registry reachable?)" >&2
  exit 1
fi
exec node "$HERE/check.mjs" "$TOOLS" "$DOC"
