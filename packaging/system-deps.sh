#!/usr/bin/env bash
# Installs the Debian packages Gatewright needs (Graphviz, poppler, Xvfb, fonts, Qt's X11
# libraries) when run as root; otherwise lists the missing ones and how to install them.
set -euo pipefail

PACKAGES=(graphviz poppler-utils xvfb xauth fonts-dejavu-core git rsync nodejs libgl1 libegl1 libxkbcommon0
  libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0)

if [ "${GATEWRIGHT_SKIP_SYSTEM_DEPS:-0}" = "1" ]; then
  exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "note: not a Debian-like system; make sure Graphviz (dot) and poppler-utils are installed." >&2
  exit 0
fi

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
Gatewright needs these system packages, which are not installed:
  ${missing[*]}
Install them with:
  sudo apt-get update && sudo apt-get install --no-install-recommends ${missing[*]}
(or set GATEWRIGHT_SKIP_SYSTEM_DEPS=1 to go on without them).
MSG
exit 1
