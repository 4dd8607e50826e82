"""Starting the designer: refuse clearly when there is no display, then show the main window."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from app.runtime.process import skip_pydantic_plugins

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


def start(path: str | None = None) -> tuple[QApplication, list[MainWindow]]:
    """The application and its shown windows: ``path`` opened, left journals offered."""
    _check_display()
    skip_pydantic_plugins()
    from PySide6.QtWidgets import QApplication

    from app.ui.collector import collect_in_gui_thread
    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_in_gui_thread(app)  # never in an export or backtest thread: see app.ui.collector
    app.setApplicationName("Gatewright")
    app.setOrganizationName("Gatewright")
    window = MainWindow()
    if path:
        window.files.open_path(path)  # offers the file's own journal, if it has one
    window.show()
    return app, [window, *offer_recovery(window)]


def launch(path: str | None = None) -> int:
    """Run the designer until its last window closes; returns the exit code."""
    app, windows = start(path)  # the windows stay referenced while the designer runs
    code = app.exec()
    del windows
    return code
