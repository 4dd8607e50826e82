# Sourced by the packaging scripts: which Debian packages are missing, and installing them.
# Callers set `set -uo pipefail` themselves; nothing here exits.

# missing_packages PACKAGE... : sets the array `missing` to those not installed.
missing_packages() {
  missing=()
  local package status
  for package in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$package")
  done
}

# can_install: true when running as root on a system with apt-get.
can_install() {
  [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1
}

# install_missing WHAT : installs the packages in `missing`, from the local package lists
# first and after refreshing them when that fails; returns apt-get's status.
install_missing() {
  echo "Installing $1: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
}
