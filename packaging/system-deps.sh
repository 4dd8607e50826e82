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

# shellcheck source=packaging/debian.sh
source "$(dirname "$0")/debian.sh"
missing_packages "${PACKAGES[@]}"
[ ${#missing[@]} -eq 0 ] && exit 0

if can_install; then
  install_missing "system packages"
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
