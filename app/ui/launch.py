"""Starting the designer: refuse clearly when there is no display, then show the main window."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
from typing import TYPE_CHECKING

from app.runtime.process import collection_paused, skip_pydantic_plugins
from app.validate.ahead import ValidatedAhead

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow


class NoDisplayError(RuntimeError):
    """Qt would abort the whole process without a display; say so before it does."""


def _check_display() -> None:
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY"):
        return
    if os.environ.get("WAYLAND_DISPLAY"):
        return
    raise NoDisplayError(
        "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set): run the designer "
        "under a virtual display with `xvfb-run -a gatewright gui`, or use the command "
        "line (`gatewright --help`)"
    )


def offer_recovery(window: MainWindow) -> list[MainWindow]:
    """Offer every journal left by a designer that stopped without saving.

    The first restored document goes into ``window`` when it holds nothing yet (untitled
    and unchanged); each further one gets a window of its own. Returns the new windows.
    """
    from app.ui.journal import find_journals
    from app.ui.main_window import MainWindow

    opened: list[MainWindow] = []
    own = window.files.journal.path.absolute()
    for entry in find_journals(window.files.recent_files()):
        if entry.file.absolute() == own or not entry.file.exists():
            continue
        target = window
        if window.files.path is not None or window.files.modified:
            target = MainWindow()
        if target.files.offer_recovery(entry) and target is not window:
            target.show()
            opened.append(target)
        elif target is not window:
            target.files.close_cleanly()
            target.deleteLater()
    return opened


ENGINE_MODULES = (
    "app.model.autolayout",
    "app.model.templates",
    "app.store.workspace",
    "app.validate.engine",
    "exporters.content",
    "platformdirs",
)
"""What the designer's first window needs from the layers below the UI."""


def _load_engine() -> None:
    """Import the layers below the UI before Qt is imported.

    PySide6 installs an import hook that reads the source of every module imported after
    it (looking for "PySide6", for its ``__feature__`` switching): some 200 files for
    pydantic and the model. Imported first, they are never read twice. networkx is not
    among them: the child that validates ahead imports it, and this process only after
    its window is shown (:func:`_warm_up_engine`).
    """
    for name in ENGINE_MODULES:
        importlib.import_module(name)


ENGINE_WARM_UP_MS = 500
"""After the window is shown, load what validation still needs (networkx), before the user
edits anything: the first validation after an edit then waits for nothing."""


def _warm_up_engine() -> None:
    """Import networkx on a thread of its own (about a quarter of a second): the window
    keeps answering meanwhile, since the interpreter hands the UI thread its turn."""
    threading.Thread(
        target=importlib.import_module, args=("networkx",), name="engine warm-up", daemon=True
    ).start()


def start(path: str | None = None) -> tuple[QApplication, list[MainWindow]]:
    """The application and its shown windows: ``path`` opened, left journals offered.

    A child process validates the blank document and ``path`` while this one builds the
    window (app.validate.ahead); the window takes its diagnostics when the content is the
    same, and validates here otherwise.

    Start-up makes some 70,000 long-lived objects (modules, classes, Qt's enums) and no
    garbage, so the cyclic collector is paused while they are made (it re-scanned them
    over and over: about a tenth of the start-up), and they are then frozen out of every
    later collection, which would otherwise pause each edit now and then for ~30 ms to
    re-scan them. The document is opened after that, with the collector back on: it is
    not kept for good, and opening it may wait on a dialog.
    """
    _check_display()
    skip_pydantic_plugins()
    ahead = ValidatedAhead.start(path)
    try:
        with collection_paused():
            _load_engine()
            from PySide6.QtCore import QTimer
            from PySide6.QtWidgets import QApplication

            from app.ui.main_window import MainWindow

            app = QApplication.instance() or QApplication(sys.argv[:1])
            app.setApplicationName("Gatewright")
            app.setOrganizationName("Gatewright")
            window = MainWindow(ahead=ahead)
            gc.freeze()  # before the document: one opened, then replaced, must stay collectable
        if path:
            window.files.open_path(path)  # offers the file's own journal, if it has one
        window.show()
    finally:
        if ahead is not None:
            ahead.close()  # whatever happened: no child left running, no pipe left open
    if ahead is not None:
        window.ahead = None
        QTimer.singleShot(ENGINE_WARM_UP_MS, _warm_up_engine)
    return app, [window, *offer_recovery(window)]


def launch(path: str | None = None) -> int:
    """Run the designer until its last window closes; returns the exit code."""
    app, windows = start(path)  # the windows stay referenced while the designer runs
    code = app.exec()
    del windows
    return code
