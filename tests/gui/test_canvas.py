"""The canvas driven by the mouse and keyboard, as a user would, checked against the document."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from app.model.document import Sop
from app.model.io import dumps_document
from app.ui.canvas.items import GRID, NodeItem
from app.ui.canvas.scene import NODE_KIND_MIME
from app.ui.main_window import MainWindow
from tests.gui.viewing import wheel

LEFT = Qt.MouseButton.LeftButton
NO_KEYS = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def doc(small_doc: Sop) -> Sop:
    """The small SOP with every node placed apart: dev, gate, prod on a row, runbook below."""
    small_doc.move("revert", 190, 330)
    small_doc.move("verify", 0, 330)
    return small_doc


@pytest.fixture
def window(qtbot, doc: Sop, monkeypatch) -> MainWindow:
    # Closing with unsaved edits would ask; the patch outlives the window (autouse fixtures
    # set monkeypatch up first), so teardown discards instead of waiting for an answer.
    discard = QMessageBox.StandardButton.Discard
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *_args: discard))
    window = MainWindow(doc)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)  # let the queued fit-to-window run before fixing the zoom
    window.view.set_zoom(1.0)
    window.view.centerOn(190, 160)
    return window


def at(window: MainWindow, x: float, y: float) -> QPoint:
    """Viewport coordinates of a scene point."""
    return window.view.mapFromScene(QPointF(x, y))


def drag(window: MainWindow, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Press at ``start``, move in a few steps, release at ``end`` (scene coordinates)."""
    viewport = window.view.viewport()
    QTest.mousePress(viewport, LEFT, NO_KEYS, at(window, *start))
    steps = 5
    for step in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * step / steps
        y = start[1] + (end[1] - start[1]) * step / steps
        QTest.mouseMove(viewport, at(window, x, y))
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, at(window, *end))


def handle(window: MainWindow, node_id: str) -> tuple[float, float]:
    """A scene point inside the node's connection handle (and inside its outline)."""
    item = window.scene.nodes[node_id]
    centre = item.mapToScene(item.handle_rect().center())
    return centre.x() - 3, centre.y()


def position(window: MainWindow, node_id: str) -> tuple[float, float]:
    place = window.editor.doc.layout[node_id]
    return place.x, place.y


def drag_enter(point: QPointF, mime: QMimeData) -> QDragEnterEvent:
    rest = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, NO_KEYS)
    try:
        return QDragEnterEvent(point, *rest)  # Qt 6.12 takes a QPointF
    except TypeError:
        return QDragEnterEvent(point.toPoint(), *rest)


def drop_event(point: QPointF, mime: QMimeData) -> QDropEvent:
    return QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, NO_KEYS)


def undo_all(window: MainWindow) -> None:
    while window.editor.stack.canUndo():
        window.editor.stack.undo()


# -- the Qt bindings themselves -----------------------------------------------------------


def test_qt_calls_keep_none_alive(qapp) -> None:
    """PySide6 6.12.0 on CPython 3.11 drops a reference to None on every Qt call that
    returns nothing; the designer then aborts ("deallocating None") after a few thousand
    canvas updates (about 5,600 mouse moves while dragging a node). PySide6 6.11.3 is
    sound, and from CPython 3.12 on None is immortal."""
    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1.0)
    lost = before - sys.getrefcount(None)
    assert lost < 100, (
        f"these Qt bindings lose a reference to None per call ({lost} in 1000 calls): "
        "pin pyside6-essentials below 6.12 (or run on Python 3.12+)"
    )


# -- placing nodes ----------------------------------------------------------------------


def test_palette_click_then_canvas_click_places_a_stage(window: MainWindow) -> None:
    # given an armed palette
    before = {n.id for n in window.editor.doc.nodes}
    window.palette.kindChosen.emit("stage")
    # when the user clicks an empty spot of the canvas
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, 603, 397))
    # then one stage stands there (snapped to the grid), added in one undo step
    added = [n for n in window.editor.doc.nodes if n.id not in before]
    assert [n.kind for n in added] == ["stage"]
    assert position(window, added[0].id) == (600, 400)
    assert added[0].id in window.scene.nodes
    assert window.editor.stack.count() == 1
    assert window.scene.pending_kind is None


def test_dropping_a_palette_kind_places_that_node(window: MainWindow) -> None:
    # given a drag from the palette carrying a gate
    viewport = window.view.viewport()
    mime = QMimeData()
    mime.setData(NODE_KIND_MIME, b"gate")
    point = QPointF(at(window, 598, 402))
    enter = drag_enter(point, mime)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    # when it is dropped on the canvas
    QApplication.sendEvent(viewport, drop_event(point, mime))
    # then a gate stands at about that spot, in one undo step
    gates = [n for n in window.editor.doc.nodes if n.kind == "gate" and n.id != "gate"]
    assert len(gates) == 1
    assert position(window, gates[0].id) == (600, 400)
    assert window.editor.stack.count() == 1


def test_a_drop_of_something_else_adds_nothing(window: MainWindow) -> None:
    viewport = window.view.viewport()
    mime = QMimeData()
    mime.setText("stage")
    point = QPointF(at(window, 600, 400))
    QApplication.sendEvent(viewport, drag_enter(point, mime))
    QApplication.sendEvent(viewport, drop_event(point, mime))
    assert window.editor.stack.count() == 0
    assert len(window.editor.doc.nodes) == 6


# -- connecting -------------------------------------------------------------------------


def test_dragging_from_a_handle_to_a_node_connects_them(window: MainWindow) -> None:
    # given a stage and a trigger that nothing joins yet
    original = dumps_document(window.editor.doc)
    # when the user drags from the stage's handle onto the trigger
    drag(window, handle(window, "dev"), (380, 200))
    # then a monitor edge (the only kind a stage -> trigger edge can be) joins them
    edges = [e for e in window.editor.doc.edges if (e.source, e.target) == ("dev", "acc-drop")]
    assert [e.kind for e in edges] == ["monitor"]
    assert edges[0].id in window.scene.edges
    assert window.editor.stack.count() == 1
    undo_all(window)
    assert dumps_document(window.editor.doc) == original


def test_the_connection_line_follows_the_mouse_and_leaves_no_trace(window: MainWindow) -> None:
    viewport = window.view.viewport()
    items_before = len(window.scene.items())
    QTest.mousePress(viewport, LEFT, NO_KEYS, at(window, *handle(window, "dev")))
    QTest.mouseMove(viewport, at(window, 300, 150))
    assert len(window.scene.items()) == items_before + 1  # the dashed line
    QTest.mouseMove(viewport, at(window, 380, 200))
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, at(window, 600, 500))  # released on nothing
    assert len(window.scene.items()) == items_before
    assert window.editor.stack.count() == 0


def test_several_legal_kinds_offer_a_menu(window: MainWindow, qtbot) -> None:
    # given a new stage, and a user who picks the second entry of the popup menu
    window.editor.add_node("stage", (380, -200), "QA")
    offered: list[str] = []

    looks = iter(range(150))  # 3 s at most

    def answer() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):  # not shown yet (a busy machine): look again
            if next(looks, None) is not None:
                QTimer.singleShot(20, answer)
            return
        offered.extend(action.data() for action in menu.actions())
        menu.setActiveAction(menu.actions()[1])
        QTest.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(20, answer)
    QTimer.singleShot(3000, _close_popups)  # never hang if the menu did not show
    # when the user drags from the gate's handle onto it
    drag(window, handle(window, "gate"), (380, -200))
    # then both kinds were offered and the chosen one was drawn
    assert offered == ["promote", "reject"]
    assert [(e.source, e.kind) for e in window.editor.doc.edges if e.target == "qa"] == [
        ("gate", "reject")
    ]
    assert window.editor.stack.count() == 2


def _close_popups() -> None:
    while (popup := QApplication.activePopupWidget()) is not None:
        popup.close()


def test_dismissing_the_menu_draws_nothing(window: MainWindow, monkeypatch) -> None:
    window.editor.add_node("stage", (380, -200), "QA")
    asked: list[list[str]] = []
    monkeypatch.setattr(window.scene, "choose_kind", lambda kinds, _pos: asked.append(kinds))
    drag(window, handle(window, "gate"), (380, -200))
    assert asked == [["promote", "reject"]]
    assert not any(e.target == "qa" for e in window.editor.doc.edges)
    assert window.editor.stack.count() == 1  # only the added stage


def test_an_illegal_connection_is_refused_with_a_message(window: MainWindow, qtbot) -> None:
    # given two stages (nothing joins a stage to a stage)
    before = dumps_document(window.editor.doc)
    # when the user drags from one stage's handle onto the other
    with qtbot.waitSignal(window.scene.message, timeout=1000) as signal:
        drag(window, handle(window, "dev"), (380, 0))
    # then no edge was drawn, the status bar says why, and nothing raised
    assert "Cannot connect" in signal.args[0]
    assert "stage to a stage" in signal.args[0]
    assert dumps_document(window.editor.doc) == before
    assert window.editor.stack.count() == 0
    assert "Cannot connect" in window.statusBar().currentMessage()


# -- selecting, deleting, moving --------------------------------------------------------


def test_rubber_band_delete_removes_two_nodes_in_one_step(window: MainWindow, qtbot) -> None:
    # given the document as it was
    original = dumps_document(window.editor.doc)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    # when the user drags a rubber band around dev and gate, then presses Delete
    drag(window, (-100, -70), (280, 60))
    assert {"dev", "gate"} <= set(window.scene.selected_ids())
    assert not {"prod", "acc-drop"} & set(window.scene.selected_ids())
    QTest.keyClick(window.view.viewport(), Qt.Key.Key_Delete)
    # then both nodes and their edges are gone, in one undo step
    doc = window.editor.doc
    assert not doc.has_node("dev") and not doc.has_node("gate")
    assert not any({e.source, e.target} & {"dev", "gate"} for e in doc.edges)
    on_canvas = set(window.scene.nodes) | set(window.scene.edges)
    assert not {"dev", "gate", "dev-to-gate", "gate-reject"} & on_canvas
    assert window.editor.stack.count() == 1
    window.editor.stack.undo()
    assert dumps_document(doc) == original
    assert {"dev", "gate"} <= set(window.scene.nodes)
    assert {"dev-to-gate", "gate-reject", "gate-to-prod"} <= set(window.scene.edges)


def test_dragging_a_node_pushes_one_snapped_move_on_release(window: MainWindow) -> None:
    # given dev at (0, 0) and the edge from dev to the gate
    original = dumps_document(window.editor.doc)
    viewport = window.view.viewport()
    edge = window.scene.edges["dev-to-gate"]
    path_before = edge.path()
    # when the user drags dev by (33, 47) in several steps
    QTest.mousePress(viewport, LEFT, NO_KEYS, at(window, 0, 0))
    for step in range(1, 6):
        QTest.mouseMove(viewport, at(window, 33 * step / 5, 47 * step / 5))
    # then the item and its edge move live, with no command yet
    assert window.scene.nodes["dev"].pos() == QPointF(30, 50)
    assert edge.path() != path_before
    assert window.editor.stack.count() == 0
    assert position(window, "dev") == (0, 0)
    QTest.mouseRelease(viewport, LEFT, NO_KEYS, at(window, 33, 47))
    # and the release records exactly one Move, snapped to the grid
    assert window.editor.stack.count() == 1
    assert window.editor.stack.command(0).text() == "Move 'Development'"
    assert position(window, "dev") == (30, 50)
    assert all(v % GRID == 0 for v in position(window, "dev"))
    window.editor.stack.undo()
    assert dumps_document(window.editor.doc) == original
    assert window.scene.nodes["dev"].pos() == QPointF(0, 0)


def test_a_click_without_moving_pushes_nothing(window: MainWindow) -> None:
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, 0, 0))
    assert window.scene.selected_ids() == ["dev"]
    assert window.editor.stack.count() == 0


def test_a_session_of_mouse_edits_undoes_to_the_original_bytes(
    window: MainWindow, monkeypatch
) -> None:
    # given the original document, and a user who picks the first kind a menu offers
    original = dumps_document(window.editor.doc)
    monkeypatch.setattr(window.scene, "choose_kind", lambda kinds, _pos: kinds[0])
    # when the user places a stage, connects, moves and deletes with the mouse
    window.palette.kindChosen.emit("stage")
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, 600, 0))
    drag(window, handle(window, "dev"), (380, 200))  # monitor
    drag(window, (380, 200), (420, 260))  # move the trigger
    drag(window, handle(window, "gate"), (600, 0))  # promote or reject: menu
    window.scene.select_ids(["verify"])
    window.delete_selection()
    assert window.editor.stack.count() >= 4
    # then undoing everything gives back the very same bytes
    undo_all(window)
    assert dumps_document(window.editor.doc) == original
    assert set(window.scene.nodes) == {n.id for n in window.editor.doc.nodes}
    assert set(window.scene.edges) == {e.id for e in window.editor.doc.edges}


# -- validation badges and the Problems panel -------------------------------------------


def test_breaking_a_rule_badges_the_node_until_undone(window: MainWindow) -> None:
    # given a valid document: no badges
    window.revalidate()
    assert all(item.problem is None for item in window.scene.nodes.values())
    # when the gate's reject edge is removed and validation runs
    window.editor.delete(["gate-reject"])
    window.revalidate()
    # then the gate carries an error badge that names the rule's problem
    gate = window.scene.nodes["gate"]
    assert gate.problem == "error"
    assert "no reject path" in gate.toolTip()
    assert [d.rule for d in window.diagnostics] == ["gate-has-reject-path"]
    # and undo clears it again
    window.editor.stack.undo()
    window.revalidate()
    assert gate.problem is None


def test_badges_follow_edits_after_the_debounce(window: MainWindow, qtbot) -> None:
    window.editor.delete(["gate-reject"])
    qtbot.waitUntil(lambda: window.scene.nodes["gate"].problem == "error", timeout=2000)
    assert window.problems.rowCount() == 1
    window.editor.stack.undo()
    qtbot.waitUntil(lambda: window.scene.nodes["gate"].problem is None, timeout=2000)
    assert window.problems.rowCount() == 0


def test_clicking_a_problem_selects_and_centres_its_element(window: MainWindow, qtbot) -> None:
    # given a problem on the gate, and the view looking far away
    window.editor.delete(["gate-reject"])
    window.revalidate()
    window.view.centerOn(1500, 1500)
    # when the user clicks the problem's row
    table = window.problems
    cell = table.visualItemRect(table.item(0, 2)).center()
    QTest.mouseClick(table.viewport(), LEFT, NO_KEYS, cell)
    # then the gate is selected and in the middle of the view
    assert window.scene.selected_ids() == ["gate"]
    middle = window.view.mapToScene(window.view.viewport().rect().center())
    gate = window.scene.nodes["gate"].pos()
    assert abs(middle.x() - gate.x()) < 2 and abs(middle.y() - gate.y()) < 2


# -- zoom -------------------------------------------------------------------------------


def test_zoom_keys_change_the_zoom(window: MainWindow, qtbot) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.view.setFocus()
    QTest.keySequence(window.view, QKeySequence(QKeySequence.StandardKey.ZoomIn))
    assert window.view.zoom() == pytest.approx(1.2)
    QTest.keySequence(window.view, QKeySequence(QKeySequence.StandardKey.ZoomOut))
    QTest.keySequence(window.view, QKeySequence(QKeySequence.StandardKey.ZoomOut))
    assert window.view.zoom() == pytest.approx(1 / 1.2)
    QTest.keySequence(window.view, QKeySequence("Ctrl+0"))
    assert window.view.zoom() == pytest.approx(1.0)
    assert window.zoom_label.text() == "100%"


def test_ctrl_wheel_zooms_and_a_plain_wheel_scrolls(window: MainWindow) -> None:
    wheel(window, 1, Qt.KeyboardModifier.ControlModifier)
    assert window.view.zoom() == pytest.approx(1.15)
    wheel(window, -1, Qt.KeyboardModifier.ControlModifier)
    wheel(window, -1, Qt.KeyboardModifier.ControlModifier)
    assert window.view.zoom() == pytest.approx(1 / 1.15)
    scrolled = window.view.verticalScrollBar().value()
    wheel(window, -1, NO_KEYS)
    assert window.view.zoom() == pytest.approx(1 / 1.15)
    assert window.view.verticalScrollBar().value() != scrolled


def test_zoom_stays_within_its_bounds(window: MainWindow) -> None:
    for _ in range(60):
        window.view.zoom_by(1.5)
    assert window.view.zoom() == pytest.approx(4.0)
    for _ in range(60):
        window.view.zoom_by(0.5)
    assert window.view.zoom() == pytest.approx(0.1)


def test_select_all_cut_and_paste_round_trip(window: MainWindow) -> None:
    original = dumps_document(window.editor.doc)
    window.select_all()
    assert set(window.scene.selected_ids()) == {n.id for n in window.editor.doc.nodes} | {
        e.id for e in window.editor.doc.edges
    }
    window.cut()
    assert window.editor.doc.nodes == []
    window.paste()
    assert len(window.editor.doc.nodes) == 6
    assert len(window.editor.doc.edges) == 7
    assert set(window.scene.nodes) == {n.id for n in window.editor.doc.nodes}
    assert all(isinstance(item, NodeItem) for item in window.scene.nodes.values())
    undo_all(window)
    assert dumps_document(window.editor.doc) == original


def test_off_grid_positions_show_as_they_are_and_a_click_moves_nothing(
    window: MainWindow,
) -> None:
    # given a node the document places off the grid (Graphviz layouts, hand-edited files)
    window.editor.move({"prod": (384.8, 3.2)})
    item = window.scene.nodes["prod"]
    # then the canvas shows it exactly there
    assert (item.pos().x(), item.pos().y()) == (384.8, 3.2)
    # and clicking it records no move
    QTest.mouseClick(window.view.viewport(), LEFT, NO_KEYS, at(window, 384.8, 3.2))
    assert window.scene.selected_ids() == ["prod"]
    assert window.editor.stack.count() == 1
    # while dragging it lands on the grid
    drag(window, (384.8, 3.2), (420, 40))
    assert position(window, "prod") == (420, 40)
