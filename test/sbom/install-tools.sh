#!/usr/bin/env bash
# Installs the pinned CycloneDX reference tools (cyclonedx-npm, and cyclonedx-library with the
# ajv validator peers it needs for JSON schema validation) into a cache OUTSIDE the repository,
# keyed by versions, and reuses it when complete (see test/lib/npm-tools.sh). Prints the install
# directory on stdout.
# Usage: install-tools.sh    (cache root: $AETHER_TOOLS_CACHE, default /var/cache/aether-tools)
set -euo pipefail

LIBRARY=@cyclonedx/cyclonedx-library@10.3.0
GENERATOR=@cyclonedx/cyclonedx-npm@6.0.1
VALIDATOR=(ajv@8.20.0 ajv-formats@3.0.1 ajv-formats-draft2019@1.6.1)
KEY=cyclonedx-library-10.3.0-npm-6.0.1-ajv-8.20.0-formats-3.0.1-draft2019-1.6.1

exec bash "$(dirname "$0")/../lib/npm-tools.sh" "$KEY" "$LIBRARY" "$GENERATOR" "${VALIDATOR[@]}"
