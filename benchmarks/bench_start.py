"""The designer's start: `gatewright gui FILE` as a fresh process until its window is shown
with the template drawn, against a bare PySide6 window started the same way.

The runs take turns (bare window, designer, bare window, ...) so that every figure sees the
same load on a shared machine; each is a median. `python -m benchmarks.bench_start
CHECKOUT ...` also starts the designer of other checkouts (say, an older commit unpacked
with `git archive`) in the same rounds, to compare two designs of the start-up.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.timing import report

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 9

# The clock stops once the window is shown and painted (the grab draws every widget, the
# canvas with its template included); tearing the process down is quitting, not starting.
BARE_WINDOW = """
import os, sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 800)
window.show()
app.processEvents()
window.grab()
os._exit(0)
"""
DESIGNER_WINDOW = """
import os, sys
from app.ui import launch
from app.cli import main
start = launch.start

def shown(path=None):
    app, windows = start(path)
    window = windows[0]
    app.processEvents()
    window.grab()
    assert window.isVisible() and len(window.scene.items()) > 10, "the template was not drawn"
    os._exit(0)

launch.start = shown
main(["gui", sys.argv[1]])
raise SystemExit("the designer did not start")
"""


def largest_template() -> str:
    from app.model.templates import template_ids, template_text

    return max(template_ids(), key=lambda t: len(json.loads(template_text(t))["nodes"]))


def environment(folder: Path, checkout: Path) -> dict[str, str]:
    """Offscreen Qt, settings and workspace in a scratch folder, ``checkout`` importable.

    Bytecode is cached (per checkout, in the scratch folder) as an installed designer's is:
    compiling every module on each start would measure the compiler, not the designer.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(folder / "pycache" / checkout.name),
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(folder / "config"),
        GATEWRIGHT_WORKSPACE=str(folder / "workspace.db"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(checkout), env.get("PYTHONPATH", "")])),
    )
    return env


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[2][:40]!r} failed: {done.stderr.strip()[-400:]}")
    return took


def measure(checkouts: list[Path], rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Seconds per run of the bare window and of each checkout's designer, in turns."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        document = folder / "template.sop.json"
        from app.model.templates import template_text

        document.write_text(template_text(largest_template()), encoding="utf-8")
        runs = [("bare window", [sys.executable, "-c", BARE_WINDOW], environment(folder, ROOT))]
        for checkout in checkouts:
            command = [sys.executable, "-c", DESIGNER_WINDOW, str(document)]
            runs.append((str(checkout), command, environment(folder, checkout)))
        samples: dict[str, list[float]] = {name: [] for name, _, _ in runs}
        for index in range(rounds + 1):
            for name, command, env in runs:
                took = seconds(command, env)
                if index:  # the first round fills the file cache and the bytecode cache
                    samples[name].append(took)
        return samples


def main(others: list[str] | None = None) -> None:
    checkouts = [ROOT, *(Path(o).resolve() for o in others or [])]
    load = os.getloadavg()[0]
    samples = measure(checkouts)
    floor = statistics.median(samples["bare window"])
    for checkout in checkouts:
        times = samples[str(checkout)]
        ours = statistics.median(times)
        ratio = ours / floor
        name = "this checkout" if checkout == ROOT else str(checkout)
        report(
            f"designer start ({name}), {largest_template()} open, window shown and drawn",
            f"{ours * 1000:.0f} ms (runs {min(times) * 1000:.0f}-{max(times) * 1000:.0f})",
            ratio,
            f"a bare PySide6 window shown and drawn ({floor * 1000:.0f} ms)",
            "< 1.0 s and < 5x",
            ours < 1.0 and ratio < 5,
        )
    print(
        f"  load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
