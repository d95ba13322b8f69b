#!/usr/bin/env bash
# Writes OVERLAY_DIR/secrets.env (credentials), keys.env and pull-token (aetherd's own keys) with
# fresh random keys and tokens
# (openssl rand), refusing to overwrite existing ones: the config key seals every app's config
# vars, so replacing it loses them. prod also needs DATABASE_URL and the S3 keys: pass them in the
# environment (DATABASE_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
# Usage: make-secrets.sh OVERLAY_DIR
set -euo pipefail
DIR=${1:?usage: make-secrets.sh OVERLAY_DIR}
[[ -d $DIR ]] || { echo "make-secrets.sh: $DIR is not a directory" >&2; exit 1; }
for f in secrets.env keys.env pull-token; do
  [[ ! -e $DIR/$f ]] || { echo "make-secrets.sh: $DIR/$f exists; not replacing it" >&2; exit 1; }
done
umask 077
{
  echo "AETHER_API_TOKEN=ae_$(openssl rand -hex 24)"
  for v in DATABASE_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
    [[ -z ${!v:-} ]] || echo "$v=${!v}"
  done
} >"$DIR/secrets.env"
printf 'AETHER_CONFIG_KEY=%s\nAETHER_URL_SIGNING_KEY=%s\n' "$(openssl rand -hex 32)" \
  "$(openssl rand -hex 32)" >"$DIR/keys.env"
printf '%s' "$(openssl rand -hex 24)" >"$DIR/pull-token"
echo "wrote $DIR/secrets.env, $DIR/keys.env and $DIR/pull-token"
