#!/usr/bin/env bash
# aether's presigned S3 URLs vs the official AWS SDK for JavaScript v3 presigner: the same cases
# (PUT/GET/UploadPart, path-style and virtual-host, session token, signed x-amz-meta-sha256 /
# x-amz-content-sha256 / SSE headers, keys that need encoding) must give the same URL: same
# origin and path, same query parameters, same X-Amz-SignedHeaders and X-Amz-Signature. The SDK
# (pinned) is installed once into the npm tools cache (test/lib/npm-tools.sh).
#
# Usage: presign-compare.sh TOOL_DIR SOURCE_DIR
#   TOOL_DIR holds s3_presign_tool. With AETHER_PRESIGN_LIVE=1 and a real S3 in the environment
#   (eval "$(test/s3/rgw.sh env)"), both URLs of a few fresh cases are also used against it.
set -euo pipefail

(($# == 2)) || { echo "usage: presign-compare.sh TOOL_DIR SOURCE_DIR" >&2; exit 2; }
TOOL=$1/s3_presign_tool
HERE=$2/test/s3
[[ -x $TOOL ]] || { echo "presign-compare: $TOOL not built" >&2; exit 1; }
command -v node >/dev/null || { echo "presign-compare: node not found" >&2; exit 1; }

SDK_VERSION=3.700.0
SIGV4_VERSION=4.2.4  # @smithy/signature-v4 as resolved under that SDK (its presigner's signer)
SDK_DIR=$(bash "$2/test/lib/npm-tools.sh" "aws-sdk-s3-presign-$SDK_VERSION" \
  "@aws-sdk/client-s3@$SDK_VERSION" "@aws-sdk/s3-request-presigner@$SDK_VERSION" \
  "@smithy/signature-v4@$SIGV4_VERSION")

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

node "$HERE/presign-compare.mjs" cases >"$WORK/cases.json"
"$TOOL" <"$WORK/cases.json" >"$WORK/ours.json"
rc=0
node "$HERE/presign-compare.mjs" compare "$SDK_DIR" "$WORK/cases.json" "$WORK/ours.json" || rc=$?

if [[ ${AETHER_PRESIGN_LIVE:-} == 1 ]]; then
  : "${AETHER_S3_ENDPOINT_URL:?AETHER_PRESIGN_LIVE=1 needs the S3 environment (rgw.sh env)}"
  echo
  echo "live against $AETHER_S3_ENDPOINT_URL (bucket $AETHER_ARTIFACT_BUCKET):"
  node "$HERE/presign-compare.mjs" live-cases "$AETHER_S3_ENDPOINT_URL" "$AETHER_ARTIFACT_BUCKET" \
    "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$WORK/live.json"
  "$TOOL" <"$WORK/live.json" >"$WORK/live-ours.json"
  node "$HERE/presign-compare.mjs" live "$SDK_DIR" "$WORK/live.json" "$WORK/live-ours.json" || rc=1
fi
exit "$rc"
