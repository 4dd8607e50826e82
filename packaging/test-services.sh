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
# shellcheck source=packaging/debian.sh
source "$(dirname "$0")/debian.sh"
missing_packages "${PACKAGES[@]}"
root=0
[ "$(id -u)" = "0" ] && root=1
if [ ${#missing[@]} -gt 0 ]; then
  if can_install; then
    install_missing "test services"
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
