"""Typing in the inspector lands where the user looks: "+ Add" edits the new row's first
cell, every key reaches the widget that has the keyboard, and nothing else changes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QLineEdit

from app.model.document import new_document
from tests.gui.inspecting import Steps, click, criteria, focused, press, select, typed, widget

TAB, RETURN = Qt.Key.Key_Tab, Qt.Key.Key_Return


@pytest.fixture
def active(window):  # type: ignore[no-untyped-def]
    """The designer as a person has it: its window active, so that clicks move the keyboard."""
    window.activateWindow()
    QApplication.setActiveWindow(window)
    window.raise_()
    return window


def dump(window) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return window.editor.doc.model_dump(mode="json")


def table_named(form, noun: str):  # type: ignore[no-untyped-def]
    return next(table for table in form.tables if table.noun == noun)


def test_the_issue_probe_on_a_blank_sop(qtbot, window) -> None:
    """New blank SOP, click the empty canvas, "+ Add" under Roles, type the id, Tab, the
    name: the role gets them, the SOP id, title and owner keep theirs."""
    window.editor.replace_document(new_document())
    active = window
    active.activateWindow()
    qtbot.waitActive(active)
    viewport = active.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport.rect().center())
    form = active.inspector.form
    before, steps = dump(active), Steps(active)
    click(active, form.roles.buttons["add"])
    assert isinstance(focused(), QLineEdit) and form.roles.view.isAncestorOf(focused())
    typed("ds-lead")
    press(TAB)
    typed("Data science lead")
    press(RETURN)
    qtbot.waitUntil(lambda: active.editor.doc.roles[-1].name == "Data science lead")
    expected = copy.deepcopy(before)
    expected["roles"] = [
        {
            "id": "ds-lead",
            "name": "Data science lead",
            "description": "",
            "members": [],
            "model_team": None,
        }
    ]
    assert dump(active) == expected  # SOP id, title and owner untouched
    assert steps.pushed == 3  # add, id, name: one undo step each


def test_a_click_on_the_inspectors_background_does_not_reach_the_sop_id(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    form = select(window)
    before = dump(window)
    inside = form.rect().bottomRight() - form.rect().topLeft()
    window.inspector.ensureVisible(inside.x() - 2, inside.y() - 2)
    qtbot.mouseClick(form, Qt.MouseButton.LeftButton, pos=form.rect().bottomRight() * 0.99)
    typed("ds-lead")
    assert dump(window) == before
    assert not isinstance(focused(), QLineEdit)


# -- "+ Add" then typing, in every table of the inspector ----------------------------------


def _expect_add(window, qtbot, table, keys: list[Any], where: Any, value: Any) -> None:  # type: ignore[no-untyped-def]
    """Click "+ Add" under ``table``, type ``keys`` (text, or a key to press), and check the
    document is the old one plus ``value`` appended at ``where`` (a path), nothing else."""
    window.activateWindow()
    qtbot.waitActive(window)
    before, steps = dump(window), Steps(window)
    click(window, table.buttons["add"])
    editor = focused()
    assert editor is not None and table.view.isAncestorOf(editor), "the new row is edited"
    assert editor.visibleRegion().boundingRect().size() == editor.size(), "and in view"
    for key in keys:
        if isinstance(key, str):
            typed(key)
        else:
            press(key)
    qtbot.wait(1)
    expected = copy.deepcopy(before)
    target = expected
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = [*target[where[-1]], value]
    assert dump(window) == expected
    assert steps.pushed >= 2
    for _ in range(steps.pushed):
        window.editor.stack.undo()
    assert dump(window) == before


def test_add_a_tier(qtbot, window) -> None:
    form = select(window)
    _expect_add(window, qtbot, form.tiers, ["critical", RETURN], ["tiers"], "critical")


def test_add_a_metric(qtbot, window) -> None:
    form = select(window)
    metric = {
        "id": "recall_at_10",
        "name": "Recall at 10",
        "unit": "",
        "direction": "lower",
        "min": 0,
        "max": None,
        "sources": None,
    }
    keys = ["recall_at_10", TAB, "Recall at 10", TAB, "", TAB, "l", TAB, "0", RETURN]
    _expect_add(window, qtbot, form.metrics, keys, ["metrics"], metric)


def test_add_a_role_member(qtbot, window) -> None:
    form = select(window)
    form.roles.select(0)
    members = form.roles.form.rows[1][3]["list"]
    row = [role.id for role in window.editor.doc.roles].index("ds-lead")
    keys = ["Isabel.Ng@example.com", RETURN]
    _expect_add(window, qtbot, members, keys, ["roles", row, "members"], "Isabel.Ng@example.com")


def test_declare_a_role_independent_by_typing(qtbot, active) -> None:
    """The role form's "Model team" choice: a click opens it, a letter and Return choose."""
    form = select(active)
    row = [role.id for role in active.editor.doc.roles].index("product-owner")
    form.roles.select(row)
    combo = widget(form, "Role model team")
    assert combo.currentText() == "independent"
    click(active, combo)  # opens the list of choices, which takes the keys
    qtbot.waitUntil(lambda: combo.view().isVisible())
    typed("b")
    press(RETURN)
    qtbot.waitUntil(lambda: active.editor.doc.role("product-owner").model_team is True)
    assert combo.currentText() == "builds the model"
    active.editor.stack.undo()
    assert active.editor.doc.role("product-owner").model_team is False
    assert combo.currentText() == "independent"


def test_add_a_criterion_then_tab_to_its_form(qtbot, window) -> None:
    form = select(window, "production-gate")
    table = criteria(form)
    gate = [node["id"] for node in dump(window)["nodes"]].index("production-gate")
    criterion = {
        "id": "bias-check",
        "name": "Bias within bounds",
        "severity": "blocking",
        "tiers": None,
        "on_missing": "fail",
        "on_invalid": "fail",
        "metric": window.editor.doc.metrics[0].id,
        "op": ">=",
        "value": 0,
    }
    keys = ["bias-check", TAB, "Bias within bounds", RETURN]
    _expect_add(window, qtbot, table, keys, ["nodes", gate, "criteria"], criterion)


def test_add_an_approval_rule_from_its_role_drop_down(qtbot, window) -> None:
    form = select(window, "production-gate")
    rules = table_named(form, "approver rule")
    gate = [node["id"] for node in dump(window)["nodes"]].index("production-gate")
    rule = {"role": "sre-oncall", "count": 2, "tiers": None}
    # The role cell's drop-down lists names: typing "SRE" finds "SRE on call (sre-oncall)".
    keys = ["SRE", TAB, "2", RETURN]
    _expect_add(window, qtbot, rules, keys, ["nodes", gate, "approval", "rules"], rule)


def test_add_a_canary_step(qtbot, window) -> None:
    form = select(window, "production")
    strategy = next(w for w in form.findChildren(QComboBox) if w.accessibleName() == "Strategy")
    strategy.setCurrentIndex(strategy.findData("canary"))
    steps_table = table_named(form, "canary step")
    stage = [node["id"] for node in dump(window)["nodes"]].index("production")
    _expect_add(
        window, qtbot, steps_table, ["75", RETURN], ["nodes", stage, "strategy", "steps"], 75
    )


# -- typing over cells, Tab, columns, Ctrl+A -----------------------------------------------


@pytest.mark.parametrize("clicks", [1, 2])
def test_typing_over_a_cell_keeps_every_key(qtbot, window, clicks) -> None:
    """Clicking a cell (once, or again when it is already the current one) and typing at
    once: every key lands in that cell, none moves to another row."""
    window.activateWindow()
    qtbot.waitActive(window)
    form = select(window)
    view = form.roles.view
    index = form.roles.model.index(1, 1)
    click(window, view)
    before = dump(window)
    rect = view.visualRect(index)
    for _ in range(clicks):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    typed("ds-lead")
    press(RETURN)
    expected = copy.deepcopy(before)
    expected["roles"][1]["name"] = "ds-lead"
    assert dump(window) == expected


def test_columns_stay_where_they_are_after_edits(qtbot, window) -> None:
    form = select(window)
    view, model = form.roles.view, form.roles.model
    before = [view.columnViewportPosition(c) for c in range(model.columnCount())]
    assert model.setData(model.index(0, 0), "a-much-longer-role-identifier-than-before")
    form.roles.add()
    press(Qt.Key.Key_Escape)
    metrics_view = form.metrics.view
    metric_columns = [metrics_view.columnViewportPosition(c) for c in range(6)]
    form.metrics.add()
    press(Qt.Key.Key_Escape)
    assert [view.columnViewportPosition(c) for c in range(model.columnCount())] == before
    assert [metrics_view.columnViewportPosition(c) for c in range(6)] == metric_columns


def test_tab_from_a_drop_down_cell_moves_to_the_next_cell(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    rules = table_named(select(window, "production-gate"), "approver rule")
    view = rules.view
    view.setFocus()
    view.setCurrentIndex(rules.model.index(0, 0))  # the role of the first rule
    typed("Sec")
    assert isinstance(focused(), QComboBox)
    press(TAB)
    assert view.currentIndex().column() == 1 and view.isAncestorOf(focused())
    typed("3")
    press(RETURN)
    rule = window.editor.doc.node("production-gate").approval.rules[0]
    assert (rule.role, rule.count) == ("security-reviewer", 3)
    assert view.state() != QAbstractItemView.State.EditingState


def test_ctrl_a_selects_the_cell_editors_text_not_the_diagram(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    form = select(window, "production-gate")
    table = criteria(form)
    selected = window.scene.selected_ids()
    table.view.start_editing(0)
    editor = focused()
    assert isinstance(editor, QLineEdit)
    typed("scan")
    press(Qt.Key.Key_Home)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert editor.selectedText() == "scan"
    assert window.scene.selected_ids() == selected
    press(Qt.Key.Key_Escape)
    # A drop-down cell's editor and the table itself keep Ctrl+A too.
    rules = table_named(form, "approver rule")
    rules.view.start_editing(0)
    assert isinstance(focused(), QComboBox)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.scene.selected_ids() == selected
    press(Qt.Key.Key_Escape)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.scene.selected_ids() == selected
    assert window.inspector.form is form


def test_tab_after_picking_from_a_drop_down_moves_to_the_next_cell(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    rules = table_named(select(window, "production-gate"), "approver rule")
    view, model = rules.view, rules.model
    click(window, view)
    rect = view.visualRect(model.index(1, 0))
    for _ in range(2):  # the first click makes the cell current, the second edits it
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: isinstance(focused(), QComboBox))
    combo = focused()
    combo.showPopup()
    popup = combo.view()
    qtbot.waitUntil(popup.isVisible)
    item = popup.visualRect(popup.model().index(combo.findData("sre-oncall"), 0))
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=item.center())
    rules_now = lambda: window.editor.doc.node("production-gate").approval.rules  # noqa: E731
    assert rules_now()[1].role == "sre-oncall"  # committed at once
    window.activateWindow()  # offscreen, the closed popup leaves no window active
    qtbot.waitActive(window)
    assert focused() is combo  # the drop-down stays open on the picked choice
    press(TAB)
    assert view.currentIndex() == model.index(1, 1) and view.isAncestorOf(focused())
