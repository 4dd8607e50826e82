"""The canvas under the mouse: the connect handle, drops that would cover a node, what is
selected after a connection, how a refusal reads, and the palette's one-click placement."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QPointF, QRect
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.model.document import Sop
from app.ui.main_window import MainWindow
from tests.gui.seen import LEFT, NO_KEYS


@pytest.fixture
def window(qtbot, small_doc: Sop, monkeypatch) -> MainWindow:
    """The small SOP, nodes apart (dev, gate, prod on a row, the runbook below), at 100%."""
    small_doc.move("revert", 190, 330)
    small_doc.move("verify", 0, 330)
    discard = QMessageBox.StandardButton.Discard
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_args: discard))
    made = MainWindow(small_doc)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    qtbot.wait(20)  # the queued fit runs first
    made.view.set_zoom(1.0)
    made.view.centerOn(190, 160)
    return made


def at(window: MainWindow, point: QPointF) -> QPoint:
    return window.view.mapFromScene(point)


def drag(
    window: MainWindow, start: QPointF, end: QPointF, hover_from: QPointF | None = None
) -> None:
    """Move there (over ``hover_from`` first, as a hand does), press, drag, release."""
    viewport = window.view.viewport()
    if hover_from is not None:
        QTest.mouseMove(viewport, at(window, hover_from))
    QTest.mouseMove(viewport, at(window, start))
    QTest.mousePress(viewport, LEFT, NO_KEYS, at(window, start))
    for step in range(1, 6):
        QTest.mouseMove(viewport, at(window, start + (end - start) * step / 5))
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, at(window, end))


def handle_centre(window: MainWindow, node_id: str) -> QPointF:
    item = window.scene.nodes[node_id]
    return item.mapToScene(item.handle_rect().center())


def monitors(window: MainWindow) -> list[tuple[str, str]]:
    return [(e.source, e.target) for e in window.editor.doc.edges if e.kind == "monitor"]


# -- the connect handle --------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset",
    [QPointF(0, 0), QPointF(6, 0), QPointF(4, -5), QPointF(0, 7)],
    ids=["centre", "outer edge", "outer top", "below"],
)
def test_the_whole_handle_circle_starts_a_connection(window: MainWindow, offset) -> None:  # type: ignore[no-untyped-def]
    # given the pointer coming onto dev's handle from inside the node
    dev = window.scene.nodes["dev"]
    handle = handle_centre(window, "dev")
    # when the user presses anywhere on the circle (half of it lies outside the node) and
    # drags onto the trigger
    drag(window, handle + offset, QPointF(380, 200), hover_from=dev.pos())
    # then dev now watches... no: a stage is watched by the trigger (monitor), dev did not move
    assert ("dev", "acc-drop") in monitors(window)
    assert dev.pos() == QPointF(0, 0)


def test_pressing_the_node_beside_the_handle_still_drags_the_node(window: MainWindow) -> None:
    dev = window.scene.nodes["dev"]
    drag(window, QPointF(40, 10), QPointF(40, 110), hover_from=dev.pos())
    assert window.editor.doc.layout["dev"].y == 100
    assert ("dev", "acc-drop") not in monitors(window)


def _ink_near(window: MainWindow, centre: QPointF) -> int:
    """Pixels that are not paper in the 14 px right of the handle's centre (outside dev)."""
    image = window.view.viewport().grab().toImage()
    paper = window.scene.backgroundBrush().color()
    spot = at(window, centre)
    return sum(
        image.pixelColor(spot.x() + dx, spot.y() + dy) != paper
        for dx in range(2, 14)
        for dy in range(-13, 14)
    )


def test_the_handle_grows_under_the_pointer(window: MainWindow) -> None:
    viewport = window.view.viewport()
    dev = window.scene.nodes["dev"]
    handle = handle_centre(window, "dev")
    QTest.mouseMove(viewport, at(window, dev.pos()))
    QApplication.processEvents()
    small = _ink_near(window, handle)
    QTest.mouseMove(viewport, at(window, handle + QPointF(-2, 0)))
    QApplication.processEvents()
    large = _ink_near(window, handle)
    assert small > 0  # the handle shows while the pointer is over the node
    assert large > small * 1.3


# -- dropping a node on another ------------------------------------------------------------


def test_a_node_dropped_on_another_lands_at_the_nearest_free_place(window: MainWindow) -> None:
    # when prod is dragged right onto the gate
    drag(window, QPointF(380, 0), QPointF(200, 10))
    # then prod stands beside the gate, covering nothing, in one undoable move
    prod, gate = window.scene.nodes["prod"], window.scene.nodes["gate"]
    assert not prod.sceneBoundingRect().isEmpty()
    assert not prod.scene_rect().intersects(gate.scene_rect())
    for other in window.scene.nodes.values():
        if other is not prod:
            assert not prod.scene_rect().intersects(other.scene_rect()), other.node_id
    assert window.editor.stack.count() == 1
    here = prod.pos()
    assert (here - QPointF(200, 10)).manhattanLength() < 200  # near where it was dropped
    assert "nearest free place" in window.statusBar().currentMessage()
    window.editor.stack.undo()
    assert prod.pos() == QPointF(380, 0)


def test_a_drop_clear_of_other_nodes_stays_where_it_was_dropped(window: MainWindow) -> None:
    drag(window, QPointF(380, 0), QPointF(600, 0))
    assert window.editor.doc.layout["prod"].x == 600


# -- after connecting, and when a connection is refused ------------------------------------


def test_after_a_connection_only_its_target_is_selected(window: MainWindow) -> None:
    window.scene.select_ids(["gate", "prod"])
    drag(window, handle_centre(window, "dev"), QPointF(380, 200), hover_from=QPointF(0, 0))
    assert ("dev", "acc-drop") in monitors(window)
    assert window.scene.selected_ids() == ["acc-drop"]


def test_a_refused_connection_says_why_in_one_short_sentence(window: MainWindow) -> None:
    before = len(window.editor.doc.edges)
    drag(window, handle_centre(window, "dev"), QPointF(380, 0), hover_from=QPointF(0, 0))
    message = window.statusBar().currentMessage()
    assert len(window.editor.doc.edges) == before
    assert message == (
        "Cannot connect a stage to a stage: a stage leads only to a gate or a trigger."
    )
    assert len(message) <= 100 and message.count(".") == 1 and "->" not in message
    # and an existing connection is refused by name
    drag(window, handle_centre(window, "dev"), QPointF(190, 0), hover_from=QPointF(0, 0))
    assert window.statusBar().currentMessage() == (
        "Cannot connect: 'Development' already leads to 'Release gate'."
    )


# -- the palette ---------------------------------------------------------------------------


def _highlighted(window: MainWindow, row: QRect) -> int:
    """Pixels of the palette's selection colour in ``row`` of the grabbed palette."""
    palette = window.palette
    image = palette.viewport().grab().toImage()
    highlight = palette.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    inactive = palette.palette().color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight)
    return sum(
        image.pixelColor(x, y) in (highlight, inactive)
        for x in range(row.left(), row.right(), 2)
        for y in range(row.top(), row.bottom(), 2)
    )


def test_a_palette_click_places_one_node_selected_and_the_entry_lets_go(
    window: MainWindow,
) -> None:
    palette = window.palette
    entry = palette.item(0)  # stage
    row = palette.visualItemRect(entry)
    before = {n.id for n in window.editor.doc.nodes}
    # when the user clicks the palette's Stage entry
    QTest.mouseClick(palette.viewport(), LEFT, NO_KEYS, row.center())
    assert _highlighted(window, row) > 0  # chosen: the entry says a click will place it
    # and then an empty spot of the canvas
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, QPointF(600, 400)))
    # then one stage stands there, selected, and the entry no longer looks chosen
    added = [n.id for n in window.editor.doc.nodes if n.id not in before]
    assert len(added) == 1 and window.editor.doc.node(added[0]).kind == "stage"
    assert window.scene.selected_ids() == added
    assert palette.selectedItems() == []
    assert _highlighted(window, row) == 0
    # and a second click on the canvas places nothing more
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, QPointF(800, 400)))
    assert len(window.editor.doc.nodes) == len(before) + 1


def test_a_palette_kind_dropped_on_a_node_goes_beside_it(window: MainWindow) -> None:
    window.palette.kindChosen.emit("gate")
    # a click on the gate itself selects the gate; one just beside its tip places a node
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, QPointF(270, 30)))
    added = [n for n in window.editor.doc.nodes if n.kind == "gate" and n.id != "gate"]
    assert len(added) == 1
    placed = window.scene.nodes[added[0].id]
    for other in window.scene.nodes.values():
        if other is not placed:
            assert not placed.scene_rect().intersects(other.scene_rect()), other.node_id


def test_a_palette_kind_dragged_onto_a_node_lands_beside_it(window: MainWindow) -> None:
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QDropEvent

    from app.ui.canvas.scene import NODE_KIND_MIME
    from tests.gui.test_canvas import drag_enter, drop_event

    viewport = window.view.viewport()
    for kind, expected in ((b"stage", 1), (b"\xff<b>nonsense</b>", 0)):
        mime = QMimeData()
        mime.setData(NODE_KIND_MIME, kind)
        point = QPointF(at(window, QPointF(380, 0)))  # right on prod
        QApplication.sendEvent(viewport, drag_enter(point, mime))
        drop: QDropEvent = drop_event(point, mime)
        before = len(window.editor.doc.nodes)
        QApplication.sendEvent(viewport, drop)
        assert len(window.editor.doc.nodes) == before + expected
    added = window.scene.nodes[window.scene.selected_ids()[0]]
    assert added.kind == "stage"
    for other in window.scene.nodes.values():
        if other is not added:
            assert not added.scene_rect().intersects(other.scene_rect()), other.node_id
    assert "not a kind of node" in window.statusBar().currentMessage()
