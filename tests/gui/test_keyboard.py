"""Editing without a mouse: Insert menu, palette Enter, arrow-key moves, Connect dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLineEdit,
)

from app.model.document import new_document
from app.model.io import dumps_document
from app.ui.dialogs.connect import ConnectDialog
from app.ui.insert_menu import connect_selection, insert_node
from app.ui.main_window import MainWindow
from app.validate.diagnostics import Diagnostic


@pytest.fixture
def blank(qtbot):  # type: ignore[no-untyped-def]
    made = MainWindow(new_document())
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    yield made
    made.editor.stack.setClean()


def _action(window: MainWindow, text: str):  # type: ignore[no-untyped-def]
    for action in window.insert_menu.actions():
        if action.text().replace("&", "") == text:
            return action
    raise AssertionError(f"no Insert › {text}")


def _position(window: MainWindow, node_id: str) -> tuple[float, float]:
    place = window.editor.doc.layout[node_id]
    return place.x, place.y


def _key(widget, key: Qt.Key, kind: QEvent.Type, repeat: bool = False, shift: bool = False):  # type: ignore[no-untyped-def]
    modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(widget, QKeyEvent(kind, key, modifiers, "", repeat))


def test_insert_menu_has_a_shortcut_for_each_kind_and_connect(blank: MainWindow) -> None:
    shortcuts = {
        action.text().replace("&", ""): action.shortcut().toString()
        for action in blank.insert_menu.actions()
        if not action.isSeparator()
    }
    assert shortcuts == {
        "Stage": "Ctrl+1",
        "Gate": "Ctrl+2",
        "Trigger": "Ctrl+3",
        "Action": "Ctrl+4",
        "Check": "Ctrl+5",
        "Connect…": "Ctrl+K",
        "Append to selection": "",
        "Append next…": "Ctrl+E",
    }


def test_inserted_nodes_go_beside_the_selection_and_never_on_another(blank: MainWindow) -> None:
    _action(blank, "Stage").trigger()
    (stage,) = blank.scene.selected_ids()
    assert blank.editor.doc.node(stage).kind == "stage"
    assert blank.view.hasFocus() or not blank.isActiveWindow()
    _action(blank, "Gate").trigger()  # beside the selected stage
    (gate,) = blank.scene.selected_ids()
    stage_x, stage_y = _position(blank, stage)
    gate_x, gate_y = _position(blank, gate)
    assert gate_x > stage_x + 150 and gate_y == stage_y
    blank.scene.select_ids([stage])
    _action(blank, "Check").trigger()  # beside the stage again: the gate is there, so below
    (check,) = blank.scene.selected_ids()
    check_x, check_y = _position(blank, check)
    assert check_x > stage_x + 150 and check_y > gate_y + 60
    boxes = [blank.scene.nodes[i].sceneBoundingRect() for i in (stage, gate, check)]
    assert not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert blank.editor.stack.count() == 3  # one undoable step each
    for _ in range(3):
        blank.editor.stack.undo()
    assert blank.editor.doc.nodes == []


def test_palette_enter_inserts_and_a_click_only_arms(blank: MainWindow) -> None:
    palette = blank.palette
    palette.setCurrentRow(1)  # gate
    QTest.keyClick(palette, Qt.Key.Key_Return)
    assert [n.kind for n in blank.editor.doc.nodes] == ["gate"]
    item = palette.item(0)
    QTest.mouseClick(
        palette.viewport(), Qt.MouseButton.LeftButton, pos=palette.visualItemRect(item).center()
    )
    assert blank.scene.pending_kind == "stage"
    assert len(blank.editor.doc.nodes) == 1  # placed by the next click on the canvas


def test_arrow_keys_move_the_selection_as_one_step_per_press(window: MainWindow) -> None:
    before = dumps_document(window.editor.doc)
    node = window.editor.doc.nodes[0].id
    x, y = _position(window, node)
    window.scene.select_ids([node])
    view, depth = window.view, window.editor.stack.count()
    _key(view, Qt.Key.Key_Right, QEvent.Type.KeyPress)
    _key(view, Qt.Key.Key_Right, QEvent.Type.KeyRelease, repeat=True)  # held: auto-repeat
    _key(view, Qt.Key.Key_Right, QEvent.Type.KeyPress, repeat=True)
    _key(view, Qt.Key.Key_Right, QEvent.Type.KeyRelease)
    assert _position(window, node) == (x + 20, y)
    assert window.editor.stack.count() == depth + 1  # held key: one move, as a drag
    _key(view, Qt.Key.Key_Up, QEvent.Type.KeyPress, shift=True)
    _key(view, Qt.Key.Key_Up, QEvent.Type.KeyRelease, shift=True)
    assert _position(window, node) == (x + 20, y - 100)  # Shift: ten grid steps
    window.editor.stack.undo()
    window.editor.stack.undo()
    assert dumps_document(window.editor.doc) == before


def test_arrow_keys_without_a_selection_change_nothing(window: MainWindow) -> None:
    window.scene.clearSelection()
    before = dumps_document(window.editor.doc)
    QTest.keyClick(window.view, Qt.Key.Key_Left)
    assert dumps_document(window.editor.doc) == before
    assert window.editor.stack.count() == 0


def test_a_nudge_is_recorded_when_focus_leaves_before_the_key_is_released(
    window: MainWindow,
) -> None:
    node = window.editor.doc.nodes[0].id
    x, y = _position(window, node)
    window.scene.select_ids([node])
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyPress)
    QApplication.sendEvent(
        window.view, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason)
    )
    assert _position(window, node) == (x, y + 10)


def test_connect_dialog_lists_allowed_targets_first_and_says_why_not(blank: MainWindow) -> None:
    editor = blank.editor
    dev = editor.add_node("stage", (0, 0), "Development")
    gate = editor.add_node("gate", (200, 0), "Validation gate")
    prod = editor.add_node("stage", (400, 0), "Production")
    dialog = ConnectDialog(editor, dev, blank)
    rows = [dialog.targets.item(i).text() for i in range(dialog.targets.count())]
    assert rows[0].startswith("Validation gate")  # the one a stage may connect to
    assert dialog.chosen() == (gate, "promote")
    dialog.filter.setText("prod")
    assert dialog.targets.currentItem().text().startswith("Production")
    assert dialog.chosen() is None  # a stage cannot promote straight to a stage
    assert dialog.reason.text().startswith("Cannot connect: ")
    assert dialog.reason.text() == "Cannot connect: " + editor.why_not(dev, prod)
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.filter.setText("no such node")
    assert dialog.chosen() is None and "No node matches" in dialog.reason.text()
    dialog.deleteLater()


def test_connect_through_the_menu_is_one_undoable_step(
    blank: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = blank.editor
    dev = editor.add_node("stage", (0, 0), "Development")
    gate = editor.add_node("gate", (200, 0), "Validation gate")

    def pick_gate(dialog: ConnectDialog) -> int:
        dialog.filter.setText("validation")
        QTest.keyClick(dialog.filter, Qt.Key.Key_Down)  # the list follows from the filter
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(ConnectDialog, "exec", pick_gate)
    assert connect_selection(blank) is None  # nothing selected: a hint, no dialog
    assert "Select the one node" in blank.statusBar().currentMessage()
    blank.scene.select_ids([dev])
    depth = editor.stack.count()
    edge = connect_selection(blank)
    assert edge is not None
    made = editor.doc.edge(edge)
    assert (made.source, made.target, made.kind) == (dev, gate, "promote")
    assert blank.scene.selected_ids() == [gate]  # the next insert or connect goes on from it
    assert editor.stack.count() == depth + 1
    editor.stack.undo()
    assert not editor.doc.has_edge(edge)


def test_locked_editing_disables_the_insert_menu(blank: MainWindow) -> None:
    blank.set_editing_locked(True)
    assert not any(a.isEnabled() for a in blank.insert_menu.actions() if not a.isSeparator())
    assert insert_node(blank, "stage") is None
    assert blank.editor.doc.nodes == []
    blank.set_editing_locked(False)
    assert _action(blank, "Stage").isEnabled()


def test_a_stage_gate_stage_chain_by_keyboard_alone(
    blank: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Shortcuts reach the window: add, connect with Ctrl+K and Enter, undo all."""
    blank.activateWindow()
    qtbot.waitActive(blank)
    control = Qt.KeyboardModifier.ControlModifier

    def press_enter(dialog: ConnectDialog) -> int:
        dialog.show()
        QTest.keyClick(dialog.targets, Qt.Key.Key_Return)  # the first allowed target
        return dialog.result()

    monkeypatch.setattr(ConnectDialog, "exec", press_enter)
    QTest.keyClick(blank.view, Qt.Key.Key_1, control)
    (development,) = blank.scene.selected_ids()
    QTest.keyClick(blank.view, Qt.Key.Key_2, control)  # beside it, and now selected
    (gate,) = blank.scene.selected_ids()
    blank.scene.select_ids([development])
    QTest.keyClick(blank.view, Qt.Key.Key_K, control)
    edges = blank.editor.doc.edges
    assert [(e.source, e.target, e.kind) for e in edges] == [(development, gate, "promote")]
    assert blank.editor.stack.count() == 3
    while blank.editor.stack.canUndo():
        blank.editor.stack.undo()
    assert dumps_document(blank.editor.doc) == dumps_document(new_document())


def test_f2_puts_the_keyboard_in_the_name_field(blank: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    blank.activateWindow()
    qtbot.waitActive(blank)
    blank.edit_name()
    assert "Select one element" in blank.statusBar().currentMessage()
    node = insert_node(blank, "gate")
    assert node is not None
    (action,) = [a for a in blank.edit_menu.actions() if a.shortcut().toString() == "F2"]
    action.trigger()
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit) and field.accessibleName() == "Name"
    assert field.selectedText() == blank.editor.doc.node(node).name  # typed over
    depth = blank.editor.stack.count()
    QTest.keyClicks(field, "Model card review")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert blank.editor.doc.node(node).name == "Model card review"
    assert blank.editor.stack.count() == depth + 1


def test_a_gate_back_to_a_stage_it_came_from_defaults_to_reject(blank: MainWindow) -> None:
    editor = blank.editor
    dev = editor.add_node("stage", (0, 0), "Development")
    gate = editor.add_node("gate", (200, 0), "Validation gate")
    prod = editor.add_node("stage", (400, 0), "Production")
    editor.connect(dev, gate, "promote")
    dialog = ConnectDialog(editor, gate, blank)
    dialog.filter.setText("development")
    assert dialog.chosen() == (dev, "reject")  # promote would close a loop
    dialog.filter.setText("production")
    assert dialog.chosen() == (prod, "promote")
    dialog.deleteLater()


def test_escape_select_none_and_the_outline_reach_the_document_settings(
    window: MainWindow,
) -> None:
    node = window.editor.doc.nodes[0].id
    window.select_element(node)
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.scene.selected_ids() == []
    assert window.inspector.form is not None and window.inspector.key == ("document",)
    window.select_element(node)
    (none,) = [a for a in window.edit_menu.actions() if a.text() == "Select n&one"]
    assert none.shortcut().toString() == "Ctrl+Shift+A"
    none.trigger()
    assert window.scene.selected_ids() == []
    window.select_element(node)
    outline = window.outline
    assert outline.topLevelItem(0) is outline.document_item
    assert outline.document_item.text(0) == window.editor.doc.title
    outline.setCurrentItem(outline.document_item)
    assert window.scene.selected_ids() == [] and window.inspector.key == ("document",)
    window.scene.pending_kind = "gate"
    QTest.keyClick(window.view, Qt.Key.Key_Escape)  # also drops a palette kind not yet placed
    assert window.scene.pending_kind is None


def test_problems_panel_tab_leaves_and_enter_opens(window: MainWindow) -> None:
    problems = window.problems
    assert not problems.tabKeyNavigation()
    problems.show_diagnostics(
        [Diagnostic("gate-has-reject-path", "error", "no reject", elements=("staging-gate",))]
    )
    problems.setCurrentCell(0, 2)
    opened: list[str] = []
    problems.elementOpened.connect(opened.append)
    QTest.keyClick(problems, Qt.Key.Key_Return)
    assert opened == ["staging-gate"]


def test_f2_is_left_to_inspector_tables(window: MainWindow) -> None:
    (action,) = [a for a in window.edit_menu.actions() if a.shortcut().toString() == "F2"]
    assert action.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    owners = set(action.associatedObjects())
    assert {window.view, window.outline, window.palette, window.problems} <= owners
    assert window.inspector not in owners


def test_menu_mnemonics_are_unique_within_each_menu(window: MainWindow) -> None:
    bar = [top.text().split("&")[1][0].lower() for top in window.menuBar().actions()]
    assert len(bar) == len(set(bar)), bar
    for top in window.menuBar().actions():
        menu = top.menu()
        letters = [
            action.text().split("&")[1][0].lower()
            for action in menu.actions()
            if "&" in action.text() and not action.isSeparator()
        ]
        assert len(letters) == len(set(letters)), (top.text(), letters)


def _viewport_point(window: MainWindow, node_id: str):  # type: ignore[no-untyped-def]
    return window.view.mapFromScene(window.scene.nodes[node_id].pos())


def test_an_arrow_key_during_a_mouse_drag_leaves_the_drag_whole(window: MainWindow) -> None:
    node = window.editor.doc.nodes[0].id
    window.select_element(node)
    viewport, depth = window.view.viewport(), window.editor.stack.count()
    start = _viewport_point(window, node)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(viewport, start + QPoint(30, 0))
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyPress)  # ignored: the mouse moves it
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyRelease)
    QTest.mouseMove(viewport, start + QPoint(80, 0))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(80, 0))
    item = window.scene.nodes[node].pos()
    assert _position(window, node) == (item.x(), item.y())  # the document has the end
    assert window.editor.stack.count() == depth + 1


def test_a_click_while_an_arrow_is_held_records_the_nudge(window: MainWindow) -> None:
    first, second = (node.id for node in window.editor.doc.nodes[:2])
    x, y = _position(window, first)
    window.scene.select_ids([first])
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyPress)
    viewport = window.view.viewport()
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=_viewport_point(window, second))
    assert _position(window, first) == (x, y + 10)
    assert window.scene.nodes[first].pos().y() == y + 10


def test_arrows_move_an_off_grid_node_along_one_axis_to_the_next_line(
    window: MainWindow,
) -> None:
    node = window.editor.doc.nodes[0].id
    window.editor.move({node: (105.0, 203.0)})
    window.scene.select_ids([node])
    for key, expected in (
        (Qt.Key.Key_Up, (105.0, 200.0)),
        (Qt.Key.Key_Up, (105.0, 190.0)),
        (Qt.Key.Key_Right, (110.0, 190.0)),
        (Qt.Key.Key_Left, (100.0, 190.0)),
    ):
        _key(window.view, key, QEvent.Type.KeyPress)
        _key(window.view, key, QEvent.Type.KeyRelease)
        assert _position(window, node) == expected


def test_nodes_moved_or_added_far_away_stay_inside_the_scene(window: MainWindow) -> None:
    node = window.editor.doc.nodes[0].id
    window.scene.select_ids([node])
    for _ in range(80):
        _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyPress, shift=True)
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyRelease, shift=True)
    item = window.scene.nodes[node]
    assert item.pos().y() > 7000
    assert window.scene.sceneRect().contains(item.sceneBoundingRect())


def test_locking_records_a_move_under_way_first(window: MainWindow) -> None:
    node = window.editor.doc.nodes[0].id
    x, y = _position(window, node)
    window.scene.select_ids([node])
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyPress)
    window.set_editing_locked(True)
    depth = window.editor.stack.count()
    _key(window.view, Qt.Key.Key_Down, QEvent.Type.KeyRelease)
    assert _position(window, node) == (x, y + 10)
    assert window.editor.stack.count() == depth  # nothing recorded while locked
    window.set_editing_locked(False)


def test_the_outline_follows_the_canvas_selection(window: MainWindow) -> None:
    node = window.editor.doc.nodes[2].id
    window.select_element(node)
    current = window.outline.currentItem()
    assert current is not None and current.data(0, Qt.ItemDataRole.UserRole) == node
    assert window.scene.selected_ids() == [node]  # following did not choose it again
    window.select_none()
    assert window.outline.currentItem() is window.outline.document_item


def test_arrow_keys_take_a_node_past_another_never_onto_it(blank: MainWindow) -> None:
    editor = blank.editor
    left = editor.add_node("stage", (0.0, 0.0))
    right = editor.add_node("stage", (300.0, 0.0))
    blank.scene.select_ids([left])
    depth = editor.stack.count()
    xs = []
    for _ in range(30):
        _key(blank.view, Qt.Key.Key_Right, QEvent.Type.KeyPress)
        _key(blank.view, Qt.Key.Key_Right, QEvent.Type.KeyRelease)
        boxes = [blank.scene.nodes[n].scene_rect() for n in (left, right)]
        assert not boxes[0].intersects(boxes[1]), "the moved node stands on the other"
        xs.append(_position(blank, left)[0])
    assert xs == sorted(xs) and xs[-1] > 300.0, "the node went on past the other one"
    assert _position(blank, right) == (300.0, 0.0)
    assert editor.stack.count() == depth + 30
