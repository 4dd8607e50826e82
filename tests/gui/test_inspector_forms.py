"""The criterion form fits the inspector, New metric… creates what a criterion needs, and bad
text (person ids, NUL, control characters, empty names) is refused inline, losing nothing."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from tests.gui.inspecting import (
    Steps,
    click,
    criteria,
    focused,
    press,
    record_field,
    select,
    shown_errors,
    typed,
    widget,
)

RETURN = Qt.Key.Key_Return


@pytest.fixture
def active(qtbot, window):  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def _right_edge_in_inspector(window, field: QWidget) -> int:  # type: ignore[no-untyped-def]
    viewport = window.inspector.viewport()
    return field.mapTo(viewport, QPoint(field.width(), 0)).x()


@pytest.mark.parametrize("row", [0, 2, 4])  # a check, a metric, a baseline criterion
def test_the_criteria_editor_fits_the_inspector_at_its_default_width(window, row) -> None:
    table = criteria(select(window, "production-gate"))
    table.select(row)
    QApplication.processEvents()
    viewport = window.inspector.viewport()
    assert not window.inspector.horizontalScrollBar().isVisible()
    assert not table.view.horizontalScrollBar().isVisible()
    assert table.view.horizontalHeader().length() <= table.view.viewport().width()
    record = table.current_record()[1]
    shown = 0
    for column, _label, _holder, fields in table.form.rows:
        kind = column.editor(record)
        if kind not in fields:
            continue
        field = fields[kind]
        assert field.isVisibleTo(window.inspector), column.header
        assert 0 < _right_edge_in_inspector(window, field) <= viewport.width(), column.header
        shown += 1
    assert shown >= 7  # name, form, subject, severity, on missing, on invalid, tiers (+ op, value)
    # What a person sees: the criterion's heading and threshold drawn inside the inspector.
    window.inspector.ensureWidgetVisible(table.form)
    assert table.form.title() == f"Criterion {record['id']}"
    assert not window.inspector.viewport().grab().isNull()


def test_new_metric_from_the_criterions_metric_drop_down(qtbot, active) -> None:
    window = active
    doc = window.editor.doc
    table = criteria(select(window, "production-gate"))
    metric = record_field(table, "metric / check / artifact", row=2)
    assert isinstance(metric, QComboBox) and metric.itemText(metric.count() - 1) == "New metric…"
    assert metric.currentText() == "Latency p95 (latency-p95-ms)"  # names first, ids after
    steps = Steps(window)
    window.inspector.ensureWidgetVisible(metric)
    metric.setFocus()
    press(Qt.Key.Key_End)  # the last choice: New metric…
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: focused() is not None and dialog.isAncestorOf(focused()))
    assert steps.pushed == 0 and metric.currentData() == "latency-p95-ms"
    typed("Recall at 10")
    assert dialog.identifier.text() == "recall_at_10"  # suggested from the name
    press(RETURN)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    read = lambda: (  # noqa: E731
        [m.id for m in doc.metrics][-1],
        doc.node("production-gate").criteria[2].metric,
    )
    assert read() == ("recall_at_10", "recall_at_10")
    assert doc.metric("recall_at_10").name == "Recall at 10"
    assert steps.pushed == 1  # the catalog entry and the reference: one undo step
    assert record_field(table, "metric / check / artifact").currentData() == "recall_at_10"
    window.editor.stack.undo()
    assert read() == ("error-rate", "latency-p95-ms")
    window.editor.stack.redo()
    assert read() == ("recall_at_10", "recall_at_10")


def test_a_new_metric_with_a_bad_or_taken_id_is_refused_in_the_dialog(qtbot, active) -> None:
    window = active
    doc = window.editor.doc
    table = criteria(select(window, "production-gate"))
    before = doc.model_dump(mode="json")
    metric = record_field(table, "metric / check / artifact", row=2)
    window.inspector.ensureWidgetVisible(metric)
    metric.setFocus()
    press(Qt.Key.Key_End)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: focused() is not None and dialog.isAncestorOf(focused()))
    typed("Accuracy")  # the id "accuracy" is in the catalog already
    press(RETURN)
    assert dialog.isVisible() and "already has a metric 'accuracy'" in dialog.error.text()
    press(Qt.Key.Key_Tab)
    assert focused() is dialog.identifier
    typed("Recall 10!")
    press(RETURN)
    assert dialog.isVisible() and "not a valid name" in dialog.error.text()
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert doc.model_dump(mode="json") == before
    assert record_field(table, "metric / check / artifact").currentData() == "latency-p95-ms"


def test_role_drop_downs_show_names_with_ids(window) -> None:
    action = select(window, "acc-initiate")
    role = widget(action, "Role")
    labels = [role.itemText(i) for i in range(role.count())]
    assert labels[:3] == ["(none)", "Data science lead (ds-lead)", "ML engineer (ml-engineer)"]
    trigger = select(window, "accuracy-drop")
    metric = widget(trigger, "Metric")
    assert metric.itemText(metric.findData("latency-p95-ms")) == "Latency p95 (latency-p95-ms)"
    assert metric.itemText(metric.findData("accuracy")) == "accuracy"  # named as its id


# -- members -------------------------------------------------------------------------------


def _members(window):  # type: ignore[no-untyped-def]
    form = select(window)
    form.roles.select(0)
    return record_field(form.roles, "members")


@pytest.mark.parametrize(
    ("typed_id", "reason"),
    [
        ("Ana Smith", "'Ana Smith' is not a person id"),
        ("ana\u200bsmith", "is not a person id"),
        ("анна", "is not a person id"),
        ("ALICE", "'ALICE' is listed twice ('alice' is the same person"),
        ("x" * 129, "at most 128 characters"),
    ],
)
def test_members_that_are_not_person_ids_are_refused_inline(
    qtbot, active, typed_id, reason
) -> None:
    window = active
    members = _members(window)
    doc = window.editor.doc
    click(window, members.buttons["add"])
    assert members.view.isAncestorOf(focused())
    press(Qt.Key.Key_Escape)
    before, steps = doc.model_dump(mode="json"), Steps(window)
    members.view.start_editing(len(doc.roles[0].members) - 1)
    QApplication.clipboard().setText(typed_id)  # pasted: other scripts, invisible characters
    press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    press(RETURN)
    assert members.error.isVisible() and reason in members.error.text()
    assert doc.model_dump(mode="json") == before and steps.pushed == 0
    assert members.model.records[-1] == "person"  # the cell shows the document's value


# -- hostile text --------------------------------------------------------------------------


def test_a_name_with_a_pasted_nul_is_refused_inline_and_the_old_name_kept(qtbot, active) -> None:
    window = active
    form = select(window, "production-gate")
    doc, steps = window.editor.doc, Steps(window)
    name = widget(form, "Name")
    name.setFocus()
    name.selectAll()
    typed("Final gate ")
    QApplication.clipboard().setText("with\x00NUL")
    press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert name.text() == "Final gate with\x00NUL"
    press(RETURN)
    assert doc.node("production-gate").name == "Security and compliance gate"
    assert name.text() == "Security and compliance gate" and steps.pushed == 0
    assert any("NUL character" in message for message in shown_errors(form))
    doc.model_dump_json()  # the document still writes: nothing in it that a save refuses
    name.selectAll()
    typed("Final gate")
    press(RETURN)
    assert doc.node("production-gate").name == "Final gate" and shown_errors(form) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "must not be empty"), ("   ", "must not be empty"), ("bell\x07", "control character")],
)
def test_empty_or_control_character_node_names_are_refused(qtbot, active, text, reason) -> None:
    window = active
    form = select(window, "staging")
    name = widget(form, "Name")
    name.setFocus()
    name.selectAll()
    QApplication.clipboard().setText(text)
    press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier) if text else press(Qt.Key.Key_Delete)
    press(RETURN)
    assert window.editor.doc.node("staging").name == "Staging"
    assert name.text() == "Staging"
    assert any(reason in message for message in shown_errors(form))


def test_a_role_name_cell_with_a_pasted_nul_is_refused(qtbot, active) -> None:
    window = active
    form = select(window)
    doc = window.editor.doc
    before = doc.model_dump(mode="json")
    form.roles.view.start_editing(0, 1)
    editor = focused()
    assert isinstance(editor, QLineEdit)
    typed("Lead ")
    QApplication.clipboard().setText("\x00")
    press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    press(RETURN)
    qtbot.waitUntil(lambda: form.roles.error.isVisible())
    assert "NUL character" in form.roles.error.text()
    assert doc.model_dump(mode="json") == before
    assert form.roles.model.data(form.roles.model.index(0, 1)) == "Data science lead"


def test_the_title_refuses_a_pasted_control_character(qtbot, active) -> None:
    window = active
    form = select(window)
    title = widget(form, "Title")
    old = window.editor.doc.title
    title.setFocus()
    title.selectAll()
    typed("Release SOP")
    QApplication.clipboard().setText("\x1b[31m")  # a terminal colour code, copied along
    press(Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    press(RETURN)
    assert window.editor.doc.title == old and title.text() == old
    assert any("control character (U+001B)" in message for message in shown_errors(form))


def test_set_together_checks_every_change_before_pushing_any(window) -> None:
    from app.model.errors import ModelError

    editor, doc = window.editor, window.editor.doc
    before, steps = doc.model_dump(mode="json"), Steps(window)
    catalog = [m.model_dump(exclude_defaults=True) for m in doc.metrics]
    new = {"id": "recall_at_10", "name": "Recall at 10"}
    with pytest.raises(ModelError):  # the second change is refused: the first is not made
        editor.set_together(
            "New metric", {"metrics": [*catalog, new]}, [("production-gate", "criteria", 5)]
        )
    assert doc.model_dump(mode="json") == before and steps.pushed == 0
    editor.set_together("New metric", {"metrics": [*catalog, new]})
    assert doc.metric("recall_at_10").name == "Recall at 10" and steps.pushed == 1
    editor.stack.undo()
    assert doc.model_dump(mode="json") == before
