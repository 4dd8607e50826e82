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

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    exit 0
  fi
  echo "note: could not install ${missing[*]}; going on without them" >&2
  exit 0
fi
echo "note: not installed: ${missing[*]} (sudo apt-get install --no-install-recommends ${missing[*]})" >&2
exit 0
