"""Cell editors of record tables: a combo for choices, a spin box for counts, a checklist
for subsets (tiers), a line edit for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.ui.panels.values import Option, format_value

if TYPE_CHECKING:
    from app.ui.panels.record_table import RecordModel

Index = QModelIndex | QPersistentModelIndex
_EDIT = Qt.ItemDataRole.EditRole


class SubsetEditor(QListWidget):
    """A checkable list used as a cell editor: which of the options apply (none = all).

    Space on the closed cell opens the list; the table hands that same key press on to
    the list, where it would tick the first option too, so the key that opened it is
    dropped (Space inside the open list ticks as usual)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._opening = True
        QTimer.singleShot(0, self, self._opened)

    def _opened(self) -> None:
        self._opening = False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._opening and event.key() == Qt.Key.Key_Space:
            event.accept()
            return
        super().keyPressEvent(event)

    def set_options(self, options: list[Option]) -> None:
        self.clear()
        for label, value in options:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        if self.count():
            self.setCurrentRow(0)

    def set_value(self, values: Sequence[Any] | None) -> None:
        for row in range(self.count()):
            item = self.item(row)
            on = item.data(Qt.ItemDataRole.UserRole) in (values or ())
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def value(self) -> list[Any] | None:
        chosen = [
            self.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.count())
            if self.item(row).checkState() == Qt.CheckState.Checked
        ]
        return chosen or None


class ChoiceEditor(QComboBox):
    """A choice cell's editor. A choice picked from its list is committed at once and the
    editor stays open, so that Tab then goes on to the next cell; one reached by typing or
    arrow keys is committed on Enter, Tab or leaving the cell, like text, so that typing
    over a cell does not change the record at the first letter."""

    picked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keyed = False
        self.activated.connect(self._activated)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self._keyed = True
        try:
            super().keyPressEvent(event)
        finally:
            self._keyed = False

    def _activated(self, _index: int) -> None:
        if not self._keyed:
            self.picked.emit()


class RecordDelegate(QStyledItemDelegate):
    """Editors per cell: a combo for choices, a spin box for counts, a checklist for subsets."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        model: RecordModel = index.model()  # type: ignore[assignment]
        column = model.columns[index.column()]
        record = model.records[index.row()]
        kind = column.editor(record)
        editor: QWidget
        if kind == "choice":
            combo = ChoiceEditor(parent)
            for label, value in column.choices(record):
                combo.addItem(label, value)
            combo.picked.connect(lambda: self.commitData.emit(combo))
            editor = combo
        elif kind == "count":
            spin = QSpinBox(parent)
            spin.setRange(1, 1_000_000)
            editor = spin
        elif kind == "subset":
            subset = SubsetEditor(parent)
            subset.set_options(column.choices(record))
            editor = subset
        else:
            editor = QLineEdit(parent)
        editor.setAccessibleName(column.header)
        editor.setToolTip(column.tip)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        value = index.data(_EDIT)
        if isinstance(editor, QComboBox):
            with QSignalBlocker(editor):
                found = next((i for i in range(editor.count()) if editor.itemData(i) == value), -1)
                if found < 0:
                    editor.addItem(f"{format_value(value)} (not defined)", value)
                    found = editor.count() - 1
                editor.setCurrentIndex(found)
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 1))
        elif isinstance(editor, SubsetEditor):
            editor.set_value(value)
        elif isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox):
            value: Any = editor.currentData()
        elif isinstance(editor, (QSpinBox, SubsetEditor)):
            value = editor.value()
        elif isinstance(editor, QLineEdit):
            value = editor.text()
        else:
            return
        model.setData(index, value, _EDIT)

    def updateEditorGeometry(
        self, editor: QWidget, option: QStyleOptionViewItem, index: Index
    ) -> None:
        if not isinstance(editor, SubsetEditor):
            editor.setGeometry(option.rect)
            return
        # The checklist is taller than a row: open downwards, or upwards near the bottom.
        rows = max(editor.count(), 1)
        height = editor.sizeHintForRow(0) * rows + 2 * editor.frameWidth() + 2
        width = max(option.rect.width(), editor.sizeHintForColumn(0) + 16)
        rect = QRect(option.rect.left(), option.rect.top(), width, height)
        area = editor.parentWidget().rect() if editor.parentWidget() else rect
        if rect.bottom() > area.bottom():
            rect.moveBottom(max(option.rect.bottom(), area.bottom()))
        rect.moveTop(max(rect.top(), 0))
        editor.setGeometry(rect)
