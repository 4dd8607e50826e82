"""The Overview as a person uses it: it frames what the canvas shows, and a click or a drag
on it moves the canvas there."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtTest import QTest

from app.model.document import new_document
from app.model.templates import load_template
from app.ui.canvas.overview import FRAME_COLOUR
from app.ui.main_window import MainWindow
from tests.gui.viewing import centre_of_view, colour_mask, laptop_window, settle

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier(0)


@pytest.fixture
def window(qtbot) -> MainWindow:
    made = laptop_window(qtbot, load_template("rollback-procedure"))
    made.overview_dock.raise_()
    settle()
    yield made
    made.editor.stack.setClean()


def frame_box(window: MainWindow) -> QRect:
    """The bounding box of the frame's pixels in a grab of the overview."""
    image = window.overview.viewport().grab().toImage()
    ys, xs = np.nonzero(colour_mask(image, FRAME_COLOUR, tolerance=10))
    assert len(xs), "no frame drawn on the overview"
    return QRect(QPoint(int(xs.min()), int(ys.min())), QPoint(int(xs.max()), int(ys.max())))


def expected_frame(window: MainWindow) -> QRect:
    """Where the canvas's visible area falls on the overview."""
    shown = window.view.visible_scene_rect()
    return (
        window.overview.mapFromScene(shown)
        .boundingRect()
        .intersected(window.overview.viewport().rect())
    )


def assert_close(drawn: QRect, wanted: QRect, slack: int = 3) -> None:
    for a, b in (
        (drawn.left(), wanted.left()),
        (drawn.top(), wanted.top()),
        (drawn.right(), wanted.right()),
        (drawn.bottom(), wanted.bottom()),
    ):
        assert abs(a - b) <= slack, (drawn, wanted)


def test_the_frame_shows_the_visible_area_and_follows_zoom_and_scroll(window: MainWindow) -> None:
    window.view.set_zoom(1.0)
    window.view.pan_to(QPointF(300, 200))
    settle()
    first = frame_box(window)
    assert_close(first, expected_frame(window))
    # zooming in makes the frame smaller, around the same place
    window.view.set_zoom(2.0)
    settle()
    smaller = frame_box(window)
    assert_close(smaller, expected_frame(window))
    assert smaller.width() < first.width() * 0.6
    assert abs(smaller.center().x() - first.center().x()) <= 3
    # scrolling the canvas moves the frame
    window.view.horizontalScrollBar().setValue(window.view.horizontalScrollBar().value() + 300)
    settle()
    moved = frame_box(window)
    assert_close(moved, expected_frame(window))
    assert moved.center().x() > smaller.center().x()


def test_a_click_on_the_overview_centres_the_canvas_there(window: MainWindow) -> None:
    window.view.set_zoom(1.0)
    overview = window.overview
    for spot in (QPoint(30, 30), QPoint(overview.viewport().width() - 30, 60)):
        QTest.mouseClick(overview.viewport(), LEFT, NO_KEYS, spot)
        wanted = overview.mapToScene(spot)
        centre = centre_of_view(window)
        assert abs(centre.x() - wanted.x()) <= 2 and abs(centre.y() - wanted.y()) <= 2
        assert_close(frame_box(window), expected_frame(window))


def test_dragging_on_the_overview_pans_the_canvas_along(window: MainWindow) -> None:
    window.view.set_zoom(1.0)
    overview = window.overview.viewport()
    start, end = QPoint(40, 40), QPoint(overview.width() - 40, overview.height() - 30)
    QTest.mousePress(overview, LEFT, NO_KEYS, start)
    for step in range(1, 6):
        QTest.mouseMove(overview, start + (end - start) * step / 5)
        wanted = window.overview.mapToScene(start + (end - start) * step / 5)
        centre = centre_of_view(window)
        assert abs(centre.x() - wanted.x()) <= 2 and abs(centre.y() - wanted.y()) <= 2
    QTest.mouseRelease(overview, LEFT, NO_KEYS, end)
    # after the release, moving the pointer over the overview pans nothing
    before = centre_of_view(window)
    QTest.mouseMove(overview, start)
    assert centre_of_view(window) == before


def test_a_blank_document_has_no_frame_to_show(qtbot) -> None:
    window = laptop_window(qtbot, new_document())
    window.overview_dock.raise_()
    settle()
    image = window.overview.viewport().grab().toImage()
    assert not colour_mask(image, FRAME_COLOUR, tolerance=10).any()
