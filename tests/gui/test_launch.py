"""Starting the designer the way `gatewright gui FILE` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.model.io import load_document
from app.model.templates import template_text
from app.validate.engine import validate

START = """
import gc, json, os, sys
from app.ui import launch
from app.cli import main
start = launch.start

def shown(path=None):
    app, windows = start(path)
    loaded = list(sys.modules)
    w = windows[0]
    print(w.files.path.name, w.isVisible(), w.validity_label.text())
    print("networkx" in loaded, loaded.index("pydantic") < loaded.index("PySide6"))
    print(os.environ["PYDANTIC_DISABLE_PLUGINS"], "click" in loaded)
    print(gc.isenabled(), gc.get_freeze_count())
    print(json.dumps([d.to_json() for d in w.diagnostics]))
    import threading, time
    from PySide6.QtTest import QTest
    def warming():
        return any(t.name == "engine warm-up" for t in threading.enumerate())
    deadline = time.monotonic() + launch.ENGINE_WARM_UP_MS / 1000 + 20
    while ("networkx" not in sys.modules or warming()) and time.monotonic() < deadline:
        QTest.qWait(50)
    print("networkx" in sys.modules and hasattr(sys.modules["networkx"], "DiGraph"))
    os._exit(0)

launch.start = shown
main(["gui", sys.argv[1]])
raise SystemExit("the designer did not start")
"""


def started(document: Path, folder: Path) -> list[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(folder),
        GATEWRIGHT_WORKSPACE=str(folder / "workspace.db"),
    )
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    done = subprocess.run(
        [sys.executable, "-c", START, str(document)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_gui_opens_the_file_and_loads_the_engine_before_qt(tmp_path: Path) -> None:
    """`gatewright gui FILE`. PySide6 reads the source of each module imported after it: pydantic and the model
    come first. networkx is left to the child that validates ahead (on Linux). The cyclic
    collector is paused while the designer starts and re-enabled after."""
    document = tmp_path / "rollback.sop.json"
    document.write_text(template_text("rollback-procedure"), encoding="utf-8")
    shown, order, plugins, collector, _diagnostics, warmed = started(document, tmp_path)
    # Gatewright uses no pydantic plugins (finding them costs every start), and the
    # designer is started without the command line's framework.
    assert plugins == "__all__ False"
    assert shown == "rollback.sop.json True ✔ valid"
    networkx, pydantic_first = order.split()
    assert pydantic_first == "True"
    assert networkx == str(not sys.platform.startswith("linux"))
    assert warmed == "True"  # loaded once the window is up, before the first edit needs it
    # The collector is back on, and the start-up's objects are out of its way for good.
    enabled, frozen = collector.split()
    assert enabled == "True" and int(frozen) > 10_000


def test_the_window_shows_what_validation_finds(tmp_path: Path) -> None:
    """Diagnostics validated ahead are exactly the engine's for the opened file."""
    data = json.loads(template_text("rollback-procedure"))
    data["edges"] = data["edges"][:-3]
    document = tmp_path / "broken.sop.json"
    document.write_text(json.dumps(data), encoding="utf-8")
    expected = validate(load_document(document))
    assert expected
    shown, order, _plugins, _collector, diagnostics, _warmed = started(document, tmp_path)
    # On Linux they came from the child: the window's process had not imported networkx.
    assert order.split()[0] == str(not sys.platform.startswith("linux"))
    errors = sum(d.severity == "error" for d in expected)
    warnings = sum(d.severity == "warning" for d in expected)
    assert shown == f"broken.sop.json True {errors} error(s), {warnings} warning(s)"
    assert json.loads(diagnostics) == [d.to_json() for d in expected]
