"""Shared helpers of the inspector tests: the window, selecting, reading forms and tables."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from app.ui.main_window import MainWindow
from app.ui.panels.binding import Form
from app.ui.panels.criteria_table import CriteriaTable
from app.ui.panels.fields import InlineError
from app.ui.panels.record_table import RecordTable

COLUMNS = {"id": 0, "rule": 1}
"""The criteria table's columns; every other field of a criterion is in the form under it."""


def select(window: MainWindow, *ids: str) -> Any:
    window.scene.select_ids(list(ids))
    return window.inspector.form


def widget(form: QWidget, name: str) -> Any:
    """The editor widget of ``form`` whose accessible name is ``name``."""
    found = [w for w in form.findChildren(QWidget) if w.accessibleName() == name]
    assert found, f"no widget named {name!r}"
    return found[0]


def shown_errors(form: QWidget) -> list[str]:
    return [label.text() for label in form.findChildren(InlineError) if not label.isHidden()]


def retype(qtbot, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


class Steps:
    """Counts the commands pushed since creation."""

    def __init__(self, window: MainWindow) -> None:
        self.stack = window.editor.stack
        self.start = self.stack.count()

    @property
    def pushed(self) -> int:
        return self.stack.count() - self.start


def assert_one_undoable_step(window: MainWindow, steps: Steps, read, old, new) -> None:  # type: ignore[no-untyped-def]
    assert read() == new
    assert steps.pushed == 1
    window.editor.stack.undo()
    assert read() == old
    window.editor.stack.redo()
    assert read() == new


def criteria(form: Form) -> CriteriaTable:
    return next(table for table in form.tables if isinstance(table, CriteriaTable))


def cell(table: RecordTable, row: int, column: str) -> Any:
    return table.model.index(row, COLUMNS[column])


def record_field(table: RecordTable, header: str, row: int | None = None) -> Any:
    """The field, in the form under ``table``, of the current record (of ``row``, selected
    first) for the column ``header`` (a criterion's ``name``, ``form``, ``op``, ``value``,
    ``metric / check / artifact``...; a metric's ``unit``, ``direction``...)."""
    if row is not None:
        table.select(row)
    assert table.form is not None
    for column, _label, _holder, fields in table.form.rows:
        if column.header == header:
            kind = column.editor(table.current_record()[1])
            return fields.get(kind) or next(iter(fields.values()))  # hidden: not in this form
    raise AssertionError(f"no record field {header!r}")


criterion_field = record_field


def typed(text: str) -> None:
    """Type ``text`` as a person does: each key goes to whatever has the keyboard then, and
    what the key set going (an item view commits a cell on the next turn) runs before the
    next key."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    for char in text:
        QTest.keyClicks(QApplication.focusWidget(), char)
        QApplication.processEvents()


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QTest.keyClick(QApplication.focusWidget(), key, modifiers)
    QApplication.processEvents()


def click(window: MainWindow, widget: QWidget) -> None:
    """A real click in the middle of ``widget``, scrolled into view in the inspector first."""
    from PySide6.QtTest import QTest

    window.inspector.ensureWidgetVisible(widget)
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


def focused() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget()


def edit_cell(window: MainWindow, table: RecordTable, row: int, column: int) -> QLineEdit:
    """Double-click the cell where it is drawn, as a person opens it for typing."""
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    index = table.model.index(row, column)
    window.inspector.ensureWidgetVisible(table.view)
    table.view.scrollTo(index)
    where = table.view.visualRect(index).center()
    QTest.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    QTest.mouseDClick(table.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    QApplication.processEvents()
    editor = focused()
    assert isinstance(editor, QLineEdit), editor
    return editor


def shown(table: RecordTable, row: int, column: int) -> str:
    """The text the table's view draws in a cell."""
    return str(table.model.index(row, column).data(Qt.ItemDataRole.DisplayRole))
