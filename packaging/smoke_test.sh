#!/usr/bin/env bash
# Smoke test of the built bundle (`make package-test`): runs dist/gatewright/gatewright the
# way a user would and prints how long each step took.
#
#   bash packaging/smoke_test.sh [BUNDLE_DIR] [OUTPUT_DIR]
#
# Steps: the desktop metadata validates (when desktop-file-validate and appstreamcli are
# installed); --version; templates; new from a built-in template (package data inside the
# bundle); validate; export pdf (starts with %PDF, embeds the diagram drawn by the system's
# Graphviz) and svg; export pdf with Graphviz hidden from PATH (still a PDF, with a note in
# place of the diagram); the designer under Xvfb, with a screenshot when ImageMagick's
# `import` is installed (otherwise it checks that the window's process stays up for 5 s).
# The screenshot and the exported files stay in OUTPUT_DIR (default build/package-test).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUNDLE=${1:-$ROOT/dist/gatewright}
OUT=${2:-$ROOT/build/package-test}
EXE=$BUNDLE/gatewright
GUI_WAIT=${GATEWRIGHT_SMOKE_GUI_WAIT:-30}

if [ ! -x "$EXE" ]; then
  echo "error: $EXE not found; run \`make package\` first" >&2
  exit 2
fi
rm -rf "$OUT"
mkdir -p "$OUT"
# The user's environment must not help the bundle: no venv, no Qt platform override.
unset VIRTUAL_ENV PYTHONPATH PYTHONHOME QT_QPA_PLATFORM QT_PLUGIN_PATH GATEWRIGHT_FONT_DIR

failures=0
passed=0
skipped=0
suite_start=$(date +%s.%N)

elapsed_ms() { # START -> milliseconds since START
  awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%d", (e - s) * 1000 }'
}

step() { # NAME COMMAND... : runs COMMAND, prints ok/FAIL with its time
  local name=$1 start
  shift
  start=$(date +%s.%N)
  if "$@" >"$OUT/$name.log" 2>&1; then
    printf '  ok    %-34s %6s ms\n' "$name" "$(elapsed_ms "$start")"
    passed=$((passed + 1))
  else
    printf '  FAIL  %-34s %6s ms (log: %s)\n' "$name" "$(elapsed_ms "$start")" "$OUT/$name.log"
    sed 's/^/        /' "$OUT/$name.log" | tail -n 15
    failures=$((failures + 1))
  fi
}

skip() { # NAME REASON
  printf '  skip  %-34s (%s)\n' "$1" "$2"
  skipped=$((skipped + 1))
}

# -- the steps ---------------------------------------------------------------------------

check_version() {
  local text
  text=$("$EXE" --version) || return 1
  echo "$text"
  [[ $text =~ ^gatewright\ [0-9]+\.[0-9]+ ]]
}

check_templates() {
  local listed
  listed=$("$EXE" templates) || return 1
  echo "$listed"
  grep -q "deployment-gate" <<<"$listed"
}

check_new() {
  "$EXE" new deployment-gate -o "$OUT/release.sop.json" && test -s "$OUT/release.sop.json"
}

check_validate() {
  "$EXE" validate "$OUT/release.sop.json"
}

is_pdf() { # FILE
  test -s "$1" && [ "$(head -c 4 "$1")" = "%PDF" ]
}

check_export_pdf() {
  "$EXE" export pdf "$OUT/release.sop.json" -o "$OUT/release.pdf" || return 1
  is_pdf "$OUT/release.pdf" || { echo "not a PDF: $OUT/release.pdf"; return 1; }
  if command -v pdftotext >/dev/null 2>&1; then
    # The diagram comes from Graphviz: its absence would leave this sentence instead.
    if pdftotext "$OUT/release.pdf" - | grep -q "diagram is not included"; then
      echo "the PDF has no diagram although Graphviz is installed"
      return 1
    fi
  fi
}

check_export_svg() {
  "$EXE" export svg "$OUT/release.sop.json" -o "$OUT/release.svg" && grep -q "<svg" "$OUT/release.svg"
}

check_pdf_without_graphviz() {
  # A PATH with no `dot` on it, as on a machine without Graphviz.
  local empty="$OUT/empty-path"
  mkdir -p "$empty"
  PATH="$empty" "$EXE" export pdf "$OUT/release.sop.json" -o "$OUT/release-no-graphviz.pdf" ||
    return 1
  is_pdf "$OUT/release-no-graphviz.pdf" || return 1
  if command -v pdftotext >/dev/null 2>&1; then
    pdftotext "$OUT/release-no-graphviz.pdf" - | tr '\n' ' ' | grep -q "Graphviz"
  fi
}

check_svg_without_graphviz() {
  # Refused with one sentence naming Graphviz and exit code 2 (the contract's "cannot be
  # used"), not as an internal error (exit code 70) and never with a traceback.
  local empty="$OUT/empty-path" code=0
  mkdir -p "$empty"
  PATH="$empty" "$EXE" export svg "$OUT/release.sop.json" -o "$OUT/none.svg" 2>"$OUT/no-dot.err"
  code=$?
  cat "$OUT/no-dot.err"
  echo "exit code $code"
  [ "$code" -eq 2 ] && grep -q "Graphviz" "$OUT/no-dot.err" &&
    ! grep -q -e "Traceback" -e "internal error" "$OUT/no-dot.err"
}

check_export_gitlab() {
  # The pipeline export carries the runtime wheel, built from the sources the bundle holds.
  "$EXE" export gitlab "$OUT/release.sop.json" -o "$OUT/gitlab" || return 1
  local wheel
  wheel=$(find "$OUT/gitlab/gatewright" -name 'gatewright_runtime-*-py3-none-any.whl' | head -n 1)
  [ -s "$wheel" ] || { echo "no runtime wheel in $OUT/gitlab/gatewright"; return 1; }
  grep -q "$(sha256sum "$wheel" | cut -d' ' -f1)" "$OUT/gitlab/.gitlab-ci.yml"
}

check_libraries() {
  # Every bundled library finds its dependencies in the bundle or on this system.
  local internal="$BUNDLE/_internal" missing
  missing=$(find "$internal" -name "*.so*" -type f -print0 |
    LD_LIBRARY_PATH="$internal:$internal/PySide6/Qt/lib" xargs -0 -n 20 ldd 2>/dev/null |
    grep "not found" | sort -u)
  if [ -n "$missing" ]; then
    echo "missing system libraries (see packaging/bundle-runtime-deps.txt):"
    echo "$missing"
    return 1
  fi
  echo "every bundled library resolves"
}

check_metadata() {
  desktop-file-validate "$ROOT/resources/gatewright.desktop" || return 1
  if command -v appstreamcli >/dev/null 2>&1; then
    appstreamcli validate --no-net "$ROOT/resources/io.gatewright.Gatewright.metainfo.xml" ||
      return 1
  fi
}

# Runs inside xvfb-run: starts the designer, waits for its window to paint, screenshots it.
gui_under_xvfb() {
  local shot="$OUT/designer.png" start pid colours=0 waited
  start=$(date +%s.%N)
  "$EXE" gui "$OUT/release.sop.json" >"$OUT/gui-stdout.log" 2>&1 &
  pid=$!
  if command -v import >/dev/null 2>&1; then
    # The bare X root is one colour; a painted window gives hundreds.
    while [ "$(elapsed_ms "$start")" -lt $((GUI_WAIT * 1000)) ]; do
      sleep 0.5
      kill -0 "$pid" 2>/dev/null || break
      if import -window root "$shot" 2>/dev/null; then
        colours=$(identify -format '%k' "$shot" 2>/dev/null || echo 0)
        [ "${colours:-0}" -gt 50 ] && break
      fi
    done
    waited=$(elapsed_ms "$start")
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the designer exited early:"
      cat "$OUT/gui-stdout.log"
      return 1
    fi
    # Let the first layout settle, then take the screenshot that is kept.
    sleep 1
    import -window root "$shot" || return 1
    colours=$(identify -format '%k' "$shot")
    echo "window painted after ${waited} ms; screenshot $shot ($colours colours)"
    kill "$pid"
    wait "$pid" 2>/dev/null
    [ "$colours" -gt 50 ]
  else
    echo "ImageMagick's import is not installed: checking that the designer stays up for 5 s"
    sleep 5
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$OUT/gui-stdout.log"
      return 1
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null
    return 0
  fi
}

check_gui() {
  xvfb-run -a -s "-screen 0 1280x800x24" bash -c "$(declare -f elapsed_ms gui_under_xvfb);
    EXE='$EXE' OUT='$OUT' GUI_WAIT='$GUI_WAIT' gui_under_xvfb"
}

echo "Smoke test of $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
if command -v desktop-file-validate >/dev/null 2>&1; then
  step metadata check_metadata
else
  skip metadata "desktop-file-validate is not installed (apt-get install desktop-file-utils)"
fi
if command -v ldd >/dev/null 2>&1; then
  step libraries check_libraries
else
  skip libraries "ldd is not installed"
fi
step version check_version
step templates check_templates
step new-from-template check_new
step validate check_validate
if command -v dot >/dev/null 2>&1; then
  step export-pdf check_export_pdf
  step export-svg check_export_svg
else
  skip export-pdf/svg "Graphviz is not installed; only the no-Graphviz steps run"
fi
step export-pdf-without-graphviz check_pdf_without_graphviz
step export-svg-without-graphviz check_svg_without_graphviz
step export-gitlab-with-runtime check_export_gitlab
if command -v xvfb-run >/dev/null 2>&1; then
  step gui-under-xvfb check_gui
  [ -s "$OUT/designer.png" ] && echo "        screenshot: $OUT/designer.png"
else
  skip gui-under-xvfb "xvfb-run is not installed (apt-get install xvfb xauth)"
fi

echo "total time: $(elapsed_ms "$suite_start") ms"
echo "$passed passed, $failures failed, $skipped skipped"
[ "$failures" -eq 0 ]
