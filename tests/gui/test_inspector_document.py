"""The inspector on edges, several elements and the document; refresh, tooltips, access."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.model.nodes import Action, Gate, Trigger
from app.spec.criteria import CriterionBase
from app.ui.panels.inspector import SummaryView
from tests.gui.inspecting import (
    COLUMNS,
    Steps,
    assert_one_undoable_step,
    criteria,
    record_field,
    retype,
    select,
    shown_errors,
    widget,
)

# -- edges, several elements, the document -----------------------------------------------


def test_edge_kind_is_limited_to_legal_kinds(window) -> None:
    form = select(window, "production-gate-reject")
    doc, steps = window.editor.doc, Steps(window)
    kind = widget(form, "Kind")
    assert [kind.itemData(i) for i in range(kind.count())] == ["promote", "reject"]
    assert (
        widget(form, "Source").isReadOnly() and "production-gate" in widget(form, "Source").text()
    )
    kind.setCurrentIndex(kind.findData("promote"))
    read = lambda: doc.edge("production-gate-reject").kind  # noqa: E731
    assert_one_undoable_step(window, steps, read, "reject", "promote")
    monitor = select(window, "production-watches-accuracy-drop")
    kinds = widget(monitor, "Kind")
    assert [kinds.itemData(i) for i in range(kinds.count())] == ["monitor"]


def test_several_selected_elements_show_a_summary(window) -> None:
    form = select(window, "production", "staging", "production-gate-reject")
    assert isinstance(form, SummaryView)
    assert form.label.text() == "2 nodes, 1 edge selected"


def test_document_title_and_version(qtbot, window) -> None:
    form = select(window)
    doc, steps = window.editor.doc, Steps(window)
    retype(qtbot, widget(form, "Title"), "Model release SOP")
    assert doc.title == "Model release SOP" and steps.pushed == 1
    version = widget(form, "Version")
    retype(qtbot, version, "v1")
    assert doc.version == "1.0.0" and steps.pushed == 1 and version.text() == "1.0.0"
    assert shown_errors(form) == [
        "document.version: 'v1' is not a semantic version; write it like 1.0.0"
    ]
    retype(qtbot, version, "1.1.0")
    assert doc.version == "1.1.0" and steps.pushed == 2 and shown_errors(form) == []


def test_document_tiers_roles_and_metrics(qtbot, window) -> None:
    form = select(window)
    doc, steps = window.editor.doc, Steps(window)
    tiers, roles, metrics = form.tiers, form.roles, form.metrics
    tiers.add()
    assert doc.tiers == ["low", "medium", "high", "tier"] and steps.pushed == 1
    assert tiers.model.setData(tiers.model.index(3, 0), "critical")
    tiers.select(3)
    tiers.move(-1)
    assert doc.tiers == ["low", "medium", "critical", "high"] and steps.pushed == 3
    assert not tiers.model.setData(tiers.model.index(0, 0), "high")
    assert "listed twice" in tiers.error.text() and steps.pushed == 3

    roles.add()
    assert doc.roles[-1].id == "role" and steps.pushed == 4
    members = record_field(roles, "members", row=len(doc.roles) - 1)
    assert members.commit(["ana", "ben"])
    assert doc.roles[-1].members == ["ana", "ben"] and steps.pushed == 5
    assert not roles.model.setData(roles.model.index(0, 0), "Data Science")
    assert "not a valid id" in roles.error.text() and doc.roles[0].id == "ds-lead"

    metric_row = [m.id for m in doc.metrics].index("latency-p95-ms")
    direction = record_field(metrics, "direction", row=metric_row)
    direction.setCurrentIndex(direction.findData("higher"))
    assert doc.metric("latency-p95-ms").direction == "higher" and steps.pushed == 6
    retype(qtbot, record_field(metrics, "max"), "2000")
    assert doc.metric("latency-p95-ms").max == 2000
    retype(qtbot, record_field(metrics, "min"), "5000")
    assert "swap them" in metrics.form.error.text() and doc.metric("latency-p95-ms").min == 0
    metrics.add()
    assert doc.metrics[-1].id == "metric" and steps.pushed == 8
    metrics.select(len(doc.metrics) - 1)
    metrics.remove()
    assert doc.metrics[-1].id == "error-rate" and steps.pushed == 9


def test_new_roles_and_metrics_appear_in_the_node_forms(window) -> None:
    form = select(window)
    form.roles.add()
    form.metrics.add()
    action = select(window, "acc-initiate")
    role = widget(action, "Role")
    assert role.findData("role") >= 0
    trigger = select(window, "accuracy-drop")
    assert widget(trigger, "Metric").findData("metric") >= 0


# -- refresh, tooltips, accessibility ----------------------------------------------------


def test_refresh_keeps_the_form_focus_and_what_is_being_typed(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    name = widget(form, "Name")
    name.setFocus()
    qtbot.waitUntil(name.hasFocus)
    name.end(False)
    qtbot.keyClicks(name, " now")
    window.editor.set_property("acc-initiate", "minutes", 11)  # some other change
    assert window.inspector.form is form
    assert name.hasFocus() and name.text().endswith(" now")
    assert widget(form, "Minutes").text() == "11"


def test_the_form_is_rebuilt_only_when_the_selection_changes(window) -> None:
    form = select(window, "acc-initiate")
    window.inspector.refresh()
    assert window.inspector.form is form
    assert select(window, "acc-approve") is not form


def test_tooltips_are_the_field_descriptions(window) -> None:
    gate = select(window, "production-gate")
    assert widget(gate, "Name").toolTip() == Gate.model_fields["name"].description
    action = select(window, "acc-initiate")
    assert widget(action, "Minutes").toolTip() == Action.model_fields["minutes"].description
    trigger = select(window, "accuracy-drop")
    assert (
        widget(trigger, "For windows").toolTip() == Trigger.model_fields["for_windows"].description
    )
    table = criteria(select(window, "production-gate"))
    assert "NaN" in record_field(table, "on invalid", row=0).toolTip()
    tip = table.model.headerData(
        COLUMNS["id"], Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert tip == CriterionBase.model_fields["id"].description


@pytest.mark.parametrize(
    "ids",
    [
        (),
        ("production",),
        ("production-gate",),
        ("accuracy-drop",),
        ("acc-initiate",),
        ("acc-verify",),
        ("production-gate-reject",),
    ],
)
def test_every_editor_is_named_and_tab_follows_the_form(window, ids) -> None:
    form = select(window, *ids)
    focusable = [w for section in form.sections for w in section.focusables]
    assert focusable
    for w in focusable:
        assert w.accessibleName(), f"{type(w).__name__} has no accessible name"
        assert w.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{w.accessibleName()} is not reachable"
    chain, current = [], focusable[0]
    for _ in range(len(focusable) - 1):
        current = current.nextInFocusChain()
        while current not in focusable:
            current = current.nextInFocusChain()
        chain.append(current)
    assert chain == focusable[1:]


def test_tab_moves_from_field_to_field(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    name = widget(form, "Name")
    name.setFocus()
    qtbot.waitUntil(name.hasFocus)
    qtbot.keyClick(name, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget(form, "Description"))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget(form, "Note"))
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget(form, "Role"))


def rules_table(window):  # type: ignore[no-untyped-def]
    form = select(window, "production-gate")
    return next(t for t in form.tables if t.noun == "approver rule")


def test_the_tiers_cell_opens_a_checklist(qtbot, window) -> None:
    from app.ui.panels.cell_editors import SubsetEditor

    table = rules_table(window)
    doc = window.editor.doc
    index = table.model.index(0, 2)
    table.view.setCurrentIndex(index)
    table.view.edit(index)
    editor = table.view.indexWidget(index)
    assert isinstance(editor, SubsetEditor)
    assert [editor.item(r).text() for r in range(editor.count())] == doc.tiers
    editor.item(2).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    rule = lambda: doc.node("production-gate").approval.rules[0]  # noqa: E731
    qtbot.waitUntil(lambda: rule().tiers == ["high"])
    assert table.model.data(index) == "high"


def test_space_opens_the_tiers_checklist_without_ticking_a_tier(qtbot, window) -> None:
    table = rules_table(window)
    doc = window.editor.doc
    index = table.model.index(0, 2)
    table.view.setCurrentIndex(index)
    table.view.setFocus()
    qtbot.keyClick(table.view, Qt.Key.Key_Space)
    editor = table.view.indexWidget(index)
    assert editor is not None
    assert editor.value() is None  # opened, nothing ticked yet
    qtbot.wait(1)  # the list is open now: Space ticks the option under the cursor
    qtbot.keyClick(editor, Qt.Key.Key_Space)
    assert editor.value() == [doc.tiers[0]]
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    rule = lambda: doc.node("production-gate").approval.rules[0]  # noqa: E731
    qtbot.waitUntil(lambda: rule().tiers == [doc.tiers[0]])


def test_the_role_cell_opens_a_combo_of_role_names_that_commits_on_choice(qtbot, window) -> None:
    table = rules_table(window)
    doc, steps = window.editor.doc, Steps(window)
    index = table.model.index(0, 0)
    assert table.model.data(index) == "Product owner (product-owner)"
    table.view.setCurrentIndex(index)
    table.view.edit(index)
    combo = table.view.indexWidget(index)
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names[:2] == ["Data science lead (ds-lead)", "ML engineer (ml-engineer)"]
    assert combo.currentData() == "product-owner"
    found = combo.findData("sre-oncall")
    combo.setCurrentIndex(found)
    combo.activated.emit(found)
    assert doc.node("production-gate").approval.rules[0].role == "sre-oncall"
    assert steps.pushed == 1


def test_a_choice_typed_over_commits_on_enter_not_at_the_first_letter(qtbot, window) -> None:
    table = rules_table(window)
    doc, steps = window.editor.doc, Steps(window)
    rule = lambda: doc.node("production-gate").approval.rules[0]  # noqa: E731
    index = table.model.index(0, 0)
    table.view.setCurrentIndex(index)
    table.view.setFocus()
    qtbot.keyClick(table.view, Qt.Key.Key_M)  # typing over the cell opens its combo
    combo = table.view.indexWidget(index)
    assert combo is not None and combo.currentData() == "ml-engineer"  # not yet committed
    assert rule().role == "product-owner" and steps.pushed == 0
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert rule().role == "product-owner"
    qtbot.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rule().role == "security-reviewer")
    assert steps.pushed == 1


def test_the_sop_id_is_a_document_field(qtbot, window) -> None:
    form = select(window)
    retype(qtbot, widget(form, "SOP id"), "release-sop")
    assert window.editor.doc.id == "release-sop"
    retype(qtbot, widget(form, "SOP id"), "Release SOP")
    assert window.editor.doc.id == "release-sop" and "not a valid id" in shown_errors(form)[0]


@pytest.mark.parametrize(
    ("text", "number", "scalar"),
    [
        ("250", 250, 250),
        ("0.85", 0.85, 0.85),
        ("-1e3", -1000.0, -1000.0),
        ("passed", "passed", "passed"),
        ("true", "true", True),
        (" 7 ", 7, 7),
        ("nan", None, "nan"),
    ],
)
def test_typed_values_are_read_back_as_the_model_writes_them(text, number, scalar) -> None:
    from app.ui.panels.values import format_value, parse_number, parse_scalar

    parsed = parse_number(text)
    if number is None:
        assert parsed != parsed  # NaN goes on to the validator, which refuses it
    else:
        assert parsed == number and type(parsed) is type(number)
    assert parse_scalar(text) == scalar
    assert (
        format_value(250.0) == "250" and format_value(None) == "" and format_value(False) == "false"
    )


def test_what_is_being_typed_is_applied_when_the_selection_changes(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    doc, steps = window.editor.doc, Steps(window)
    name = widget(form, "Name")
    name.setFocus()
    qtbot.waitUntil(name.hasFocus)
    name.selectAll()
    qtbot.keyClicks(name, "Freeze releases")
    other = select(window, "acc-approve")
    assert doc.node("acc-initiate").name == "Freeze releases" and steps.pushed == 1
    assert window.inspector.form is other and other.element_id == "acc-approve"


@pytest.mark.parametrize("ids", [(), ("production-gate",), ("accuracy-drop",), ("production",)])
def test_a_refresh_that_changes_nothing_leaves_the_widgets_alone(window, ids) -> None:
    """Refreshes run after every edit; with nothing to change they call no Qt setters. (Each
    setter call also costs a reference to None on PySide6 6.12 with CPython 3.11, see
    test_canvas.py, so unguarded setters here would bring the designer's abort nearer.)"""
    import sys

    form = select(window, *ids)
    window.inspector.refresh()
    before = sys.getrefcount(None)
    for _ in range(20):
        window.inspector.refresh()
    assert before - sys.getrefcount(None) < 20
    assert window.inspector.form is form


def test_every_suppress_row_shows_its_checkbox(window) -> None:
    rules = widget(select(window, "production"), "Suppress rules")
    assert rules.count() > 20
    states = {rules.item(r).data(Qt.ItemDataRole.CheckStateRole) for r in range(rules.count())}
    assert states == {Qt.CheckState.Unchecked.value} or states == {Qt.CheckState.Unchecked}
