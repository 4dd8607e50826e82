#!/usr/bin/env bash
# The Debian packages that building (`build`) or smoke-testing (`test`) the bundle uses,
# beyond packaging/system-deps.sh. Installs the missing ones when run as root; otherwise
# says which are missing and goes on: the build needs `strip` (binutils), and the smoke
# test skips the steps whose tools are missing.
set -uo pipefail

case "${1:-}" in
  build) PACKAGES=(binutils fonts-dejavu-core) ;;
  test) PACKAGES=(graphviz poppler-utils xvfb xauth imagemagick desktop-file-utils appstream) ;;
  *)
    echo "usage: $0 build|test" >&2
    exit 2
    ;;
esac

[ "${GATEWRIGHT_SKIP_SYSTEM_DEPS:-0}" = "1" ] && exit 0
command -v dpkg-query >/dev/null 2>&1 || exit 0

# shellcheck source=packaging/debian.sh
source "$(dirname "$0")/debian.sh"
missing_packages "${PACKAGES[@]}"
[ ${#missing[@]} -eq 0 ] && exit 0

if can_install; then
  install_missing "system packages" && exit 0
  echo "note: could not install ${missing[*]}; going on without them" >&2
  exit 0
fi
echo "note: not installed: ${missing[*]} (sudo apt-get install --no-install-recommends ${missing[*]})" >&2
exit 0
