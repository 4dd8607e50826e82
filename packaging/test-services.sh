#!/usr/bin/env bash
# Installs and starts the services the test suite talks to, as a team would run them:
# PostgreSQL (the shared decision ledger; the Debian package, its cluster started with
# pg_ctlcluster) and Prometheus (the Debian package; the tests start their own server on a
# free loopback port with throw-away storage). As root it installs what is missing; as
# another user it says what to install. The tests create their own database and user.
set -euo pipefail

PACKAGES=(postgresql prometheus)

if [ "${GATEWRIGHT_SKIP_SYSTEM_DEPS:-0}" = "1" ] || ! command -v dpkg-query >/dev/null 2>&1; then
  exit 0
fi
missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done
root=0
[ "$(id -u)" = "0" ] && root=1
if [ ${#missing[@]} -gt 0 ]; then
  if [ $root = 1 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing test services: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "note: the ledger and telemetry tests need ${missing[*]}:" \
      "sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 0
  fi
fi

# Start every PostgreSQL cluster that is down (the package creates one; containers have no
# init system to start it).
if [ $root = 1 ] && command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters --no-header | while read -r version cluster _port status _rest; do
    if [ "$status" = "down" ]; then
      pg_ctlcluster "$version" "$cluster" start
    fi
  done
fi
