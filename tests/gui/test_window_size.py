"""The window fits the screen it opens on; a saved geometry comes back only when it fits.

Tests run on an offscreen 1366x768 screen (tests/conftest.py): lower than the designer's
default 1280x800."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QRect, QSettings, QSize, Qt
from PySide6.QtWidgets import QApplication

from app.ui.main_window import MainWindow
from app.ui.window_size import DEFAULT_SIZE, FRAME_KEY, GEOMETRY_KEY, size_for
from tests.gui.viewing import LAPTOP, settle


def shown(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    settle()
    return window


def available() -> QRect:
    return QApplication.primaryScreen().availableGeometry()


def test_a_new_window_fits_a_screen_smaller_than_its_default_size(qtbot) -> None:
    assert available().height() < DEFAULT_SIZE.height()
    window = shown(qtbot)
    assert available().contains(window.frameGeometry())
    assert window.statusBar().isVisible()
    bar = window.statusBar()
    bottom = bar.mapTo(window, bar.rect().bottomLeft()).y() + window.geometry().top()
    assert bottom <= available().bottom()


def test_the_size_chosen_for_each_screen() -> None:
    # a 1366x768 laptop: the default does not fit, the window opens maximised
    size, maximise = size_for(LAPTOP)
    assert maximise and size.height() <= 768 - 40 and size.width() <= 1366
    # a large monitor: the default size, not maximised
    assert size_for(QRect(0, 0, 1920, 1080)) == (DEFAULT_SIZE, False)
    # a screen whose panel takes some height: the window stays within what is left
    size, maximise = size_for(QRect(0, 32, 1280, 1024 - 32))
    assert size.width() <= 1280 - 16 and maximise


def save_from(qtbot, size: QSize) -> None:  # type: ignore[no-untyped-def]
    """Close a window of ``size`` (not maximised), as a user leaving the designer."""
    window = shown(qtbot)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.setGeometry(QRect(20, 30, size.width(), size.height()))
    settle()
    window.close()


def test_a_saved_geometry_that_fits_comes_back(qtbot) -> None:
    save_from(qtbot, QSize(640, 500))
    window = shown(qtbot)
    assert window.windowState() == Qt.WindowState.WindowNoState
    assert window.geometry().size() == QSize(640, 500)
    assert available().contains(window.frameGeometry())


def test_a_saved_geometry_that_no_longer_fits_is_not_used(qtbot) -> None:
    # a geometry saved on a large monitor (or by an older version, always 1280x800)
    big = MainWindow()
    qtbot.addWidget(big)
    big.setWindowState(Qt.WindowState.WindowNoState)
    big.setGeometry(QRect(100, 100, 1700, 1000))
    settings = QSettings()
    settings.setValue(GEOMETRY_KEY, big.saveGeometry())
    settings.setValue(FRAME_KEY, QRect(100, 100, 1700, 1000))
    settings.sync()
    window = shown(qtbot)
    assert available().contains(window.frameGeometry())
    assert window.geometry().width() < 1700


def test_a_geometry_saved_without_its_frame_is_not_trusted(qtbot) -> None:
    """Versions before this one saved only Qt's geometry: it is not restored blindly."""
    big = MainWindow()
    qtbot.addWidget(big)
    big.setWindowState(Qt.WindowState.WindowNoState)
    big.setGeometry(QRect(0, 0, 1280, 800))
    QSettings().setValue(GEOMETRY_KEY, big.saveGeometry())
    window = shown(qtbot)
    assert available().contains(window.frameGeometry())
