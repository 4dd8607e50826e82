"""Append (the context pad of bpmn-js): a connected node added from the selected one."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu

from app.model.connections import append_choices
from app.model.edges import edge_kinds_between
from app.model.io import dumps_document
from app.model.nodes import NODE_KINDS
from app.ui.append import append_node
from app.ui.main_window import MainWindow

CONTROL = Qt.KeyboardModifier.ControlModifier


def _close_popups() -> None:
    while (popup := QApplication.activePopupWidget()) is not None:
        popup.close()


def _answer_popup(keys: str, seen: list[list[str]]) -> None:
    """Once a pop-up menu shows, note its entries and type ``keys`` into it."""

    def answer() -> None:
        menu = QApplication.activePopupWidget()
        if not isinstance(menu, QMenu):
            return
        seen.append([a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()])
        QTest.keyClicks(menu, keys)

    QTimer.singleShot(50, answer)
    QTimer.singleShot(3000, _close_popups)  # never hang when no menu showed


def _focused_name() -> QLineEdit | None:
    focused = QApplication.focusWidget()
    if isinstance(focused, QLineEdit) and focused.accessibleName() == "Name":
        return focused
    return None


def _keyboard_back(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """After a pop-up menu: the window's focus is in the Name field. The offscreen platform
    may leave the closed menu as the active window (a window manager gives activation
    back), so the window is activated again before typing, as a person's would be."""
    focused = window.focusWidget()
    assert isinstance(focused, QLineEdit) and focused.accessibleName() == "Name"
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitActive(window)
    qtbot.waitUntil(lambda: _focused_name() is focused)


def _submenu_action(window: MainWindow, kind: str):  # type: ignore[no-untyped-def]
    submenu = window.append.submenu
    submenu.aboutToShow.emit()  # as when the user opens it
    for action in submenu.actions():
        if action.data() == kind:
            return action
    raise AssertionError(f"no Insert › Append › {kind}")


def test_offered_kinds_are_the_connection_rules(blank: MainWindow) -> None:
    for source_kind in NODE_KINDS:
        offered = dict(append_choices(source_kind))
        for target_kind in NODE_KINDS:
            kinds = edge_kinds_between(source_kind, target_kind)
            assert offered.get(target_kind) == (kinds[0] if kinds else None)
    assert append_choices("stage") == [("gate", "promote"), ("trigger", "monitor")]
    assert append_choices("gate") == [("stage", "promote")]
    assert ("action", "rollback") in append_choices("trigger")
    # After a check come more checks, review steps (002 step 7) or the target stage; after
    # an action, the target stage too (the last review step leads there).
    assert append_choices("action") == [("stage", "next"), ("action", "next"), ("check", "next")]
    assert append_choices("check") == [("stage", "next"), ("action", "next"), ("check", "next")]
    # and the menu enables exactly those
    stage = blank.editor.add_node("stage", (0, 0), "Staging")
    blank.scene.select_ids([stage])
    enabled = {a.data() for a in blank.append.submenu.actions() if a.isEnabled()}
    _submenu_action(blank, "gate")
    enabled = {a.data() for a in blank.append.submenu.actions() if a.isEnabled()}
    assert enabled == {"gate", "trigger"}


def test_append_then_type_the_name(blank: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    stage = blank.editor.add_node("stage", (0, 0), "Staging")
    blank.scene.select_ids([stage])
    depth = blank.editor.stack.count()
    _submenu_action(blank, "gate").trigger()
    (gate,) = blank.scene.selected_ids()
    doc = blank.editor.doc
    assert doc.node(gate).kind == "gate"
    assert [(e.source, e.target, e.kind) for e in doc.edges] == [(stage, gate, "promote")]
    assert blank.editor.stack.count() == depth + 1  # one undoable step
    # placed to the right, clear of the source
    assert doc.layout[gate].x > doc.layout[stage].x + 150 and doc.layout[gate].y == 0
    # the keyboard is in the new node's name, its text selected: typing replaces it
    focused = QApplication.focusWidget()
    assert isinstance(focused, QLineEdit) and focused.accessibleName() == "Name"
    assert focused.selectedText() == doc.node(gate).name
    QTest.keyClicks(QApplication.focusWidget(), "Risk review")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert blank.editor.doc.node(gate).name == "Risk review"
    assert blank.scene.nodes[gate].name == "Risk review"  # drawn as typed
    blank.editor.stack.undo()  # the name
    blank.editor.stack.undo()  # the append, node and edge together
    assert blank.editor.doc.edges == [] and [n.id for n in blank.editor.doc.nodes] == [stage]


def test_ctrl_e_offers_what_may_follow_at_the_node(blank: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    stage = blank.editor.add_node("stage", (0, 0), "Production")
    blank.scene.select_ids([stage])
    blank.view.setFocus()
    seen: list[list[str]] = []
    _answer_popup("t", seen)  # Append &Trigger
    QTest.keyClick(blank.view, Qt.Key.Key_E, CONTROL)
    assert seen == [["Append Gate", "Append Trigger"]]
    (trigger,) = blank.scene.selected_ids()
    doc = blank.editor.doc
    assert doc.node(trigger).kind == "trigger"
    assert [(e.source, e.kind) for e in doc.edges] == [(stage, "monitor")]
    assert doc.layout[trigger].y > doc.layout[stage].y + 56  # a monitor goes below
    _keyboard_back(blank, qtbot)
    QTest.keyClicks(QApplication.focusWidget(), "Accuracy drop")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter)
    assert blank.editor.doc.node(trigger).name == "Accuracy drop"


def test_appended_nodes_skip_occupied_places(blank: MainWindow) -> None:
    stage = blank.editor.add_node("stage", (0, 0), "Staging")
    made = []
    for _ in range(3):
        made.append(append_node(blank, "gate", stage))
    boxes = [blank.scene.nodes[i].sceneBoundingRect() for i in (stage, *made)]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert len({blank.editor.doc.layout[i].y for i in made}) == 3  # stacked below each other


def test_a_kind_that_cannot_follow_is_refused_with_the_reason(blank: MainWindow) -> None:
    check = blank.editor.add_node("check", (0, 0), "Verify")
    before = dumps_document(blank.editor.doc)
    assert append_node(blank, "gate", check) is None
    assert "A gate cannot follow a check; stage, action, check can" in (
        blank.statusBar().currentMessage()
    )
    assert dumps_document(blank.editor.doc) == before


def test_the_plus_button_and_right_click_offer_append(blank: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    trigger = blank.editor.add_node("trigger", (0, 0), "Latency")
    blank.scene.select_ids([trigger])
    button = blank.append.button
    assert button is not None and button.isVisible()
    # a real click on the button, where it is drawn
    view = blank.view
    view.centerOn(blank.scene.nodes[trigger])
    centre = button.mapToScene(button.boundingRect().center())
    at = view.mapFromScene(centre)
    seen: list[list[str]] = []
    _answer_popup("a", seen)  # Append &Action
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier(0), at)
    assert seen == [["Append Stage", "Append Action"]]
    (action,) = blank.scene.selected_ids()
    assert blank.editor.doc.node(action).kind == "action"
    _keyboard_back(blank, qtbot)
    assert [(e.source, e.target, e.kind) for e in blank.editor.doc.edges] == [
        (trigger, action, "rollback")
    ]
    # right-click on the action: it offers the next step
    node = blank.scene.nodes[action]
    view.centerOn(node)
    where = view.mapFromScene(node.pos())
    seen.clear()
    _answer_popup("h", seen)  # Append C&heck
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, where, view.viewport().mapToGlobal(where)
    )
    QApplication.sendEvent(view.viewport(), event)
    assert seen[0][:3] == ["Append Stage", "Append Action", "Append Check"]
    kinds = [(blank.editor.doc.node(e.target).kind, e.kind) for e in blank.editor.doc.edges]
    assert kinds[-1] == ("check", "next")


def test_the_button_follows_the_selection_and_survives_a_new_document(
    blank: MainWindow,
) -> None:
    stage = blank.editor.add_node("stage", (0, 0), "Staging")
    gate = blank.editor.add_node("gate", (300, 0), "Gate")
    blank.scene.select_ids([stage, gate])
    assert blank.append.button is None or not blank.append.button.isVisible()
    blank.scene.select_ids([gate])
    assert blank.append.button.parentItem() is blank.scene.nodes[gate]
    blank.editor.delete([gate])
    blank.files.new_blank()
    stage = blank.editor.add_node("stage", (0, 0), "Again")
    blank.scene.select_ids([stage])
    assert blank.append.button.isVisible()
    assert blank.append.button.parentItem() is blank.scene.nodes[stage]


def test_append_is_locked_in_simulation(blank: MainWindow) -> None:
    stage = blank.editor.add_node("stage", (0, 0), "Staging")
    blank.scene.select_ids([stage])
    blank.set_editing_locked(True)
    try:
        assert append_node(blank, "gate", stage) is None
        assert not blank.append.action.isEnabled()
    finally:
        blank.set_editing_locked(False)
    assert len(blank.editor.doc.nodes) == 1
