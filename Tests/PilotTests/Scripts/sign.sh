#!/usr/bin/env bash
# Prints the query that signs METHOD on URI until EXPIRES for staging-server.sh's nginx:
#   sign.sh METHOD URI EXPIRES_EPOCH [SECRET]   ->   md5=<base64url md5>&expires=<EXPIRES_EPOCH>
# e.g. curl "http://127.0.0.1:$port/signed/f.bin?$(sign.sh GET /signed/f.bin $(($(date +%s) + 600)))"
# The signature is the MD5 of "<EXPIRES><URI><METHOD> <SECRET>" in base64url without padding
# (nginx secure_link_md5, STAGING.md section 6). SECRET defaults to staging-server.sh's.
set -euo pipefail
(($# == 3 || $# == 4)) || { echo "usage: $0 METHOD URI EXPIRES_EPOCH [SECRET]" >&2; exit 2; }
method=$1 uri=$2 expires=$3 secret=${4:-pilot-staging-secret}
signature=$(printf '%s' "$expires$uri$method $secret" | openssl md5 -binary | openssl base64 | tr '+/' '-_' | tr -d '=')
printf 'md5=%s&expires=%s\n' "$signature" "$expires"
