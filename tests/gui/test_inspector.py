"""The inspector edits every field of the selection, one undo step per edit, refusals inline."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.spec.criteria import CheckCriterion
from tests.gui.inspecting import (
    Steps,
    assert_one_undoable_step,
    cell,
    criteria,
    record_field,
    retype,
    select,
    shown_errors,
    widget,
)

# -- any node ----------------------------------------------------------------------------


def test_name_edit_is_one_undo_step_and_the_field_follows_undo(qtbot, window) -> None:
    form = select(window, "production-gate")
    doc, steps = window.editor.doc, Steps(window)
    name = widget(form, "Name")
    retype(qtbot, name, "Final release gate")
    read = lambda: doc.node("production-gate").name  # noqa: E731
    assert_one_undoable_step(
        window, steps, read, "Security and compliance gate", "Final release gate"
    )
    window.editor.stack.undo()
    assert name.text() == "Security and compliance gate"
    assert window.inspector.form is form  # updated in place, not rebuilt


def test_description_commits_on_ctrl_enter_not_per_keystroke(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    doc, steps = window.editor.doc, Steps(window)
    description = widget(form, "Description")
    description.selectAll()
    qtbot.keyClicks(description, "Page the on-call SRE")
    assert steps.pushed == 0
    qtbot.keyClick(description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert doc.node("acc-initiate").description == "Page the on-call SRE"
    assert steps.pushed == 1


def test_description_commits_when_focus_leaves(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    doc, steps = window.editor.doc, Steps(window)
    description, name = widget(form, "Description"), widget(form, "Name")
    description.setFocus()
    qtbot.waitUntil(description.hasFocus)
    description.selectAll()
    qtbot.keyClicks(description, "Freeze all releases")
    name.setFocus()
    qtbot.waitUntil(lambda: steps.pushed == 1)
    assert doc.node("acc-initiate").description == "Freeze all releases"


def test_rename_through_the_id_field_keeps_the_form(qtbot, window) -> None:
    form = select(window, "production-gate")
    doc, steps = window.editor.doc, Steps(window)
    retype(qtbot, widget(form, "Id"), "final-gate")
    assert doc.has_node("final-gate") and not doc.has_node("production-gate")
    assert steps.pushed == 1
    assert window.inspector.form is form and form.element_id == "final-gate"
    retype(qtbot, widget(form, "Name"), "Final gate")  # edits follow the new id
    assert doc.node("final-gate").name == "Final gate"
    window.editor.stack.undo()
    window.editor.stack.undo()
    assert doc.has_node("production-gate") and form.element_id == "production-gate"
    assert widget(form, "Id").text() == "production-gate"


def test_an_id_with_spaces_is_refused_inline(qtbot, window) -> None:
    form = select(window, "production-gate")
    doc, steps = window.editor.doc, Steps(window)
    identifier = widget(form, "Id")
    retype(qtbot, identifier, "final gate")
    assert doc.has_node("production-gate") and steps.pushed == 0
    assert identifier.text() == "production-gate"  # the model's value again
    (message,) = shown_errors(form)
    assert "'final gate' is not a valid id" in message and "'final-gate'" in message


def test_suppress_checklist(window) -> None:
    form = select(window, "staging")
    doc, steps = window.editor.doc, Steps(window)
    rules = widget(form, "Suppress rules")
    row = next(r for r in range(rules.count()) if rules.item(r).text() == "no-dead-end")
    rules.item(row).setCheckState(Qt.CheckState.Checked)
    read = lambda: doc.node("staging").suppress  # noqa: E731
    assert_one_undoable_step(window, steps, read, [], ["no-dead-end"])
    assert rules.item(row).toolTip()  # the rule's description


# -- stage, trigger, action --------------------------------------------------------------


def test_stage_environment_and_canary_strategy(qtbot, window) -> None:
    form = select(window, "production")
    doc, steps = window.editor.doc, Steps(window)
    environment = widget(form, "Environment")
    environment.setCurrentIndex(environment.findData(None))
    assert doc.node("production").environment is None and steps.pushed == 1
    strategy = widget(form, "Strategy")
    steps_table = next(t for t in form.tables if t.noun == "canary step")
    assert not steps_table.isEnabled()
    strategy.setCurrentIndex(strategy.findData("canary"))
    assert doc.node("production").strategy.type == "canary" and steps_table.isEnabled()
    assert steps_table.commit([5, 25, 100])  # one step, as the table's buttons make it
    retype(qtbot, widget(form, "Bake minutes"), "30")
    assert doc.node("production").strategy.steps == [5, 25, 100]
    assert doc.node("production").strategy.bake_minutes == 30
    assert steps.pushed == 4
    strategy.setCurrentIndex(strategy.findData("direct"))  # steps go with the canary
    assert doc.node("production").strategy.steps == [] and steps.pushed == 5
    window.editor.stack.undo()
    assert doc.node("production").strategy.steps == [5, 25, 100]
    assert steps_table.model.records == [5, 25, 100]


def test_canary_steps_out_of_range_are_refused(qtbot, window) -> None:
    form = select(window, "production")
    strategy = widget(form, "Strategy")
    strategy.setCurrentIndex(strategy.findData("canary"))
    steps_table = next(t for t in form.tables if t.noun == "canary step")
    steps_table.add()
    steps = Steps(window)
    assert not steps_table.model.setData(steps_table.model.index(0, 0), "250")
    assert steps.pushed == 0 and window.editor.doc.node("production").strategy.steps == [50]
    assert "between 0 and 100" in steps_table.error.text()


def test_trigger_fields(qtbot, window) -> None:
    form = select(window, "accuracy-drop")
    doc, steps = window.editor.doc, Steps(window)
    trigger = lambda: doc.node("accuracy-drop")  # noqa: E731
    widget(form, "For windows").setValue(5)
    assert trigger().for_windows == 5 and steps.pushed == 1
    metric = widget(form, "Metric")
    assert [metric.itemData(i) for i in range(metric.count())] == [m.id for m in doc.metrics]
    metric.setCurrentIndex(metric.findData("auc"))
    operator = widget(form, "Operator")
    operator.setCurrentIndex(operator.findData("<="))
    retype(qtbot, widget(form, "Value"), "0.8")
    on_missing = widget(form, "On missing")
    on_missing.setCurrentIndex(on_missing.findData("ignore"))
    assert (trigger().metric, trigger().op, trigger().value, trigger().on_missing) == (
        "auc",
        "<=",
        0.8,
        "ignore",
    )
    assert steps.pushed == 5
    sla = widget(form, "SLA (max minutes)")
    sla.none.setChecked(True)
    assert trigger().max_minutes is None and steps.pushed == 6
    sla.none.setChecked(False)
    sla.spin.setValue(45)
    assert trigger().max_minutes == 45 and isinstance(trigger().max_minutes, int)
    window.editor.stack.undo()
    assert sla.spin.value() == 60  # the model's value shown again


def test_a_trigger_value_that_is_not_a_number_is_refused(qtbot, window) -> None:
    form = select(window, "accuracy-drop")
    steps = Steps(window)
    value = widget(form, "Value")
    retype(qtbot, value, "high")
    assert window.editor.doc.node("accuracy-drop").value == 0.85 and steps.pushed == 0
    assert value.text() == "0.85"
    assert shown_errors(form) == ["accuracy-drop.value: must be a number, got a string"]


def test_action_role_and_minutes(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    doc, steps = window.editor.doc, Steps(window)
    role = widget(form, "Role")
    assert role.itemData(0) is None and role.itemText(0) == "(none)"
    role.setCurrentIndex(role.findData("ml-engineer"))
    retype(qtbot, widget(form, "Minutes"), "12.5")
    assert (doc.node("acc-initiate").role, doc.node("acc-initiate").minutes) == (
        "ml-engineer",
        12.5,
    )
    assert steps.pushed == 2
    role.setCurrentIndex(role.findData(None))
    assert doc.node("acc-initiate").role is None


def test_negative_minutes_are_refused_with_the_validators_message(qtbot, window) -> None:
    form = select(window, "acc-initiate")
    steps = Steps(window)
    minutes = widget(form, "Minutes")
    retype(qtbot, minutes, "-5")
    assert window.editor.doc.node("acc-initiate").minutes == 10 and steps.pushed == 0
    assert minutes.text() == "10"
    assert shown_errors(form) == ["acc-initiate.minutes: must be 0 or more, got -5"]
    retype(qtbot, minutes, "15")  # the next accepted edit clears the message
    assert shown_errors(form) == [] and steps.pushed == 1


# -- criteria ----------------------------------------------------------------------------


def test_a_threshold_typed_in_the_criterion_form_is_one_undo_step(qtbot, window) -> None:
    table = criteria(select(window, "production-gate"))
    doc, steps = window.editor.doc, Steps(window)
    threshold = record_field(table, "value", row=2)
    assert isinstance(threshold, QLineEdit) and threshold.text() == "250"
    retype(qtbot, threshold, "300")
    read = lambda: doc.node("production-gate").criteria[2].value  # noqa: E731
    assert_one_undoable_step(window, steps, read, 250, 300)
    assert threshold.text() == "300" and table.model.data(cell(table, 2, "rule")).endswith("300")


def test_a_threshold_that_is_not_a_number_is_refused_under_the_form(qtbot, window) -> None:
    table = criteria(select(window, "production-gate"))
    doc, steps = window.editor.doc, Steps(window)
    threshold = record_field(table, "value", row=2)
    retype(qtbot, threshold, "fast")
    assert doc.node("production-gate").criteria[2].value == 250 and steps.pushed == 0
    assert threshold.text() == "250"  # the document's value again
    assert table.form.error.isVisible()
    assert (
        table.form.error.text()
        == "production-gate.criteria[2].value: must be a number, got a string"
    )


def test_criterion_fields_change_one_field_each(qtbot, window) -> None:
    table = criteria(select(window, "production-gate"))
    doc, steps = window.editor.doc, Steps(window)
    gate = lambda: doc.node("production-gate")  # noqa: E731
    table.select(2)
    for header, value in (
        ("metric / check / artifact", "error-rate"),
        ("op", "<"),
        ("severity", "advisory"),
        ("on missing", "hold"),
        ("on invalid", "hold"),
    ):
        field = record_field(table, header)
        field.setCurrentIndex(field.findData(value))
    tiers = record_field(table, "tiers")
    for row in range(tiers.count()):
        if tiers.item(row).data(Qt.ItemDataRole.UserRole) in ("medium", "high"):
            tiers.item(row).setCheckState(Qt.CheckState.Checked)
    retype(qtbot, record_field(table, "name"), "Errors below budget")
    criterion = gate().criteria[2]
    assert (criterion.metric, criterion.op, criterion.severity) == ("error-rate", "<", "advisory")
    assert (criterion.on_missing, criterion.on_invalid) == ("hold", "hold")
    assert criterion.tiers == ["medium", "high"] and criterion.name == "Errors below budget"
    assert steps.pushed == 8
    for row in range(tiers.count()):  # none checked: every tier
        tiers.item(row).setCheckState(Qt.CheckState.Unchecked)
    assert gate().criteria[2].tiers is None
    assert "·" not in table.model.data(cell(table, 2, "rule"))


def test_changing_a_criterions_form(qtbot, window) -> None:
    table = criteria(select(window, "production-gate"))
    doc, steps = window.editor.doc, Steps(window)
    form_field = record_field(table, "form", row=2)
    form_field.setCurrentIndex(form_field.findData("check"))
    criterion = doc.node("production-gate").criteria[2]
    assert isinstance(criterion, CheckCriterion) and criterion.id == "latency-budget"
    operator = record_field(table, "op")
    assert not operator.isVisibleTo(table.form)  # a check has no operator
    retype(qtbot, record_field(table, "value"), "green")
    assert doc.node("production-gate").criteria[2].equals == "green"
    form_field.setCurrentIndex(form_field.findData("baseline"))
    baseline = doc.node("production-gate").criteria[2]
    assert (baseline.form, baseline.delta) == ("baseline", 0)
    assert steps.pushed == 3


def test_a_duplicate_criterion_id_is_refused(window) -> None:
    form = select(window, "production-gate")
    table = criteria(form)
    steps = Steps(window)
    assert not table.model.setData(cell(table, 1, "id"), "security-scan")
    assert steps.pushed == 0
    assert "two criteria with id 'security-scan'" in table.error.text()


def test_criteria_add_remove_and_reorder_are_one_step_each(qtbot, window) -> None:
    table = criteria(select(window, "production-gate"))
    doc, steps = window.editor.doc, Steps(window)
    ids = lambda: [c.id for c in doc.node("production-gate").criteria]  # noqa: E731
    before = ids()
    qtbot.mouseClick(table.buttons["add"], Qt.MouseButton.LeftButton)
    assert ids() == [*before, "criterion"] and steps.pushed == 1
    assert table.current_row() == len(before)
    qtbot.mouseClick(table.buttons["up"], Qt.MouseButton.LeftButton)
    assert ids()[-2] == "criterion" and steps.pushed == 2
    table.select(0)
    qtbot.mouseClick(table.buttons["down"], Qt.MouseButton.LeftButton)
    assert ids()[:2] == ["load-test", "security-scan"] and steps.pushed == 3
    qtbot.mouseClick(table.buttons["remove"], Qt.MouseButton.LeftButton)
    assert "security-scan" not in ids() and steps.pushed == 4
    for _ in range(4):
        window.editor.stack.undo()
    assert ids() == before
    assert [table.model.data(cell(table, r, "id")) for r in range(len(before))] == before


def test_the_check_form_reuses_the_criteria_table(window) -> None:
    table = criteria(select(window, "acc-verify"))
    doc, steps = window.editor.doc, Steps(window)
    table.add()
    assert [c.id for c in doc.node("acc-verify").criteria][-1] == "criterion"
    assert steps.pushed == 1


# -- approval ----------------------------------------------------------------------------


def test_approval_settings_are_one_step_each(window) -> None:
    form = select(window, "production-gate")
    doc, steps = window.editor.doc, Steps(window)
    approval = lambda: doc.node("production-gate").approval  # noqa: E731
    mode = widget(form, "Mode")
    mode.setCurrentIndex(mode.findData("any"))
    assert approval().mode == "any" and steps.pushed == 1
    widget(form, "Separation of duties").setChecked(False)
    assert approval().separation_of_duties is False and steps.pushed == 2
    window_hours = widget(form, "Window (hours)")
    window_hours.none.setChecked(True)
    assert approval().window_hours is None and steps.pushed == 3
    window_hours.none.setChecked(False)  # back to the window it had
    assert approval().window_hours == 48 and steps.pushed == 4
    window_hours.spin.setValue(12)
    assert approval().window_hours == 12 and steps.pushed == 5
    assert len(approval().rules) == 3  # the rules were kept through every change
    window.editor.stack.undo()
    assert approval().window_hours == 48 and window_hours.spin.value() == 48


def test_approval_rule_rows(window) -> None:
    form = select(window, "production-gate")
    doc, steps = window.editor.doc, Steps(window)
    rules_table = next(t for t in form.tables if t.noun == "approver rule")
    rules = lambda: doc.node("production-gate").approval.rules  # noqa: E731
    model = rules_table.model
    assert model.setData(model.index(0, 1), 2)
    assert rules()[0].count == 2 and steps.pushed == 1
    assert model.setData(model.index(0, 0), "ds-lead")
    assert model.setData(model.index(0, 2), ["high"])
    assert (rules()[0].role, rules()[0].tiers) == ("ds-lead", ["high"])
    rules_table.add()
    assert len(rules()) == 4 and rules()[3].role == "ml-engineer" and steps.pushed == 4
    rules_table.select(0)
    rules_table.remove()
    assert [r.role for r in rules()] == ["security-reviewer", "compliance-officer", "ml-engineer"]
    assert steps.pushed == 5
    window.editor.stack.undo()
    assert rules()[0].role == "ds-lead"
    assert doc.node("production-gate").approval.window_hours == 48  # untouched


def test_an_approval_count_below_one_is_refused(window) -> None:
    form = select(window, "production-gate")
    rules_table = next(t for t in form.tables if t.noun == "approver rule")
    steps = Steps(window)
    assert not rules_table.model.setData(rules_table.model.index(0, 1), 0)
    assert steps.pushed == 0 and "must be at least 1" in rules_table.error.text()
