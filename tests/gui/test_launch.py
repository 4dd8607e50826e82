"""Starting the designer the way `gatewright gui FILE` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.model.templates import template_text

START = """
import gc, os, sys
from app.ui.launch import start
app, windows = start(sys.argv[1])
loaded = list(sys.modules)
w = windows[0]
print(w.files.path.name, w.isVisible(), w.validity_label.text())
print(" ".join(str(loaded.index(m)) for m in ("networkx", "pydantic", "PySide6")))
print(os.environ["PYDANTIC_DISABLE_PLUGINS"])
print(gc.isenabled(), gc.get_freeze_count())
os._exit(0)
"""


def test_start_opens_the_file_and_loads_the_engine_before_qt(tmp_path: Path) -> None:
    """PySide6 reads the source of each module imported after it: the engine comes first.
    The cyclic collector is paused while the designer starts and re-enabled after."""
    document = tmp_path / "rollback.sop.json"
    document.write_text(template_text("rollback-procedure"), encoding="utf-8")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path),
        GATEWRIGHT_WORKSPACE=str(tmp_path / "workspace.db"),
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
    shown, order, plugins, collector = done.stdout.splitlines()
    assert plugins == "__all__"  # Gatewright uses none; finding them costs every start
    assert shown == "rollback.sop.json True ✔ valid"
    networkx, pydantic, pyside = map(int, order.split())
    assert networkx < pyside and pydantic < pyside
    # The collector is back on, and the start-up's objects are out of its way for good.
    enabled, frozen = collector.split()
    assert enabled == "True" and int(frozen) > 10_000
