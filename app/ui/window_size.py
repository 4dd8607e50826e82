"""The main window's size and place: it fits the screen it opens on, and a saved geometry
comes back only when it still fits a screen (a laptop undocked from a large monitor)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, QSize, Qt
from PySide6.QtGui import QCursor, QGuiApplication, QScreen
from PySide6.QtWidgets import QMainWindow

DEFAULT_SIZE = QSize(1280, 800)
FRAME_ALLOWANCE = QSize(16, 40)
"""What a window manager may add around the window (borders, a title bar): the window's
own size is kept this much under the screen's available area."""
GEOMETRY_KEY, FRAME_KEY, STATE_KEY = "window/geometry", "window/frame", "window/state"


def opening_screen(window: QMainWindow) -> QScreen:
    """The screen a new window appears on: the pointer's, else the window's, else the
    primary one."""
    return (
        QGuiApplication.screenAt(QCursor.pos())
        or window.screen()
        or QGuiApplication.primaryScreen()
    )


def fits_a_screen(frame: QRect) -> bool:
    """Whether ``frame`` (a window with its decorations) lies within one screen's
    available area."""
    return any(screen.availableGeometry().contains(frame) for screen in QGuiApplication.screens())


def size_for(available: QRect) -> tuple[QSize, bool]:
    """The window size for a screen whose available area is ``available``, and whether
    the window should rather open maximised (the default size does not fit)."""
    room = available.size() - FRAME_ALLOWANCE
    fits = DEFAULT_SIZE.width() <= room.width() and DEFAULT_SIZE.height() <= room.height()
    return DEFAULT_SIZE.boundedTo(room), not fits


def place_window(window: QMainWindow, settings: QSettings) -> None:
    """Restore the saved geometry when it still fits a screen; otherwise size the window
    for the screen it opens on (maximised when the default size does not fit) and centre
    it there. The dock layout is restored either way."""
    geometry = settings.value(GEOMETRY_KEY)
    frame = settings.value(FRAME_KEY)
    restored = (
        geometry is not None
        and isinstance(frame, QRect)
        and fits_a_screen(frame)
        and window.restoreGeometry(geometry)
    )
    if not restored:
        available = opening_screen(window).availableGeometry()
        size, maximise = size_for(available)
        window.setWindowState(Qt.WindowState.WindowNoState)
        window.resize(size)
        corner = available.center() - QRect(0, 0, size.width(), size.height()).center()
        window.move(corner)
        if maximise:
            window.setWindowState(Qt.WindowState.WindowMaximized)
    state = settings.value(STATE_KEY)
    if state is not None:
        window.restoreState(state)


def save_placement(window: QMainWindow, settings: QSettings) -> None:
    """Keep the geometry, the frame it had (to check it still fits next time) and the docks."""
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(FRAME_KEY, window.frameGeometry())
    settings.setValue(STATE_KEY, window.saveState())
