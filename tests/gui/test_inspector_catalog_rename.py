"""A role, metric or risk tier id typed anew into its catalog table renames every reference
to it: one undo step, no dangling-reference problem, the new id drawn in the cell."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.model.document import Sop
from app.model.io import dumps_document
from tests.gui.inspecting import Steps, criteria, edit_cell, press, select, shown, typed


@pytest.fixture
def active(qtbot, window):  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def role_references(doc: Sop) -> list[str | None]:
    nodes = doc.nodes
    named = [c.owner for c in doc.components]
    named += [n.role for n in nodes if n.kind == "action"]
    return named + [r.role for n in nodes if n.kind == "gate" for r in n.approval.rules]


def metric_references(doc: Sop) -> list[str | None]:
    named = [n.metric for n in doc.nodes if n.kind == "trigger"]
    criteria = [c for n in doc.nodes for c in getattr(n, "criteria", ())]
    return named + [getattr(c, "metric", None) for c in criteria]


def problem_rules(window) -> list[str]:  # type: ignore[no-untyped-def]
    problems = window.problems
    return [problems.item(row, 1).text() for row in range(problems.rowCount())]


def type_id(window, catalog: str, old: str, text: str):  # type: ignore[no-untyped-def]
    """Open the id cell of entry ``old`` in the document form's ``catalog`` table, type
    ``text`` over it and press Return; the table and the row."""
    table = getattr(select(window), catalog)
    row = [getattr(entry, "id", entry) for entry in getattr(window.editor.doc, catalog)].index(old)
    edit_cell(window, table, row, 0)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed(text)
    press(Qt.Key.Key_Return)
    QApplication.processEvents()
    return table, row


KINDS = {
    # catalog: (old id, new id, a node made to name the new id first, its field, the rule)
    "roles": ("ml-engineer", "ml-platform", "bias-document", "role", "role-defined"),
    "metrics": ("accuracy", "top1_accuracy", "bias-alert", "metric", "metric-defined"),
}
REFERENCES = {"roles": role_references, "metrics": metric_references}


@pytest.mark.parametrize("catalog", ["roles", "metrics"])
def test_typing_a_new_id_renames_every_reference(qtbot, active, catalog: str) -> None:
    old, new, node, field, rule = KINDS[catalog]
    doc, references = active.editor.doc, REFERENCES[catalog]
    active.editor.set_property(node, field, new)  # a reference dangling before the rename
    qtbot.waitUntil(lambda: rule in problem_rules(active))
    before = references(doc)
    expected = [new if ref == old else ref for ref in before]
    assert expected != before
    steps = Steps(active)
    table, row = type_id(active, catalog, old, new)
    assert references(doc) == expected and steps.pushed == 1
    assert shown(table, row, 0) == new and not table.error.isVisible()
    qtbot.waitUntil(lambda: rule not in problem_rules(active))
    assert not any(r.endswith("-defined") for r in problem_rules(active))
    active.editor.stack.undo()  # the node named the new id before: it still does
    QApplication.processEvents()
    assert references(doc) == before and getattr(doc.node(node), field) == new
    assert shown(table, row, 0) == old
    qtbot.waitUntil(lambda: rule in problem_rules(active))
    active.editor.stack.redo()
    QApplication.processEvents()
    assert references(doc) == expected and shown(table, row, 0) == new
    qtbot.waitUntil(lambda: rule not in problem_rules(active))


@pytest.mark.parametrize(
    ("catalog", "typed_id", "says"),
    [
        ("roles", "ds-lead", "role id 'ds-lead' is used twice"),
        ("roles", "$(x)", "not a valid id"),
        ("metrics", "Accuracy", "not a valid name"),
        ("metrics", "auc", "metric id 'auc' is used twice"),
        ("tiers", "low", "tier 'low' is listed twice"),
        ("tiers", "High", "not a valid id"),
        ("tiers", '"critical"', "not a valid id"),
    ],
)
def test_a_taken_or_invalid_id_is_refused_inline(
    qtbot, active, catalog: str, typed_id: str, says: str
) -> None:
    old = KINDS[catalog][0] if catalog in KINDS else "high"
    doc = active.editor.doc
    before, steps = doc.model_dump(), Steps(active)
    table, row = type_id(active, catalog, old, typed_id)
    assert doc.model_dump() == before and steps.pushed == 0
    assert table.error.isVisible() and says in table.error.text(), table.error.text()
    assert "\n" not in table.error.text()  # one sentence, on one line
    assert shown(table, row, 0) == old


def tier_references(doc: Sop) -> list[list[str] | None]:
    lists = [r.tiers for n in doc.nodes if n.kind == "gate" for r in n.approval.rules]
    return lists + [c.tiers for n in doc.nodes for c in getattr(n, "criteria", ())]


def test_typing_a_new_tier_renames_the_tiers_of_rules_and_criteria(qtbot, active) -> None:
    """``high`` becomes ``critical``: every approval rule and criterion for ``high`` follows
    (a rule made to name ``critical`` first dangles until then); the production gate's
    criteria table draws the new tier; undo puts the document back byte for byte."""
    doc, rule = active.editor.doc, "criterion-tier-known"
    approval = doc.node("staging-gate").approval.model_dump(exclude_none=True)
    approval["rules"][0]["tiers"] = ["critical"]
    active.editor.set_property("staging-gate", "approval", approval)
    qtbot.waitUntil(lambda: rule in problem_rules(active))
    before, text = tier_references(doc), dumps_document(doc)
    expected = [
        None if t is None else ["critical" if x == "high" else x for x in t] for t in before
    ]
    assert expected != before
    steps = Steps(active)
    table, row = type_id(active, "tiers", "high", "critical")
    assert doc.tiers == ["low", "medium", "critical"] and tier_references(doc) == expected
    assert steps.pushed == 1 and shown(table, row, 0) == "critical" and not table.error.isVisible()
    qtbot.waitUntil(lambda: rule not in problem_rules(active))
    assert not any(r.endswith("-defined") or r.endswith("-known") for r in problem_rules(active))
    renamed = dumps_document(doc)
    gate = criteria(select(active, "production-gate"))
    rules = [shown(gate, r, 1) for r in range(gate.model.rowCount())]
    assert [r for r in rules if "·" in r] == [
        "demographic-parity-gap <= 0.05 · critical",
        "compliance-review present · medium, critical",
    ], rules
    active.editor.stack.undo()
    QApplication.processEvents()
    assert dumps_document(doc) == text
    qtbot.waitUntil(lambda: rule in problem_rules(active))
    rules = [shown(gate, r, 1) for r in range(gate.model.rowCount())]
    assert "compliance-review present · medium, high" in rules
    active.editor.stack.redo()
    QApplication.processEvents()
    assert dumps_document(doc) == renamed
    qtbot.waitUntil(lambda: rule not in problem_rules(active))


def test_a_role_renamed_onto_a_gates_other_rule_shows_the_twice_warning(qtbot, active) -> None:
    """The production gate asks for the undefined role ``release-manager``; typing that id
    over ``product-owner`` mends it and leaves two rules for one role: the Problems panel
    shows the warning naming the gate and the role, with its fix."""
    approval = active.editor.doc.node("production-gate").approval.model_dump(exclude_none=True)
    approval["rules"].append({"role": "release-manager", "count": 2})
    active.editor.set_property("production-gate", "approval", approval)
    qtbot.waitUntil(lambda: "role-defined" in problem_rules(active))
    assert "approval-role-twice" not in problem_rules(active)
    type_id(active, "roles", "product-owner", "release-manager")
    qtbot.waitUntil(lambda: "approval-role-twice" in problem_rules(active))
    problems = active.problems
    row = problem_rules(active).index("approval-role-twice")
    assert problems.item(row, 0).text().endswith("warning")
    assert "role 'release-manager'" in problems.item(row, 2).text()
    assert "Security and compliance gate" in problems.item(row, 2).text()
    assert problems.item(row, 3).text().startswith("Merge them into one rule")
    assert "role-defined" not in problem_rules(active)
