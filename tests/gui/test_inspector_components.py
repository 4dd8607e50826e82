"""The components catalog (document form) and a trigger's restores (trigger form), edited
with real clicks and keys, and seen drawn."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.inspecting import (
    Steps,
    click,
    edit_cell,
    press,
    record_field,
    select,
    shown,
    typed,
)

RETURN = Qt.Key.Key_Return


def dark_pixels(widget) -> int:  # type: ignore[no-untyped-def]
    image = widget.grab().toImage()
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).lightness() < 100
    )


@pytest.fixture
def active(qtbot, window):  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    return window


def restores(window, trigger: str = "bias-alert") -> list[str]:  # type: ignore[no-untyped-def]
    return [r.component for r in window.editor.doc.node(trigger).restores]


def test_add_a_component_and_type_its_name(qtbot, active) -> None:
    form = select(active)
    table, doc, steps = form.components, active.editor.doc, Steps(active)
    before = [c.id for c in doc.components]
    empty = dark_pixels(table.view)
    click(active, table.buttons["add"])
    assert [c.id for c in doc.components] == [*before, "component"] and steps.pushed == 1
    edit_cell(active, table, len(before), 1)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed("Feature store")
    press(RETURN)
    assert doc.component("component").name == "Feature store" and steps.pushed == 2
    assert dark_pixels(table.view) > empty  # the new row is drawn
    description = record_field(table, "description")
    click(active, description)
    typed("Computes features online")
    press(Qt.Key.Key_Tab)
    assert doc.component("component").description == "Computes features online"
    assert steps.pushed == 3
    for _ in range(3):
        active.editor.stack.undo()
    assert [c.id for c in doc.components] == before


def test_a_hostile_component_id_is_refused_inline(qtbot, active) -> None:
    form = select(active)
    table, steps = form.components, Steps(active)
    before = active.editor.doc.model_dump()
    edit_cell(active, table, 0, 0)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed("$(reboot)")
    press(RETURN)
    assert active.editor.doc.model_dump() == before and steps.pushed == 0
    assert table.error.isVisible() and "not a valid id" in table.error.text()


def test_restores_reorder_with_the_arrows_and_a_wrong_order_is_a_problem(qtbot, active) -> None:
    form = select(active, "bias-alert")
    table = next(t for t in form.tables if t.view.accessibleName() == "Restores table")
    steps = Steps(active)
    assert restores(active) == ["training-data", "model", "serving-config"]
    table.select(1)
    click(active, table.buttons["up"])  # the model above the data it depends on
    assert restores(active) == ["model", "training-data", "serving-config"]
    assert steps.pushed == 1
    qtbot.waitUntil(lambda: any(d.rule == "restore-order" for d in active.problems.diagnostics))
    (found,) = [d for d in active.problems.diagnostics if d.rule == "restore-order"]
    assert found.elements == ("bias-alert",)
    click(active, table.buttons["down"])
    assert restores(active) == ["training-data", "model", "serving-config"]
    qtbot.waitUntil(lambda: not any(d.rule == "restore-order" for d in active.problems.diagnostics))


def test_add_a_restore_then_type_its_safe_version(qtbot, active) -> None:
    form = select(active, "accuracy-drop")
    table = next(t for t in form.tables if t.view.accessibleName() == "Restores table")
    steps = Steps(active)
    shown = dark_pixels(table.view)
    click(active, table.buttons["add"])
    assert restores(active, "accuracy-drop") == ["model", "training-data"]
    added = active.editor.doc.node("accuracy-drop").restores[1]
    assert (added.source, added.ref) == ("dataset-version", "training-data@previous-stable")
    edit_cell(active, table, 1, 1)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed("training-data@2026-11")
    press(RETURN)
    QApplication.processEvents()
    assert active.editor.doc.node("accuracy-drop").restores[1].ref == "training-data@2026-11"
    assert steps.pushed == 2
    assert dark_pixels(table.view) > shown
    # Order matters: data before the model that depends on it, so this order is refused.
    qtbot.waitUntil(lambda: any(d.rule == "restore-order" for d in active.problems.diagnostics))


def test_renaming_a_component_in_its_id_cell_renames_every_reference(qtbot, active) -> None:
    """Typed into the catalog's id cell: other components' dependencies and each trigger's
    restores follow, in one undo step; validation finds nothing dangling; the inspector
    shows the new id where the old one was."""
    doc = active.editor.doc
    form = select(active)
    table, steps = form.components, Steps(active)
    row = [c.id for c in doc.components].index("model")
    cell_before = (
        table.view.viewport().grab(table.view.visualRect(table.model.index(row, 0))).toImage()
    )
    edit_cell(active, table, row, 0)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed("scoring-model")
    press(RETURN)
    QApplication.processEvents()

    def renamed() -> tuple[list[str], list[str], list[str]]:
        return (
            doc.component("prediction-api").depends_on,  # type: ignore[union-attr]
            restores(active, "accuracy-drop"),
            restores(active, "bias-alert"),
        )

    new = (["scoring-model", "serving-config"], ["scoring-model"])
    new += (["training-data", "scoring-model", "serving-config"],)
    old = (["model", "serving-config"], ["model"], ["training-data", "model", "serving-config"])
    assert renamed() == new and steps.pushed == 1
    assert doc.component("model") is None and doc.component("scoring-model") is not None
    assert shown(table, row, 0) == "scoring-model"
    cell_after = (
        table.view.viewport().grab(table.view.visualRect(table.model.index(row, 0))).toImage()
    )
    assert cell_after != cell_before  # the cell is drawn again with the new id
    # The dependent component's form ticks the renamed one, listed with its new id.
    table.select([c.id for c in doc.components].index("prediction-api"))
    depends = record_field(table, "depends on")
    assert "scoring-model" in depends.value()
    labels = [depends.item(i).text() for i in range(depends.count())]
    assert "Model (scoring-model)" in labels
    qtbot.waitUntil(lambda: not active._validation.isActive())  # validated since the edit
    rules = [active.problems.item(r, 1).text() for r in range(active.problems.rowCount())]
    assert not any(rule.startswith("component") for rule in rules), rules
    # The trigger's restores table names the component by its name and new id.
    trigger = select(active, "bias-alert")
    restores_table = next(t for t in trigger.tables if t.view.accessibleName() == "Restores table")
    assert [shown(restores_table, r, 0) for r in range(3)][1] == "Model (scoring-model)"
    active.editor.stack.undo()
    assert renamed() == old and doc.component("model") is not None
    QApplication.processEvents()
    assert shown(restores_table, 1, 0) == "model"  # named alike: the id alone
    active.editor.stack.redo()
    assert renamed() == new
    QApplication.processEvents()
    assert shown(restores_table, 1, 0) == "Model (scoring-model)"


def test_a_renamed_component_shows_its_new_name_where_others_depend_on_it(qtbot, active) -> None:
    doc = active.editor.doc
    table = select(active).components
    ids = [c.id for c in doc.components]
    table.select(ids.index("prediction-api"))
    depends = record_field(table, "depends on")
    labels = lambda: [depends.item(i).text() for i in range(depends.count())]  # noqa: E731
    assert "model" in labels()  # "Model" reads as its id: the id alone
    edit_cell(active, table, ids.index("model"), 1)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed("Scoring model")
    press(RETURN)
    table.select(ids.index("prediction-api"))
    QApplication.processEvents()
    assert doc.component("model").name == "Scoring model"  # type: ignore[union-attr]
    assert "Scoring model (model)" in labels() and "model" not in labels()
    item = depends.item(labels().index("Scoring model (model)"))
    assert item.checkState() == Qt.CheckState.Checked
    assert "Scoring model (model)" in item.toolTip()  # the whole label, when cut off
    active.editor.stack.undo()  # the row stays selected: its list follows the catalog
    QApplication.processEvents()
    assert "model" in labels() and "Scoring model (model)" not in labels()


def test_catalog_and_restores_show_every_column_at_the_inspectors_width(qtbot, active) -> None:
    """Each table fits the inspector: no column behind a scroll bar and no room kept for a
    bar that is not there; a cell cut short shows its whole text, literally, as a tip."""
    catalog = select(active).components
    trigger = select(active, "bias-alert")
    restores_table = next(t for t in trigger.tables if t.view.accessibleName() == "Restores table")
    for table in (catalog, restores_table):
        view = table.view
        QApplication.processEvents()
        header = view.horizontalHeader()
        assert header.length() <= view.viewport().width()  # every column in sight
        assert not view.horizontalScrollBar().isVisible()
        rows = view.verticalHeader().length()
        assert view.height() == header.height() + rows + 2 * view.frameWidth()
    restores = [r.model_dump() for r in active.editor.doc.node("bias-alert").restores]
    restores[2]["ref"] = "<b>refs/tags/serving-last-compliant-and-then-some</b>"
    active.editor.set_property("bias-alert", "restores", restores)
    QApplication.processEvents()
    tip = restores_table.model.index(2, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;refs/tags/serving-last-compliant-and-then-some&lt;/b&gt;" in tip
    assert shown(restores_table, 2, 1) == restores[2]["ref"]


def test_a_rename_that_would_list_a_component_twice_is_refused_inline(qtbot, active) -> None:
    doc = active.editor.doc
    restores = [r.model_dump() for r in doc.node("bias-alert").restores]
    active.editor.set_property(
        "bias-alert", "restores", [*restores, {**restores[0], "component": "scorer"}]
    )
    before, steps = doc.model_dump(), Steps(active)
    table = select(active).components
    edit_cell(active, table, [c.id for c in doc.components].index("model"), 0)
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    typed("scorer")
    press(RETURN)
    QApplication.processEvents()
    assert doc.model_dump() == before and steps.pushed == 0
    assert table.error.isVisible()
    assert "trigger 'bias-alert' restores both 'model' and 'scorer'" in table.error.text()
    assert shown(table, [c.id for c in doc.components].index("model"), 0) == "model"
