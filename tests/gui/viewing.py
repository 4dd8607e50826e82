"""What the canvas shows, as a person would check it: a window sized for a 1366x768 screen,
the viewport's pixels, points mapped between scene and viewport."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from app.model.document import Sop
from app.ui.main_window import MainWindow
from app.ui.window_size import FRAME_ALLOWANCE

LAPTOP = QRect(0, 0, 1366, 768)
"""The small laptop screen the designer must be usable on."""


def laptop_window(qtbot, doc: Sop | None = None) -> MainWindow:  # type: ignore[no-untyped-def]
    """The designer as it opens on a 1366x768 screen (less a title bar), shown."""
    window = MainWindow(doc)
    qtbot.addWidget(window)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(LAPTOP.size() - FRAME_ALLOWANCE)
    window.show()
    qtbot.waitExposed(window)
    settle()
    return window


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def viewport_image(window: MainWindow) -> QImage:
    """The canvas as drawn on screen."""
    return window.view.viewport().grab().toImage()


def near(colour: QColor, wanted: str, tolerance: int = 12) -> bool:
    target = QColor(wanted)
    return all(
        abs(a - b) <= tolerance
        for a, b in (
            (colour.red(), target.red()),
            (colour.green(), target.green()),
            (colour.blue(), target.blue()),
        )
    )


def colour_mask(image: QImage, wanted: str, tolerance: int = 12) -> np.ndarray:
    """A (height, width) array: True where the pixel has colour ``wanted``."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(rgb.constBits(), np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    pixels = rows[:, : rgb.width() * 3].reshape(rgb.height(), rgb.width(), 3).astype(int)
    target = QColor(wanted)
    distance = np.abs(pixels - np.array([target.red(), target.green(), target.blue()]))
    return (distance <= tolerance).all(axis=2)


def pixels_of(image: QImage, wanted: str, area: QRect | None = None, tolerance: int = 12) -> int:
    """How many pixels of ``area`` (the whole image by default) have colour ``wanted``."""
    area = (area or image.rect()).intersected(image.rect())
    if area.isEmpty():
        return 0
    mask = colour_mask(image, wanted, tolerance)
    return int(
        np.count_nonzero(mask[area.top() : area.bottom() + 1, area.left() : area.right() + 1])
    )


def viewport_point(window: MainWindow, scene_point: QPointF) -> QPointF:
    """Where a scene point is drawn in the viewport (fractions kept)."""
    return window.view.viewportTransform().map(scene_point)


def viewport_rect(window: MainWindow, scene_rect: QRectF) -> QRectF:
    return window.view.viewportTransform().mapRect(scene_rect)


def centre_of_view(window: MainWindow) -> QPointF:
    return window.view.scene_at(window.view.viewport_centre())


def as_point(point: QPointF) -> QPoint:
    return point.toPoint()


def wheel(
    window: MainWindow,
    steps: int,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.ControlModifier,
    at: QPointF | None = None,
) -> None:
    """Turn the mouse wheel `steps` notches (positive: away from the user) over the viewport,
    at `at` (the viewport's centre when not given), with `modifiers` held."""
    viewport = window.view.viewport()
    point = QPointF(viewport.rect().center()) if at is None else at
    event = QWheelEvent(
        point,
        QPointF(viewport.mapToGlobal(point.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)
