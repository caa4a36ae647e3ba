#!/usr/bin/env bash
# Debian's PostgreSQL server (the store tests start a throw-away cluster with its initdb/pg_ctl)
# and nginx (the deployment test runs deploy/nginx-xiancheng.conf in front of two app processes).
# Idempotent: installs only what is missing. Needs root or sudo, as on the dev machines.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
id postgres >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
# (The packages may also start their own "main" cluster and an nginx on port 80; the tests use neither.)
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
