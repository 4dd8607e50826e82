"""Starting the designer: refuse clearly when there is no display, then show the main window."""

from __future__ import annotations

import os
import sys


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


def launch(path: str | None = None) -> int:
    """Run the designer until its window closes; returns the exit code."""
    _check_display()
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Gatewright")
    app.setOrganizationName("Gatewright")
    window = MainWindow()
    if path:
        window.files.open_path(path)
    window.show()
    return app.exec()
