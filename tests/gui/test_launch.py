"""`gatewright gui FILE` as a fresh process: the window is shown with the file open and
its problems found."""

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
    w = windows[0]
    print(w.files.path.name, w.isVisible(), w.validity_label.text())
    print(os.environ["PYDANTIC_DISABLE_PLUGINS"], "click" in sys.modules, gc.isenabled())
    print(json.dumps([d.to_json() for d in w.diagnostics]))
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


def test_gui_opens_the_file_without_the_command_line_framework(tmp_path: Path) -> None:
    """`gatewright gui FILE` shows the file, valid; it finds no pydantic plugins (Gatewright
    uses none, and looking costs every start) and does not import click."""
    document = tmp_path / "rollback.sop.json"
    document.write_text(template_text("rollback-procedure"), encoding="utf-8")
    shown, startup, _diagnostics = started(document, tmp_path)
    assert shown == "rollback.sop.json True ✔ valid"
    # Collection is the GUI thread's (app.ui.collector): never an export thread's.
    assert startup == "__all__ False False"


def test_the_window_shows_what_validation_finds(tmp_path: Path) -> None:
    """The opened window shows exactly the engine's diagnostics for the file."""
    data = json.loads(template_text("rollback-procedure"))
    data["edges"] = data["edges"][:-3]
    document = tmp_path / "broken.sop.json"
    document.write_text(json.dumps(data), encoding="utf-8")
    expected = validate(load_document(document))
    assert expected
    shown, _startup, diagnostics = started(document, tmp_path)
    errors = sum(d.severity == "error" for d in expected)
    warnings = sum(d.severity == "warning" for d in expected)
    assert shown == f"broken.sop.json True {errors} error(s), {warnings} warning(s)"
    assert json.loads(diagnostics) == [d.to_json() for d in expected]
