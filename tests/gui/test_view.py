"""The canvas's view as a person sees it on a 1366x768 screen: the zoom a document opens
with, zooming about the pointer or the centre, bringing an element into view, the hint
on an empty canvas."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from app.model.document import Sop, new_document
from app.model.templates import load_template, template_ids
from app.ui.canvas.items import SIZES
from app.ui.canvas.view import EMPTY_HINT, HINT_COLOUR, LEGIBLE_ZOOM, first_stage
from app.ui.main_window import MainWindow
from exporters.style import NODE_STYLES
from tests.gui.viewing import (
    centre_of_view,
    laptop_window,
    near,
    pixels_of,
    settle,
    viewport_image,
    viewport_point,
    viewport_rect,
    wheel,
)

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot) -> MainWindow:
    made = laptop_window(qtbot, load_template("deployment-approval"))
    yield made
    made.editor.stack.setClean()


def nodes_rect(window: MainWindow) -> QRectF:
    bounds = QRectF()
    for item in window.scene.nodes.values():
        bounds = bounds.united(item.sceneBoundingRect())
    return bounds


def stage_fill_shown(window: MainWindow, node_id: str) -> bool:
    """Whether the viewport shows the stage's fill just inside its left edge (clear of
    its text)."""
    item = window.scene.nodes[node_id]
    inside = item.pos() + QPointF(-SIZES[item.kind][0] / 2 + 6, 0)
    point = viewport_point(window, inside).toPoint()
    image = viewport_image(window)
    return image.rect().contains(point) and near(
        image.pixelColor(point), NODE_STYLES[item.kind].fill
    )


# -- the opening view --------------------------------------------------------------------


def test_every_template_opens_whole_at_a_legible_zoom_on_a_laptop_screen(qtbot) -> None:
    """Each shipped template, opened in a window sized for 1366x768, shows all its nodes at
    60% or more, its first stage drawn where the document puts it."""
    window = laptop_window(qtbot)
    viewport = QRectF(window.view.viewport().rect())
    for template_id in template_ids():
        doc = load_template(template_id)
        window.editor.replace_document(doc)
        settle()
        assert window.view.zoom() >= LEGIBLE_ZOOM, template_id
        assert viewport.contains(viewport_rect(window, nodes_rect(window))), template_id
        # the layout itself fits at the legible zoom, whatever zoom it opened with
        bounds = nodes_rect(window)
        assert bounds.width() * LEGIBLE_ZOOM <= viewport.width(), template_id
        assert bounds.height() * LEGIBLE_ZOOM <= viewport.height(), template_id
        stage = first_stage(doc)
        assert stage is not None and stage_fill_shown(window, stage), template_id
    window.editor.stack.setClean()


def test_a_large_document_opens_legible_on_its_first_stage(qtbot) -> None:
    doc = new_document("long", "Long")
    previous = None
    for index in range(40):
        kind = "stage" if index % 2 == 0 else "gate"
        node = f"s{index}" if kind == "stage" else f"g{index}"
        doc.add_node({"kind": kind, "id": node, "name": f"{kind} {index}"}, (index * 200, 0))
        if previous:
            doc.connect(previous, node, "promote", f"e{index}")
        previous = node
    window = laptop_window(qtbot, doc)
    assert window.view.zoom() == pytest.approx(LEGIBLE_ZOOM)
    assert stage_fill_shown(window, "s0")
    # the view starts at the diagram's left edge: no empty half-view left of the first stage
    left = viewport_point(window, window.scene.nodes["s0"].sceneBoundingRect().topLeft())
    assert 0 <= left.x() < 60


def test_the_opening_view_follows_the_window_being_maximised(qtbot) -> None:
    window = laptop_window(qtbot, load_template("rollback-procedure"))
    window.resize(900, 600)  # the window manager shows it small first, then maximises it
    settle()
    window.resize(1366, 728)
    settle()
    assert window.view.zoom() >= LEGIBLE_ZOOM
    viewport = QRectF(window.view.viewport().rect())
    assert viewport.contains(viewport_rect(window, nodes_rect(window)))


def test_a_blank_document_opens_at_100_percent_with_a_hint_until_a_node_exists(qtbot) -> None:
    window = laptop_window(qtbot, new_document())
    assert window.view.zoom() == pytest.approx(1.0)
    assert window.zoom_label.text() == "100%"
    hinted = pixels_of(viewport_image(window), HINT_COLOUR, tolerance=6)
    assert hinted > 200, "the empty canvas says how to start"
    assert "Palette" in EMPTY_HINT and "Ctrl+1" in EMPTY_HINT
    # when the user adds a stage from the keyboard
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+1"))
    settle()
    assert len(window.editor.doc.nodes) == 1
    node = window.scene.nodes[window.editor.doc.nodes[0].id]
    drawn = viewport_rect(window, node.sceneBoundingRect()).toAlignedRect()
    image = viewport_image(window)
    outside = [
        QRect(0, 0, image.width(), drawn.top()),
        QRect(0, drawn.bottom() + 1, image.width(), image.height() - drawn.bottom() - 1),
    ]
    assert sum(pixels_of(image, HINT_COLOUR, area, tolerance=6) for area in outside) == 0
    # and the hint comes back when the canvas is empty again
    window.editor.stack.undo()
    settle()
    assert pixels_of(viewport_image(window), HINT_COLOUR, tolerance=6) > 200
    window.editor.stack.setClean()


# -- zooming -------------------------------------------------------------------------------


@pytest.mark.parametrize("spot", [(120.0, 90.0), (600.0, 400.0), (20.5, 480.0)])
def test_ctrl_wheel_keeps_the_point_under_the_pointer(window: MainWindow, spot) -> None:
    pointer = QPointF(*spot)
    under = window.view.scene_at(pointer)
    for steps in (1, 1, 1, -1, -1, -1, -1, -1, 1):
        wheel(window, steps, at=pointer)
        moved = viewport_point(window, under)
        assert abs(moved.x() - pointer.x()) <= 1 and abs(moved.y() - pointer.y()) <= 1
    assert window.view.zoom() != pytest.approx(1.0)


def test_keyboard_zoom_keeps_the_view_centre(window: MainWindow, qtbot) -> None:
    window.activateWindow()
    window.view.setFocus()
    QTest.mouseMove(window.view.viewport(), QPoint(5, 5))  # the pointer sits top-left
    centre = window.view.viewport_centre()
    middle = centre_of_view(window)
    for keys in (QKeySequence.StandardKey.ZoomIn,) * 3 + (QKeySequence.StandardKey.ZoomOut,) * 5:
        QTest.keySequence(window, QKeySequence(keys))
        moved = viewport_point(window, middle)
        assert abs(moved.x() - centre.x()) <= 1 and abs(moved.y() - centre.y()) <= 1
    assert window.view.zoom() < LEGIBLE_ZOOM + 0.3


def test_zoom_to_selection_fits_the_selected_node(window: MainWindow) -> None:
    window.view.set_zoom(0.2)
    window.scene.select_ids(["production"])
    window.view.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+8"))
    node = window.scene.nodes["production"]
    assert window.view.zoom() == pytest.approx(2.0)
    centre = viewport_point(window, node.pos())
    assert (centre - window.view.viewport_centre()).manhattanLength() <= 2
    assert stage_fill_shown(window, "production")
    # nothing selected: the status bar says what to do
    window.scene.select_none()
    QTest.keySequence(window, QKeySequence("Ctrl+8"))
    assert "Select something" in window.statusBar().currentMessage()


# -- bringing an element into view ---------------------------------------------------------


def far_and_small(window: MainWindow) -> None:
    window.view.set_zoom(0.15)
    window.view.pan_to(QPointF(-3000, -3000))


def assert_shown_legibly(window: MainWindow, node_id: str) -> None:
    assert window.scene.selected_ids() == [node_id]
    assert window.view.zoom() >= LEGIBLE_ZOOM
    centre = viewport_point(window, window.scene.nodes[node_id].pos())
    assert (centre - window.view.viewport_centre()).manhattanLength() <= 2
    if window.scene.nodes[node_id].kind == "stage":
        assert stage_fill_shown(window, node_id)


def test_an_outline_click_shows_the_element_legibly(window: MainWindow) -> None:
    far_and_small(window)
    outline = window.outline
    (row,) = [
        outline.topLevelItem(1).child(i)
        for i in range(outline.topLevelItem(1).childCount())
        if outline.topLevelItem(1).child(i).text(1) == "stakeholder-approvals"
    ]
    outline.scrollToItem(row)
    place = outline.visualItemRect(row).center()
    QTest.mouseClick(outline.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), place)
    assert_shown_legibly(window, "stakeholder-approvals")


def test_a_problem_row_click_shows_its_element_legibly(window: MainWindow) -> None:
    doc: Sop = window.editor.doc
    into = [e.id for e in doc.edges if e.target == "production" and e.kind == "promote"]
    window.editor.delete(into)  # production now starts a second promote path
    window.revalidate()
    problems = window.problems
    rows = [
        r
        for r in range(problems.rowCount())
        if problems.item(r, 0).data(Qt.ItemDataRole.UserRole) == "request"
    ]
    assert rows
    far_and_small(window)
    window.problems_dock.raise_()
    place = problems.visualItemRect(problems.item(rows[0], 2)).center()
    QTest.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), place)
    assert_shown_legibly(window, "request")
    window.editor.stack.setClean()


def test_showing_an_element_keeps_a_zoom_that_is_legible_already(window: MainWindow) -> None:
    window.view.set_zoom(1.5)
    window.select_element("request")
    assert window.view.zoom() == pytest.approx(1.5)
    assert_shown_legibly(window, "request")


def test_panning_keys_and_clicks_end_the_opening_view(window: MainWindow) -> None:
    """Once the user has moved the view, a resize no longer snaps it back."""
    window.view.set_zoom(1.7)
    window.resize(1200, 700)
    settle()
    assert window.view.zoom() == pytest.approx(1.7)


def test_visible_scene_rect_matches_what_the_viewport_shows(window: MainWindow) -> None:
    shown = window.view.visible_scene_rect()
    corner = viewport_point(window, shown.topLeft())
    assert abs(corner.x()) < 0.01 and abs(corner.y()) < 0.01
    assert QRect(window.view.viewport().rect()).size().width() == pytest.approx(
        shown.width() * window.view.zoom(), abs=0.01
    )
